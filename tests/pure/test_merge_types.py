"""One table of merge field types (services/payload.py): what Mailchimp's
merge fields are read as, how a value is sent and a required one defaulted all
come from it, so a type added there is known everywhere."""

import datetime

import pytest

from services import RemoteMergeField, convert_value, required_default
from services.payload import CHOICE_TYPES, MERGE_FIELD_TYPES

TODAY = datetime.date(2026, 3, 9)


@pytest.mark.parametrize("kind", sorted(MERGE_FIELD_TYPES))
def test_every_type_of_the_table_is_read_from_mailchimp(kind):
    field = RemoteMergeField.from_api({"tag": "X", "name": "X", "type": kind})
    assert field.type == kind


def test_a_type_outside_the_table_is_read_as_text():
    field = RemoteMergeField.from_api({"tag": "X", "type": "hologram"})
    assert field.type == "text"
    assert convert_value({"type": "hologram"}, " a ") == "a"
    assert required_default({"type": "hologram"}, TODAY) == "-"


def test_choice_types_come_from_the_table():
    assert CHOICE_TYPES == {"radio", "dropdown"}
    assert required_default({"type": "radio", "choices": ["A", "B"]}, TODAY) == "A"
