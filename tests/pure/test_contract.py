"""Issue 26 item 2: the fake obeys Mailchimp's published spec, both ways.

Every request the fake sees is checked against its operation in
``tests/data/mailchimp_contract.json`` and every answer it serves against the
operation's answer; a key the contract does not define fails the test that
caused it (at ``stop()``)."""

import json

import pytest
from contract import UNDEFINED, Contract, contract
from contract_exceptions import DOCUMENTED_GAPS, PENDING_FIXES

from conftest import API_KEY
from fake_mailchimp import FakeMailchimp
from services import MailchimpClient

NEW = {"email_address": "ann@example.com", "status": "subscribed"}


def found(fake):
    return {(v.direction, v.operation, v.where, v.message) for v in fake.violations}


def test_an_undefined_key_in_a_request_fails_the_test(client, fake):
    list_id = fake.add_list()
    client.batch_upsert(list_id, [dict(NEW, favourite_colour="blue")])
    assert found(fake) == {
        ("request", "POST /lists/{listId}", "members/*/favourite_colour", UNDEFINED)
    }
    with pytest.raises(AssertionError) as failure:
        fake.assert_contract()
    assert "members/*/favourite_colour" in str(failure.value)
    assert fake.violations == []  # reported once


def test_an_undefined_key_in_an_answer_fails_the_test(client, fake):
    list_id = fake.add_list()
    fake.lists[list_id]["favourite_colour"] = "blue"  # the fake serves it
    client.get_list(list_id)
    assert found(fake) == {
        ("answer", "GET /lists/{listId}", "favourite_colour", UNDEFINED)
    }
    with pytest.raises(AssertionError) as failure:
        fake.assert_contract()
    assert "answer GET /lists/{listId}: favourite_colour" in str(failure.value)


def test_stopping_the_fake_raises_what_it_saw():
    fake = FakeMailchimp(api_key=API_KEY).start()
    list_id = fake.add_list()
    fake.lists[list_id]["favourite_colour"] = "blue"
    MailchimpClient(api_key=API_KEY).get_list(list_id)
    with pytest.raises(AssertionError, match="favourite_colour"):
        fake.stop()


def test_a_wrong_type_or_value_fails(client, fake):
    list_id = fake.add_list()
    client.batch_upsert(list_id, [dict(NEW, status="archived", vip="yes")])
    where = {(v.where, v.message) for v in fake.violations}
    assert (
        "members/*/status",
        "'archived' is not one of "
        "['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional']",
    ) in where
    assert ("members/*/vip", "'yes' is not of type 'boolean'") in where
    fake.violations.clear()


def test_query_parameters_are_checked(client, fake):
    list_id = fake.add_list()
    client.call(client.sdk.lists.get_list_members_info, list_id, status="gone")
    client.call(client.sdk.lists.get_list_members_info, list_id, sort_dir="UP")
    assert {(v.where, v.message) for v in fake.violations} == {
        (
            "?status",
            "'gone' is not one of ['subscribed', 'unsubscribed', "
            "'cleaned', 'pending', 'transactional', 'archived']",
        ),
        ("?sort_dir", "'UP' is not one of ['ASC', 'DESC']"),
    }
    fake.violations.clear()


def test_an_operation_outside_the_contract_fails(client, fake):
    list_id = fake.add_list()
    client.call(client.sdk.lists.get_list_webhooks, list_id)
    (violation,) = fake.violations
    assert violation.operation == f"GET /lists/{list_id}/webhooks"
    assert "not an operation of the contract" in violation.message
    fake.violations.clear()


def test_operations_bundled_in_a_batch_are_requests_too(client, fake):
    list_id = fake.add_list()
    member_id = fake.add_member(list_id, "ann@example.com")["id"]
    body = dict(NEW, status_if_new="subscribed", tags=["VIP"])  # PUT takes no tags
    operation = {
        "method": "PUT",
        "path": f"/lists/{list_id}/members/{member_id}",
        "operation_id": "1",
        "body": json.dumps(body),
        "params": {"skip_merge_validation": "true", "colour": "blue"},
    }
    client.start_batch([operation])
    assert {(v.operation, v.where, v.message) for v in fake.violations} == {
        (
            "PUT /lists/{listId}/members/{subscriberHash}",
            where,
            f"{UNDEFINED} (an operation of POST /batches)",
        )
        for where in ("tags", "?colour")
    }
    fake.violations.clear()


def test_answers_broken_on_purpose_are_not_checked(client, fake):
    list_id = fake.add_list()
    fake.mangle("GET", rf"/lists/{list_id}", lambda data: dict(data, junk=1))
    client.get_list(list_id)
    assert fake.violations == []


def test_mailchimps_refusal_of_an_invalid_request_is_what_the_test_sees(client, fake):
    """Mailchimp answers missing or wrong values with 400 Invalid Resource
    (api-notes section 3): the fake did the same, nothing is left to report
    but an undefined key."""
    with pytest.raises(Exception, match="Invalid Resource"):
        client.create_list({"name": "X"})
    assert fake.violations == []
    with pytest.raises(Exception, match="Invalid Resource"):
        client.create_list({"name": "X", "colour": "blue"})
    assert found(fake) == {("request", "POST /lists", "colour", UNDEFINED)}
    fake.violations.clear()


def test_documented_gaps_are_accepted(client, fake):
    list_id = fake.add_list()
    fake.add_merge_field(list_id, "AGE", "number")
    member = dict(NEW, tags=["VIP"], merge_fields={"FNAME": "Ann", "AGE": 7})
    client.batch_upsert(list_id, [member])
    assert fake.violations == []
    sources = [gap["source"] for gap in DOCUMENTED_GAPS]
    assert all("api-notes section" in source for source in sources)


def test_consents_in_batch_subscribe_break_the_contract(client, fake):
    """Batch subscribe's member schema (AddListMembers) has no
    marketing_permissions: the addon sends them by PUT once the member
    exists, and the contract catches them here."""
    list_id = fake.add_list()
    consent = [{"marketing_permission_id": "p1", "enabled": True}]
    client.batch_upsert(list_id, [dict(NEW, marketing_permissions=consent)])
    (violation,) = fake.violations
    assert violation.where == "members/*/marketing_permissions"
    fake.violations.clear()
    assert PENDING_FIXES == (), "every pending fix has landed"


def test_webhook_deliveries_are_checked_against_the_documented_forms():
    check = contract().check_delivery
    stamp = "fired_at=2026-01-02+03%3A04%3A05"
    base = f"type=cleaned&{stamp}&data%5Blist_id%5D=l1&data%5Bemail%5D=a%40b.co"
    assert check(base.encode()) == []
    (violation,) = check(f"{base}&data%5Bid%5D=8a25ff1d98".encode())
    assert (violation.where, violation.message) == ("data[id]", UNDEFINED)
    (violation,) = check(f"type=teleport&{stamp}".encode())
    assert violation.message == "not a documented type"


def test_the_contract_holds_the_addons_operations_and_needs_no_spec_file():
    loaded = Contract()
    assert loaded.data["source"]["version"] == "3.0.85"
    assert loaded.find("PUT", "/lists/abc/members/0123")[0] == (
        "PUT /lists/{listId}/members/{subscriberHash}"
    )
    assert loaded.find("GET", "/lists/abc/members/0123/notes") == (None, None)


# ---------------------------------------------------------------- the fake, fixed
def test_batch_subscribe_lists_its_members_as_the_spec_does(client, fake):
    """ListMembers5: no source, no marketing_permissions (web_id: pending)."""
    list_id = fake.add_list()
    answer = client.batch_upsert(list_id, [NEW])
    assert fake.violations == []
    assert not {"source", "marketing_permissions"} & set(answer["new_members"][0])


def test_segment_batch_lists_its_members_as_the_spec_does(client, fake):
    list_id = fake.add_list()
    fake.add_member(list_id, "ann@example.com")
    segment = client.create_static_segment(list_id, "VIP")
    answer = client.batch_segment(list_id, segment["id"], add=["ann@example.com"])
    assert fake.violations == []
    assert "web_id" not in answer["members_added"][0]


def test_a_refused_batch_operation_answers_a_whole_problem_document(client, fake):
    list_id = fake.add_list()
    body = {"email_address": "not-an-email", "status_if_new": "subscribed"}
    operation = {
        "method": "PUT",
        "path": f"/lists/{list_id}/members/0123456789abcdef0123456789abcdef",
        "operation_id": "1",
        "body": json.dumps(body),
    }
    batch_id = client.start_batch([operation])["id"]
    (result,) = fake.batches[batch_id]["results"]
    problem = json.loads(result["response"])
    assert result["status_code"] == problem["status"] == 400
    assert set(problem) >= {"type", "title", "status", "detail", "instance"}
    assert fake.violations == []


def test_a_cleaned_delivery_names_the_address_only(fake):
    list_id = fake.add_list()
    fake.add_member(list_id, "ann@example.com", merge_fields={"FNAME": "Ann"})
    hook = {"url": "https://odoo.example.com/hook", "events": {"cleaned": True}}
    fake.webhooks[list_id]["h1"] = dict(hook, id="h1", sources={"admin": True})
    fake.set_status(list_id, "ann@example.com", "cleaned")
    (_url, form, _signed) = fake.deliveries[0]
    assert sorted(form) == [
        "data[email]",
        "data[list_id]",
        "data[reason]",
        "fired_at",
        "type",
    ]
    fake.assert_contract()
