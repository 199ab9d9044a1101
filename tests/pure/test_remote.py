"""Issue 13: what Mailchimp says is checked at the boundary (services/remote.py
and the client), without Odoo."""

import json

import pytest

from services import (
    MailchimpError,
    MalformedResponse,
    RemoteMember,
    parse_member_page,
    subscriber_hash,
)

EMAIL = "ann@example.com"


def item(**overrides):
    data = {
        "id": subscriber_hash(EMAIL),
        "email_address": EMAIL,
        "status": "subscribed",
        "merge_fields": {"FNAME": "Ann", "ADDRESS": {"addr1": "1 Main St"}},
        "last_changed": "2026-11-20T10:00:00+00:00",
        "web_id": 42,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "data",
    [None, [], "<html>", {}, {"members": None, "total_items": 0}, {"members": []}],
)
def test_item01_malformed_page_is_an_error(data):
    with pytest.raises(MalformedResponse) as error:
        parse_member_page(data)
    assert error.value.kind == "malformed"
    assert not error.value.retryable


@pytest.mark.parametrize(
    "bad, reason",
    [
        ({"id": "../../lists/other"}, "member id"),
        ({"id": None}, "no id"),
        ({"status": "vip"}, "unknown status"),
        ({"email_address": ["a@b.c"]}, "email"),
        ({"email_address": "not-an-email"}, "not an address"),
        ({"merge_fields": "FNAME=Ann"}, "merge_fields"),
    ],
)
def test_item11_malformed_member_is_skipped_with_reason(bad, reason):
    page = parse_member_page(
        {"members": [item(), item(**bad), "junk"], "total_items": 3}
    )
    assert [m.email for m in page.members] == [EMAIL]
    assert page.size == 3
    assert reason in page.rejected[0][2]
    assert page.rejected[1][2] == "the member is not an object"


def test_item04_member_ids_are_subscriber_hashes():
    member = RemoteMember.from_api(item())
    assert member.id == subscriber_hash(EMAIL)
    assert member.merge_fields["ADDRESS"]["addr1"] == "1 Main St"
    # a delivery's data[id] is its unique_email_id: never the member's id
    hooked = RemoteMember.from_webhook(
        {"email": EMAIL, "id": "../x"}, "subscribed", None, subscriber_hash(EMAIL)
    )
    assert hooked.id == subscriber_hash(EMAIL)


def test_item04_client_refuses_a_path_id_before_any_call(client, fake):
    list_id = fake.add_list("Newsletter")
    for bad in ("../../lists/other", "a/b", "..", "x?y=1", ""):
        with pytest.raises(MailchimpError) as error:
            client.archive_member(list_id, bad)
        assert error.value.kind == "config"
    with pytest.raises(MailchimpError):
        client.get_list("../../lists")
    assert fake.calls == []


@pytest.mark.parametrize(
    "change, content_type",
    [
        (lambda data: json.dumps(data)[:40], None),  # truncated JSON
        (lambda data: "<html><body>Bad gateway</body></html>", "text/html"),
        (lambda data: [data], None),  # a JSON list
    ],
)
def test_item11_a_200_that_is_not_an_object_is_an_error(
    client, fake, change, content_type
):
    list_id = fake.add_list("Newsletter")
    fake.mangle("GET", rf"/lists/{list_id}/members", change, content_type=content_type)
    with pytest.raises(MalformedResponse):
        client.get_member_page(list_id, 0)
    assert fake.count("GET", rf"/lists/{list_id}/members") == 1, "not retried"


def test_item05_batch_operations_round_trip(client, fake):
    """``PUT`` with ``status_if_new`` through ``POST /batches``: an existing
    member's status is never changed, the results come back from the archive."""
    from services import subscriber_hash, upsert

    list_id = fake.add_list("Newsletter")
    fake.add_member(list_id, EMAIL, status="unsubscribed", unsubscribed_by="admin")
    body = {"email_address": EMAIL, "status_if_new": "subscribed", "merge_fields": {}}
    ops = [
        upsert.update_operation(list_id, subscriber_hash(EMAIL), body, "1:put", True)
    ]
    results = upsert.results_if_done(client, upsert.start(client, ops))
    assert [(r.operation_id, r.status_code) for r in results] == [("1:put", 200)]
    assert results[0].response["status"] == "unsubscribed"
    assert fake.member(list_id, EMAIL)["status"] == "unsubscribed"
