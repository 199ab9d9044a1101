"""Small checks of the values Mailchimp sends, shared by the value objects."""

from .counts import bounded, is_number
from .remote import InvalidItem, check_email, is_resource_id

MAX_TEXT_LENGTH = 1000  # names, titles, subject lines, statuses
MAX_URL_LENGTH = 2048
URL_SCHEMES = ("https://", "http://")
PERCENT = 100  # Mailchimp's rates are fractions, Odoo shows percents


def text(value, limit=MAX_TEXT_LENGTH):
    """A string with something in it, cut to ``limit``, or None."""
    return value[:limit] if isinstance(value, str) and value.strip() else None


def count(value, name="a count"):
    """A count Mailchimp sends: a positive integer, else 0; one larger than
    Odoo can store raises :class:`InvalidItem` naming ``name``."""
    if is_number(value) and value > 0:
        return bounded(value, name, InvalidItem)
    return 0


def count_at(data, key):
    """:func:`count` of ``data[key]``."""
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
