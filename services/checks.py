"""The checks of the values Mailchimp sends, shared by the value objects.

Counts and numeric ids each land in an Odoo integer field (a PostgreSQL
``integer``): a larger value (``total_items`` of 10**12) would abort the
transaction that writes it, and every later run the same way. A page or an
answer with such a count is refused (the run fails and says why); an item with
one is skipped and logged."""

import re

from .errors import RESOURCE_ID_RE

MEMBER_ID_RE = re.compile(r"^[0-9a-f]{32}$")  # MD5 of the lower-cased email
EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")
MAX_EMAIL_LENGTH = 254
# PostgreSQL's ``integer``, the column of Odoo's fields.Integer
MAX_COUNT = 2**31 - 1
MAX_TEXT_LENGTH = 1000  # names, titles, subject lines, statuses
MAX_URL_LENGTH = 2048
URL_SCHEMES = ("https://", "http://")
PERCENT = 100  # Mailchimp's rates are fractions, Odoo shows percents


class InvalidItem(ValueError):
    """One malformed item (a member): skipped and logged, the rest applies."""


def is_member_id(value):
    return isinstance(value, str) and bool(MEMBER_ID_RE.match(value))


def is_resource_id(value):
    return isinstance(value, str) and bool(RESOURCE_ID_RE.match(value))


def check_email(value):
    """The address as a stripped string, or :class:`InvalidItem`."""
    if not isinstance(value, str):
        raise InvalidItem("the email is not text")
    value = value.strip()
    if len(value) > MAX_EMAIL_LENGTH or not EMAIL_RE.match(value):
        raise InvalidItem(f"the email {value[:80]!r} is not an address")
    return value


def is_number(value):
    """An ``int`` from JSON (``true`` and ``false`` are not numbers)."""
    return isinstance(value, int) and not isinstance(value, bool)


def bounded(value, name, error):
    """``value``, unless it is an integer above :data:`MAX_COUNT`: then ``error``
    (:class:`InvalidItem` for an item, :class:`~.errors.MalformedResponse` for
    a page or an answer) naming ``name``."""
    if is_number(value) and value > MAX_COUNT:
        raise error(f"{name} {value} is more than Odoo can store ({MAX_COUNT})")
    return value


def text(value, limit=MAX_TEXT_LENGTH):
    """A string with something in it, cut to ``limit``, or None."""
    return value[:limit] if isinstance(value, str) and value.strip() else None


def digits(value):
    """The integer a string of ASCII digits spells (a header, a number Mailchimp
    sends as text), else None: ``str.isdigit`` also accepts "²", which ``int``
    refuses."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def count(value, name="a count"):
    """A count Mailchimp sends: a positive integer, else 0; one larger than
    Odoo can store raises :class:`InvalidItem` naming ``name``."""
    if is_number(value) and value > 0:
        return bounded(value, name, InvalidItem)
    return 0


def count_at(data, key):
    return count(data.get(key), key)


def percent(value):
    """A rate Mailchimp sends as a fraction, in percent (0.0 when missing)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) * PERCENT
    return 0.0


def obj(value):
    """A JSON object, or an empty one."""
    return value if isinstance(value, dict) else {}


def url(value):
    """A web address (a link Odoo shows), never another scheme; or None."""
    if isinstance(value, str) and value.startswith(URL_SCHEMES):
        return value[:MAX_URL_LENGTH]
    return None


def email(value):
    """An address only shown to the user, or None when it is not one."""
    try:
        return check_email(value)
    except InvalidItem:
        return None


def resource_id(data, key, what):
    """``data[key]`` checked as a Mailchimp id (it may end up in a URL), or
    :class:`InvalidItem`."""
    value = data.get(key)
    if value is None:
        raise InvalidItem(f"the {what} has no {key}")
    if not is_resource_id(value):
        raise InvalidItem(f"the {what} {key} {str(value)[:40]!r} is invalid")
    return value
