import hashlib
import logging

import pytest

from conftest import API_KEY
from services import (
    MailchimpClient,
    MailchimpError,
    data_center_from_key,
    subscriber_hash,
)
from services import (
    client as client_module,
)
from services.errors import error_from_response


@pytest.mark.parametrize(
    "key, dc",
    [
        (API_KEY, "us6"),
        ("abc-US19", "us19"),
        ("0123456789abcdef0123456789abcdef", None),
        ("0123456789abcdef-", None),
        ("", None),
        (None, None),
    ],
)
def test_data_center_from_key(key, dc):
    assert data_center_from_key(key) == dc


def test_key_without_data_center_is_refused_before_any_call(fake):
    with pytest.raises(MailchimpError) as error:
        MailchimpClient(api_key="0123456789abcdef0123456789abcdef")
    assert error.value.kind == "config"
    assert "data center" in str(error.value)
    assert "0123456789abcdef" not in str(error.value)
    assert fake.calls == []


def test_subscriber_hash_is_md5_of_lowercased_email():
    assert subscriber_hash(" Ann@Example.COM ") == subscriber_hash("ann@example.com")
    assert (
        subscriber_hash("ann@example.com")
        == hashlib.md5(b"ann@example.com").hexdigest()
    )


def test_ping_and_account(client, fake):
    assert client.ping()["health_status"] == "Everything's Chimpy!"
    account = client.get_account()
    assert account["account_name"] == "Fake Co"
    assert fake.count("GET", "/ping") == 1


def test_wrong_key_is_not_retried(fake, sleeps):
    client = MailchimpClient(api_key="f" * 32 + "-us6", sleep=sleeps.append)
    with pytest.raises(MailchimpError) as error:
        client.ping()
    assert error.value.kind == "auth"
    assert "401" in str(error.value)
    assert fake.count() == 1
    assert sleeps == []


def test_429_without_body_then_ok_is_retried(client, fake, sleeps):
    fake.fail("GET", "/ping", status=429, body=None)
    assert client.ping()
    assert fake.count("GET", "/ping") == 2
    assert len(sleeps) == 1 and sleeps[0] > 0


def test_backoff_grows_and_is_bounded(client, fake, sleeps):
    fake.fail("GET", "/ping", status=500, times=10)
    with pytest.raises(MailchimpError) as error:
        client.ping()
    assert "server error" in str(error.value)
    assert error.value.status == 500
    assert fake.count("GET", "/ping") == 1 + client.max_retries
    assert len(sleeps) == client.max_retries
    assert sleeps[0] < sleeps[-1] <= client_module.MAX_BACKOFF * 1.5


def test_connect_timeout_is_unreachable(client, fake, sleeps):
    fake.timeout("GET", "/ping", times=10)
    with pytest.raises(MailchimpError) as error:
        client.ping()
    assert error.value.kind == "network"
    assert "could not be reached" in str(error.value)
    assert fake.count("GET", "/ping") == 1 + client_module.CONNECT_RETRIES


def test_unreachable_data_center(fake, sleeps):
    client = MailchimpClient(
        api_key="0123456789abcdef0123456789abcdef-us99", sleep=sleeps.append
    )
    with pytest.raises(MailchimpError) as error:
        client.ping()
    assert error.value.kind == "network"
    assert "us99.api.mailchimp.com" in str(error.value)


def test_problem_json_field_errors(client, fake):
    with pytest.raises(MailchimpError) as error:
        client.create_list({"name": "X"})
    assert error.value.status == 400
    assert error.value.title == "Invalid Resource"
    assert "contact.company" in str(error.value)


def test_a_problem_whose_errors_are_not_a_list_keeps_its_title():
    # the spec's ``errors`` is an array; a body that says otherwise is not
    # Mailchimp's to trust, and must not fail the error's own reading
    for errors in (5, True, {"field": "EMAIL"}):
        error = error_from_response(400, {"title": "Invalid", "errors": errors})
        assert str(error) == "Mailchimp: Invalid"


def test_not_found(client, fake):
    with pytest.raises(MailchimpError) as error:
        client.get_list("nope")
    assert error.value.status == 404
    assert "Resource Not Found" in str(error.value)


def test_pagination_reads_pages_of_1000(client, fake):
    list_id = fake.add_list()
    for i in range(2500):
        fake.add_member(list_id, f"m{i}@example.com")
    pages = list(client.iter_member_pages(list_id))
    assert [len(p) for p in pages] == [1000, 1000, 500]
    assert fake.count("GET", rf"/lists/{list_id}/members") == 3
    assert fake.calls[0].query["count"] == "1000"


def test_merge_fields_are_read_with_count_1000(client, fake):
    list_id = fake.add_list()
    for i in range(12):
        fake.add_merge_field(list_id, f"F{i}", "text")
    fields = list(client.iter_merge_fields(list_id))
    assert len(fields) == 16, "never only Mailchimp's default of 10"
    assert fake.calls[-1].query["count"] == "1000"


def test_batch_of_501_is_refused_before_any_call(client, fake):
    list_id = fake.add_list()
    members = [
        {"email_address": f"m{i}@example.com", "status": "subscribed"}
        for i in range(501)
    ]
    with pytest.raises(ValueError):
        client.batch_upsert(list_id, members)
    assert fake.count("POST") == 0


def test_batch_upsert_reports_member_errors(client, fake):
    list_id = fake.add_list()
    result = client.batch_upsert(
        list_id,
        [
            {"email_address": "ok@example.com", "status": "subscribed"},
            {"email_address": "bad@nowhere", "status": "subscribed"},
        ],
    )
    assert result["total_created"] == 1
    assert result["errors"][0]["email_address"] == "bad@nowhere"
    assert "looks fake or invalid" in result["errors"][0]["error"]


def test_archive_returns_empty_204(client, fake):
    list_id = fake.add_list()
    fake.add_member(list_id, "ann@example.com")
    assert client.archive_member(list_id, subscriber_hash("ann@example.com")) == {}
    assert fake.member(list_id, "ann@example.com")["status"] == "archived"


@pytest.mark.parametrize(
    "setup",
    [
        lambda fake: None,  # wrong key
        lambda fake: fake.fail("GET", "/ping", status=500, times=10),
        lambda fake: fake.timeout("GET", "/ping", times=10),
    ],
)
def test_key_never_in_messages_or_logs(fake, caplog, setup):
    caplog.set_level(logging.DEBUG)
    secret = "abcdef0123456789abcdef0123456789"
    fake.api_key = "something-else-us6"
    setup(fake)
    client = MailchimpClient(api_key=f"{secret}-us6", sleep=lambda s: None)
    with pytest.raises(MailchimpError) as error:
        client.ping()
    assert secret not in str(error.value)
    assert secret not in repr(error.value.detail)
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_sleep_is_module_level_and_replaceable(monkeypatch, fake):
    calls = []
    monkeypatch.setattr(client_module, "_sleep", calls.append)
    fake.fail("GET", "/ping", status=503)
    MailchimpClient(api_key=API_KEY).ping()
    assert len(calls) == 1


def test_fields_reach_mailchimp_as_one_comma_list(client, fake):
    # the SDK joins a list; a string used to be sent one character at a time
    list_id = fake.add_list("Fields")
    fake.add_member(list_id, "ann@example.com", merge_fields={"FNAME": "Ann"})
    page = client.get_member_page(
        list_id, 0, fields="members.email_address,members.status,total_items"
    )
    assert fake.calls[-1].query["fields"] == (
        "members.email_address,members.status,total_items"
    )
    assert page["members"] == [
        {"email_address": "ann@example.com", "status": "subscribed"}
    ]
    assert page["total_items"] == 1
    pages = list(client.iter_member_pages(list_id, fields=["members.id"]))
    assert pages == [[{"id": hashlib.md5(b"ann@example.com").hexdigest()}]]
