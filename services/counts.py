"""Counts and numeric ids Mailchimp sends, bounded where its JSON is read.

Each lands in an Odoo integer field (a PostgreSQL ``integer``): a larger value
(``total_items`` of 10**12) would abort the transaction that writes it, and
every later run the same way. A page or an answer with such a count is
refused (the run fails and says why); an item with one is skipped and logged."""

# PostgreSQL's ``integer``, the column of Odoo's fields.Integer
MAX_COUNT = 2**31 - 1


def is_number(value):
    """An ``int`` from JSON (``true`` and ``false`` are not numbers)."""
    return isinstance(value, int) and not isinstance(value, bool)


def bounded(value, name, error):
    """``value``, unless it is an integer above :data:`MAX_COUNT`: then ``error``
    (:class:`~.remote.InvalidItem` for an item, :class:`~.errors.
    MalformedResponse` for a page or an answer) naming ``name``."""
    if is_number(value) and value > MAX_COUNT:
        raise error(f"{name} {value} is more than Odoo can store ({MAX_COUNT})")
    return value
