"""The one update body (services/upsert.py): a ``PUT`` of a known member
never states a status, whatever its caller hands it (api-notes §6)."""

from services import upsert

PAYLOAD = {
    "email_address": "ann@example.com",
    "merge_fields": {"FNAME": "Ann"},
    "interests": {"abc": True},
    "status": "subscribed",
    "tags": ["VIP"],
}


def test_an_update_body_carries_status_if_new_and_never_a_status():
    body = upsert.update_body(PAYLOAD, "pending")
    assert body == {
        "email_address": "ann@example.com",
        "merge_fields": {"FNAME": "Ann"},
        "interests": {"abc": True},
        "status_if_new": "pending",
    }


def test_only_a_restore_states_a_status():
    body = upsert.restore_body(upsert.update_body(PAYLOAD, "subscribed"), "pending")
    assert (body["status"], body["status_if_new"]) == ("pending", "subscribed")
