"""A pytest plugin: the whole session runs with the clock moved ahead.

    MCS_CLOCK_SHIFT_DAYS=400 pytest -p pytest_shifted_clock ...

The test command runs the Odoo tests a second time this way, so a test that
compares a fixed date with "now" (and passes only until the calendar catches
up with it) fails today, not in a year. The clock still ticks; a test that
freezes time (Odoo's ``freeze_time``) sees its own frozen instant, whatever
the shift. PostgreSQL's clock cannot be moved from here: the transaction's
timestamp Odoo writes as ``create_date``/``write_date`` (``Cursor.now()``) is
taken from the moved clock instead, as Odoo's test cursor does.
"""

import os
from datetime import datetime, timedelta, timezone

import time_machine

SHIFT_VARIABLE = "MCS_CLOCK_SHIFT_DAYS"
_traveller = None


def shift_days():
    """The shift asked for, in days (0: the real clock)."""
    return int(os.environ.get(SHIFT_VARIABLE) or 0)


def pytest_configure(config):
    global _traveller
    days = shift_days()
    if days:
        moved = datetime.now(timezone.utc) + timedelta(days=days)
        _traveller = time_machine.travel(moved, tick=True)
        _traveller.start()
        _move_database_timestamps()


def _move_database_timestamps():
    """``Cursor.now()`` from the moved clock, once per transaction."""
    from odoo import sql_db

    def now(cursor):
        if cursor._now is None:
            cursor._now = datetime.now(timezone.utc).replace(tzinfo=None)
        return cursor._now

    sql_db.Cursor.now = now


def pytest_unconfigure(config):
    if _traveller is not None:
        _traveller.stop()


def pytest_report_header(config):
    days = shift_days()
    if days:
        return f"clock moved {days} days ahead: now is {datetime.now():%Y-%m-%d %H:%M}"
    return None
