"""Build Mailchimp member payloads from plain values.

Pure Python: the Odoo side reads partners in batches and hands plain values
(strings, numbers, dates, address dicts, E.164 phones) to :func:`convert_value`,
which applies Mailchimp's rules per merge field type and says why a value is
left out.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

TEXT_MAX_BYTES = 255
ADDRESS_REQUIRED = ("addr1", "city", "state", "zip")
URL_RE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
ZIP_RE = re.compile(r"^\d{5}$")
E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")


class Skip(Exception):
    """A value that cannot be sent; ``str()`` says why."""


def _is_empty(value):
    return value is None or value is False or value == "" or value == {}


def _text(value, *_):
    text = str(value).strip()
    raw = text.encode()
    if len(raw) > TEXT_MAX_BYTES:
        text = raw[:TEXT_MAX_BYTES].decode(errors="ignore")
    return text


def _number(value, *_):
    if isinstance(value, bool):
        raise Skip("not a number")
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise Skip(f"'{value}' is not a number") from None
    return int(number) if number.is_integer() else number


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Skip(f"'{value}' is not a date") from None


# What Mailchimp accepts when a date is written, whatever the field's display
# format: a date as YYYY-MM-DD (also YYYY/MM/DD, DD-MM-YYYY, MM/DD/YYYY), a
# birthday as MM/DD (Mailchimp's merge field documentation, "Merge field
# types"; api-notes §5). Odoo sends the first, never the display format.
WRITE_PATTERNS = {"date": "%Y-%m-%d", "birthday": "%m/%d"}
# Mailchimp's display formats (``options.date_format`` of a merge field) as
# strftime patterns, used to read a value back; the documents do not say in
# which format a member's date is answered, so ISO is accepted too.
DATE_FORMATS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD/MM/YYYY": "%d/%m/%Y",
}
BIRTHDAY_FORMATS = {"MM/DD": "%m/%d", "DD/MM": "%d/%m"}
DEFAULT_DATE_FORMAT = "YYYY-MM-DD"
DEFAULT_BIRTHDAY_FORMAT = "MM/DD"
# a birthday read back with no year known in Odoo: a leap year, so 29 Feb fits
BIRTHDAY_YEAR = 2000


def date_pattern(mtype, date_format=None):
    """The strftime pattern of a date or birthday merge field."""
    fmt = (date_format or "").upper()
    if mtype == "birthday":
        return BIRTHDAY_FORMATS.get(fmt, BIRTHDAY_FORMATS[DEFAULT_BIRTHDAY_FORMAT])
    return DATE_FORMATS.get(fmt, DATE_FORMATS[DEFAULT_DATE_FORMAT])


def format_date(value, mtype="date"):
    """A date or birthday value in the format Mailchimp documents for writes."""
    kind = "birthday" if mtype == "birthday" else "date"
    return _date(value).strftime(WRITE_PATTERNS[kind])


def parse_merge_date(value, mtype="date", date_format=None, known=None):
    """A date or birthday read from Mailchimp, in the field's own format.

    A birthday has no year: the year of ``known`` (the date Odoo has) is kept.
    Returns None when the value does not match the format."""
    text = str(value or "").strip()
    if not text:
        return None
    pattern = date_pattern(mtype, date_format)
    if mtype == "birthday":  # no year: parse in a leap year so 29 Feb fits
        text, pattern = f"{text}/{BIRTHDAY_YEAR}", f"{pattern}/%Y"
    try:
        parsed = datetime.datetime.strptime(text, pattern)
    except ValueError:
        try:  # Mailchimp's API also answers ISO dates
            parsed = datetime.datetime.strptime(text[:10], "%Y-%m-%d")
        except ValueError:
            return None
    result = parsed.date()
    if mtype == "birthday":
        year = known.year if known else BIRTHDAY_YEAR
        try:
            result = result.replace(year=year)
        except ValueError:  # 29 Feb in a year without it
            result = result.replace(year=BIRTHDAY_YEAR)
    return result


def format_phone(value, phone_format=None, default_region=None):
    """E.164 for international fields, ``NNN-NNN-NNNN`` for US-format fields."""
    if (phone_format or "").upper() != "US" and E164_RE.match(str(value)):
        return str(value)  # already E.164 (Odoo's phone_validation output)
    try:
        number = phonenumbers.parse(str(value), default_region)
    except phonenumbers.NumberParseException:
        raise Skip(f"phone '{value}' cannot be parsed") from None
    if not phonenumbers.is_possible_number(number):
        raise Skip(f"phone '{value}' is not a valid number")
    if (phone_format or "").upper() == "US":
        if number.country_code != 1:
            raise Skip(f"phone '{value}' is not a US number (US-format field)")
        national = str(number.national_number)
        if len(national) != 10:
            raise Skip(f"phone '{value}' is not a 10-digit US number")
        return f"{national[:3]}-{national[3:6]}-{national[6:]}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _address(value, *_):
    if not isinstance(value, dict):
        raise Skip("not an address")
    address = {k: _text(v) for k, v in value.items() if not _is_empty(v)}
    missing = [key for key in ADDRESS_REQUIRED if not address.get(key)]
    if missing:
        raise Skip("incomplete address (missing {})".format(", ".join(missing)))
    return address


def _choice(value, merge_field, _region):
    text, choices = str(value).strip(), merge_field.get("choices")
    for choice in choices or ():
        if choice.lower() == text.lower():
            return choice
    raise Skip(f"'{text}' is not one of the choices ({', '.join(choices or ())})")


def _url(value, *_):
    url = str(value).strip()
    if not URL_RE.match(url):
        raise Skip(f"'{url}' is not a web address")
    return url


def _zip(value, *_):
    text = str(value).strip()
    if not ZIP_RE.match(text):
        raise Skip(f"'{text}' is not a 5-digit ZIP code")
    return text


def _phone(value, merge_field, region):
    return format_phone(value, merge_field.get("phone_format"), region)


def _a_date(value, merge_field, _region):
    return format_date(value, merge_field.get("type"))


def _today(merge_field, today):
    return format_date(today, merge_field.get("type"))


def _first_choice(merge_field, _today):
    choices = merge_field.get("choices") or []
    return choices[0] if choices else None


def _dash(*_):
    return "-"


def _zero(*_):
    return 0


@dataclass(frozen=True)
class MergeType:
    """How Odoo handles one of Mailchimp's merge field types ("Merge field
    types" in Mailchimp's documentation; the ``type`` enum of the spec's
    merge field schema)."""

    label: str  # shown in the mapping wizard
    odoo_types: frozenset  # contact field types that can hold its values
    # ``(value, merge field dict, default region)`` -> the value sent; raises
    # :class:`Skip` with the reason when it cannot be sent
    write: Callable
    # ``(merge field dict, today)`` -> the value of a required field left
    # empty; None: no sensible default (reported instead)
    default: Callable | None = None
    # ``(value, type, date format, known)`` -> the Odoo value read back;
    # None: read by the contact field's own type
    read: Callable | None = None
    choices: bool = False  # its values are one of the field's choices


TEXTS = frozenset({"char", "text", "selection", "many2one"})
NUMBERS = frozenset({"integer", "float", "monetary"})
CHAR = frozenset({"char"})
DATES = frozenset({"date", "datetime"})
CHOICES = frozenset({"selection", "many2one"})
# Adding a merge field type is adding a line here.
MERGE_FIELD_TYPES = {
    "text": MergeType("Text", TEXTS, _text, _dash),
    "number": MergeType("Number", NUMBERS, _number, _zero),
    "address": MergeType("Address", frozenset(), _address),
    "phone": MergeType("Phone", CHAR, _phone),
    "date": MergeType("Date", DATES, _a_date, _today, parse_merge_date),
    "birthday": MergeType("Birthday", DATES, _a_date, _today, parse_merge_date),
    "url": MergeType("Website", CHAR, _url),
    "imageurl": MergeType("Image URL", CHAR, _url),
    "radio": MergeType("Radio buttons", CHOICES, _choice, _first_choice, choices=True),
    "dropdown": MergeType("Drop-down", CHOICES, _choice, _first_choice, choices=True),
    "zip": MergeType("ZIP code (US)", CHAR, _zip),
}
# the types whose values are one of the field's choices
CHOICE_TYPES = frozenset(key for key, kind in MERGE_FIELD_TYPES.items() if kind.choices)


def merge_type(merge_field):
    """The :class:`MergeType` of a merge field dict (an unknown one: text)."""
    return MERGE_FIELD_TYPES.get(merge_field.get("type")) or MERGE_FIELD_TYPES["text"]


def convert_value(merge_field, value, today=None, default_region=None):
    """Convert ``value`` for ``merge_field`` (a dict with ``tag``, ``type``,
    ``required``, ``choices``, ``phone_format``).

    Returns the value to send, or ``None`` when there is nothing to send.
    Raises :class:`Skip` with the reason when a value exists but is refused.
    """
    if _is_empty(value):
        return None
    return merge_type(merge_field).write(value, merge_field, default_region)


def required_default(merge_field, today=None):
    """The value Mailchimp accepts for a required field left empty."""
    default = merge_type(merge_field).default
    return default(merge_field, today or datetime.date.today()) if default else None


# What a required merge field without a value becomes (per audience).
REQUIRED_EMPTY = "empty"  # left out; Mailchimp's check skipped (skip_merge_validation)
REQUIRED_DEFAULT = "default"  # the type's default value (Maximizer's rules)
REQUIRED_SKIP = "skip"  # the contact is not sent
REQUIRED_MISSING = "required but empty: the contact is not sent"


def build_merge_fields(
    merge_fields, values, today=None, default_region=None, required=REQUIRED_EMPTY
):
    """Return ``(merge_values, skipped)`` for one member.

    :param merge_fields: list of merge field dicts (see :func:`convert_value`)
    :param values: ``{tag: plain value}``
    :param required: what a required field without a value becomes
        (``REQUIRED_EMPTY``, ``REQUIRED_DEFAULT`` or ``REQUIRED_SKIP``)
    :returns: ``{tag: converted}`` and ``[(tag, reason)]`` for what was left out
        (``REQUIRED_MISSING`` as reason: the member must not be sent)
    """
    result, skipped = {}, []
    for field in merge_fields:
        tag = field["tag"]
        if tag not in values:
            continue
        try:
            converted = convert_value(field, values[tag], today, default_region)
        except Skip as reason:
            converted = None
            skipped.append((tag, str(reason)))
        if converted is None and field.get("required"):
            if required == REQUIRED_SKIP:
                skipped.append((tag, REQUIRED_MISSING))
            elif required == REQUIRED_DEFAULT:
                converted = required_default(field, today)
                if converted is None:
                    skipped.append((tag, "required but empty"))
        if converted is not None:
            result[tag] = converted
    return result, skipped


def member_status(known_status, double_optin):
    """Status to send in a batch upsert.

    A member Mailchimp already knows keeps its status: Odoo never turns an
    unsubscribed, cleaned or transactional contact back into a subscriber.
    """
    if known_status:
        return known_status
    return "pending" if double_optin else "subscribed"


def address_body(street, street2, city, state, zip_code, country):
    """A contact's address as Mailchimp's address merge field (``addr1``,
    ``addr2``, ``city``, ``state``, ``zip``, ``country``: the merge field's
    address value in Mailchimp's docs), or False without street, city and zip."""
    if not (street or city or zip_code):
        return False
    return {
        "addr1": street or "",
        "addr2": street2 or "",
        "city": city or "",
        "state": state or "",
        "zip": zip_code or "",
        "country": country or "",
    }


def address_row(row):
    """:func:`address_body` from a row of the contact's columns (``street``,
    ``street2``, ``city``, ``state_code``, ``zip``, ``country_code``)."""
    return address_body(
        row["street"],
        row["street2"],
        row["city"],
        row["state_code"],
        row["zip"],
        row["country_code"],
    )


def split_name(name):
    """``"Ann Lee Smith"`` -> ``("Ann Lee", "Smith")``; one word is a first name."""
    parts = (name or "").strip().rsplit(" ", 1)
    if len(parts) == 1:
        return parts[0], ""
    return parts[0], parts[1]
