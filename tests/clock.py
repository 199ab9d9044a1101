"""Dates of the tests, relative to the clock the addon reads.

A fixture never holds a calendar date: the code compares dates with "now"
(a campaign's activity is read for 30 days, a conversion counts within the
audience's window), so a fixed date passes until the calendar catches up with
it. Fixtures are placed on the days of a month that began ``MONTH_AGO`` days
before the tests run: ``day(2, 10)`` is the 2nd of that month at 10:00. The
test command runs the Odoo tests a second time with the clock moved ahead
(``scripts/pytest_shifted_clock.py``): a test written any other way fails
there at once.
"""

from datetime import datetime, timedelta

MONTH_AGO = 25  # days 1 to 25 of the month lie in the past, within 30 days


def month_start():
    """Midnight (UTC, naive like Odoo's datetimes) ``MONTH_AGO`` days ago."""
    today = datetime.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=MONTH_AGO)


def day(number, hour=0, minute=0):
    """The ``number``-th day of the tests' month at ``hour:minute`` (naive)."""
    return month_start() + timedelta(days=number - 1, hours=hour, minutes=minute)


def stamp(moment):
    """``moment`` as Mailchimp writes times: ISO 8601 with its UTC offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def field(moment):
    """``moment`` as Odoo's Datetime fields take it."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def fired_at(minutes=0):
    """A webhook's ``fired_at`` (``YYYY-MM-DD HH:MM:SS``, UTC) ``minutes``
    from now: a delivery is applied only when it is not older than what Odoo
    already knows of the member."""
    return field(datetime.utcnow() + timedelta(minutes=minutes))
