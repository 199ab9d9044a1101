"""The translation template and its translations.

    python3 scripts/pot_tool.py clean EXPORTED OUT   an Odoo export made a .pot
    python3 scripts/pot_tool.py compare EXPORTED POT   fails when POT is stale
    python3 scripts/pot_tool.py check POT PO...        fails on a missing or
                                                       broken translation
    python3 scripts/pot_tool.py merge POT PO...        brings translations in
                                                       line with the template

The comparison is by message (msgctxt, msgid): the header, dates and
references do not count.
"""

import re
import sys

import polib

LOCAL_REFERENCE = "code:addons/mailchimp_sync/.local/"
# %s, %(name)s, %d, {status}, {0}: what Python fills in
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdfr%]|\{[a-z_0-9]*\}")


def clean(exported, out):
    """Write the template: references into .local (local copies, links) and
    the messages only found there left out; creation dates kept stable."""
    pot = polib.pofile(exported, wrapwidth=78)
    for entry in list(pot):
        refs = [ref for ref in entry.occurrences if LOCAL_REFERENCE not in ref[0]]
        if entry.occurrences and not refs:
            pot.remove(entry)
        entry.occurrences = refs
    for key in ("POT-Creation-Date", "PO-Revision-Date"):
        pot.metadata[key] = ""
    pot.save(out)
    return len(pot)


def _messages(path):
    return {(e.msgctxt, e.msgid) for e in polib.pofile(path) if not e.obsolete}


def compare(exported, pot):
    """The messages the code has and the template lacks, and the reverse."""
    fresh, kept = _messages(exported), _messages(pot)
    return sorted(fresh - kept, key=str), sorted(kept - fresh, key=str)


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text or ""))


def check_po(pot, po_path):
    """The problems of one translation file against the template."""
    problems = []
    po = {(e.msgctxt, e.msgid): e for e in polib.pofile(po_path) if not e.obsolete}
    for message in sorted(_messages(pot), key=str):
        entry = po.get(message)
        if entry is None or not entry.msgstr.strip():
            problems.append(f"{po_path}: not translated: {message[1][:60]!r}")
        elif entry.fuzzy:
            problems.append(f"{po_path}: fuzzy: {message[1][:60]!r}")
        elif placeholders(entry.msgid) != placeholders(entry.msgstr):
            problems.append(
                f"{po_path}: placeholders differ in {message[1][:60]!r}: "
                f"{placeholders(entry.msgid)} != {placeholders(entry.msgstr)}"
            )
    return problems


def merge(pot, po_path):
    """New messages added untranslated, gone ones dropped, references and
    comments from the template; the translations kept."""
    po = polib.pofile(po_path, wrapwidth=78)
    po.merge(polib.pofile(pot))
    for entry in po.obsolete_entries():
        po.remove(entry)
    po.save(po_path)
    return sum(1 for e in po if not e.msgstr.strip())


def main(argv):
    command, args = argv[0], argv[1:]
    if command == "clean":
        print(f"{clean(*args)} messages in {args[1]}")
        return 0
    if command == "compare":
        missing, extra = compare(*args)
        for _ctx, msgid in missing:
            print(f"in the code, not in {args[1]}: {msgid[:70]!r}")
        for _ctx, msgid in extra:
            print(f"in {args[1]}, no longer in the code: {msgid[:70]!r}")
        if missing or extra:
            print(f"{args[1]} is stale: run ./scripts/i18n.sh", file=sys.stderr)
            return 1
        print(f"{args[1]} is up to date ({len(_messages(args[1]))} messages).")
        return 0
    if command == "merge":
        for po in args[1:]:
            print(f"{po}: {merge(args[0], po)} messages to translate")
        return 0
    if command == "check":
        problems = [p for po in args[1:] for p in check_po(args[0], po)]
        done = f"{', '.join(args[1:])}: every message translated."
        print("\n".join(problems) or done)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
