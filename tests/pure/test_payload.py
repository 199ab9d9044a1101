import datetime

import pytest

from services import (
    REQUIRED_DEFAULT,
    REQUIRED_MISSING,
    REQUIRED_SKIP,
    Skip,
    build_merge_fields,
    convert_value,
    format_phone,
    member_status,
    required_default,
    split_name,
)

TODAY = datetime.date(2026, 3, 9)


def field(type_, **kw):
    return dict({"tag": "F", "type": type_}, **kw)


def test_text_is_truncated_to_255_bytes():
    value = convert_value(field("text"), "é" * 200)
    assert len(value.encode()) <= 255
    assert value == "é" * 127


@pytest.mark.parametrize("raw, out", [("12", 12), ("1,5", 1.5), (3.25, 3.25), (7, 7)])
def test_numbers(raw, out):
    assert convert_value(field("number"), raw) == out


def test_number_refused():
    with pytest.raises(Skip, match="not a number"):
        convert_value(field("number"), "twelve")


def test_date_and_birthday():
    assert convert_value(field("date"), datetime.date(2026, 3, 9)) == "2026-03-09"
    assert (
        convert_value(field("date"), datetime.datetime(2026, 3, 9, 12, 0))
        == "2026-03-09"
    )
    assert convert_value(field("birthday"), datetime.date(1990, 12, 24)) == "12/24"


def test_complete_address():
    address = {
        "addr1": "1 Main St",
        "addr2": "",
        "city": "Albany",
        "state": "NY",
        "zip": "12207",
        "country": "US",
    }
    assert convert_value(field("address"), address) == {
        "addr1": "1 Main St",
        "city": "Albany",
        "state": "NY",
        "zip": "12207",
        "country": "US",
    }


def test_incomplete_address_names_missing_parts():
    with pytest.raises(Skip) as reason:
        convert_value(field("address"), {"addr1": "1 Main St", "city": "Albany"})
    assert str(reason.value) == "incomplete address (missing state, zip)"


@pytest.mark.parametrize(
    "number, fmt, region, out",
    [
        ("+1 212 555 0100", "none", None, "+12125550100"),
        ("(212) 555-0100", "US", "US", "212-555-0100"),
        ("+33 1 42 68 53 00", None, None, "+33142685300"),
        ("01 42 68 53 00", None, "FR", "+33142685300"),
    ],
)
def test_phone_formats(number, fmt, region, out):
    assert format_phone(number, fmt, region) == out


@pytest.mark.parametrize(
    "number, fmt, message",
    [
        ("+33 1 42 68 53 00", "US", "not a US number"),
        ("12", None, "cannot be parsed"),
        ("+1 555", None, "not a valid number"),
    ],
)
def test_phone_refused(number, fmt, message):
    with pytest.raises(Skip, match=message):
        format_phone(number, fmt)


def test_url():
    assert (
        convert_value(field("url"), "https://example.com/a") == "https://example.com/a"
    )
    with pytest.raises(Skip, match="not a web address"):
        convert_value(field("url"), "example dot com")


def test_choices_are_matched_to_the_canonical_value():
    dropdown = field("dropdown", choices=["Gold", "Silver"])
    assert convert_value(dropdown, "gold") == "Gold"
    with pytest.raises(Skip, match="not one of the choices"):
        convert_value(dropdown, "Bronze")


@pytest.mark.parametrize(
    "type_, kw, out",
    [
        ("text", {}, "-"),
        ("number", {}, 0),
        ("date", {}, "2026-03-09"),
        ("birthday", {}, "03/09"),
        ("radio", {"choices": ["Yes", "No"]}, "Yes"),
        ("address", {}, None),
    ],
)
def test_required_defaults(type_, kw, out):
    assert required_default(field(type_, **kw), TODAY) == out


def test_build_merge_fields_reports_what_is_left_out():
    fields = [
        {"tag": "FNAME", "type": "text"},
        {"tag": "ADDRESS", "type": "address"},
        {"tag": "SOURCE", "type": "text", "required": True},
        {"tag": "TIER", "type": "dropdown", "required": True, "choices": ["A", "B"]},
        {"tag": "UNSENT", "type": "text"},
    ]
    values = {"FNAME": "Ann", "ADDRESS": {"addr1": "x"}, "SOURCE": "", "TIER": "Z"}
    merge, skipped = build_merge_fields(
        fields, values, today=TODAY, required=REQUIRED_DEFAULT
    )
    assert merge == {"FNAME": "Ann", "SOURCE": "-", "TIER": "A"}
    assert ("ADDRESS", "incomplete address (missing city, state, zip)") in skipped
    assert any(tag == "TIER" for tag, _reason in skipped)


def test_item09_required_fields_without_a_value_invent_nothing_by_default():
    fields = [
        {"tag": "FNAME", "type": "text"},
        {"tag": "TIER", "type": "dropdown", "required": True, "choices": ["Gold"]},
        {"tag": "BDAY", "type": "birthday", "required": True},
    ]
    values = {"FNAME": "Ann", "TIER": None, "BDAY": None}
    merge, skipped = build_merge_fields(fields, values, today=TODAY)
    assert merge == {"FNAME": "Ann"}, "no 'Gold', no today's date"
    assert skipped == []
    merge, _skipped = build_merge_fields(
        fields, values, today=TODAY, required=REQUIRED_DEFAULT
    )
    assert merge == {"FNAME": "Ann", "TIER": "Gold", "BDAY": "03/09"}
    _merge, skipped = build_merge_fields(
        fields, values, today=TODAY, required=REQUIRED_SKIP
    )
    assert skipped == [("TIER", REQUIRED_MISSING), ("BDAY", REQUIRED_MISSING)]


@pytest.mark.parametrize(
    "known, double_optin, out",
    [
        (None, False, "subscribed"),
        (None, True, "pending"),
        ("unsubscribed", False, "unsubscribed"),
        ("cleaned", True, "cleaned"),
        ("subscribed", True, "subscribed"),
    ],
)
def test_member_status_never_resubscribes(known, double_optin, out):
    assert member_status(known, double_optin) == out


@pytest.mark.parametrize(
    "name, out",
    [("Ann Lee Smith", ("Ann Lee", "Smith")), ("Cher", ("Cher", "")), ("", ("", ""))],
)
def test_split_name(name, out):
    assert split_name(name) == out
