"""Dates and birthdays are written in the format Mailchimp documents for
writes (YYYY-MM-DD, MM/DD), whatever the field's display format, and read
back in the field's display format (or ISO); a birthday read back keeps the
year Odoo has."""

import datetime

import pytest

from services import convert_value, parse_merge_date

BIRTH = datetime.date(1990, 12, 24)


@pytest.mark.parametrize(
    "mtype, date_format, shown",
    [
        ("birthday", "MM/DD", "12/24"),
        ("birthday", "DD/MM", "24/12"),
        ("birthday", None, "12/24"),
        ("date", "YYYY-MM-DD", "1990-12-24"),
        ("date", "MM/DD/YYYY", "12/24/1990"),
        ("date", "DD/MM/YYYY", "24/12/1990"),
        ("date", None, "1990-12-24"),
    ],
)
def test_dates_written_as_documented_read_as_shown(mtype, date_format, shown):
    field = {"tag": "D", "type": mtype, "date_format": date_format}
    written = "12/24" if mtype == "birthday" else "1990-12-24"
    assert convert_value(field, BIRTH) == written
    assert parse_merge_date(shown, mtype, date_format, known=BIRTH) == BIRTH


def test_item10_birthday_read_back_keeps_the_known_year():
    assert parse_merge_date("25/12", "birthday", "DD/MM", known=BIRTH) == (
        datetime.date(1990, 12, 25)
    )
    no_year = parse_merge_date("02/29", "birthday", "MM/DD", known=None)
    assert (no_year.month, no_year.day) == (2, 29)
    assert parse_merge_date("02/29", "birthday", "MM/DD", known=BIRTH) == (
        datetime.date(2000, 2, 29)
    )


def test_item10_a_date_in_another_format_is_not_read():
    assert parse_merge_date("31/12/1990", "date", "MM/DD/YYYY") is None
    assert parse_merge_date("", "date", "MM/DD/YYYY") is None
