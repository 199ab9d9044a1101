"""Issue 14 item 10: dates and birthdays follow the merge field's own format,
both ways; a birthday read back keeps the year Odoo has."""

import datetime

import pytest

from services import convert_value, parse_merge_date

BIRTH = datetime.date(1990, 12, 24)


@pytest.mark.parametrize(
    "mtype, date_format, sent",
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
def test_item10_dates_both_ways(mtype, date_format, sent):
    field = {"tag": "D", "type": mtype, "date_format": date_format}
    assert convert_value(field, BIRTH) == sent
    assert parse_merge_date(sent, mtype, date_format, known=BIRTH) == BIRTH


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
