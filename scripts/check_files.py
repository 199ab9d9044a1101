"""Static checks of the addon's files: XML well-formed, manifest files present."""

import ast
import pathlib
import sys
from xml.etree import ElementTree

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIP = {".local", ".git", "node_modules"}


def main():
    problems = []
    for path in ROOT.rglob("*.xml"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        try:
            ElementTree.parse(path)
        except ElementTree.ParseError as error:
            problems.append(f"{path.relative_to(ROOT)}: not well-formed XML: {error}")
    manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text())
    listed = manifest.get("data", []) + manifest.get("demo", [])
    for bundle in manifest.get("assets", {}).values():
        listed += [f for f in bundle if isinstance(f, str) and "*" not in f]
    for name in listed:
        if not (ROOT / name).is_file() and not name.startswith(("web/", "mail/")):
            problems.append(f"__manifest__.py lists {name}, which does not exist")
    for problem in problems:
        print(problem)
    print(
        f"{len(listed)} manifest files present; XML files well-formed."
        if not problems
        else ""
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
