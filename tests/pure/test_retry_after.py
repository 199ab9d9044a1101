"""Issue 13 item 13: a 429's ``Retry-After`` is honoured, within bounds."""

import pytest

from services import MailchimpError
from services.client import MAX_RETRY_AFTER

RATE_LIMITED = {"title": "Too Many Requests", "detail": "You have exceeded the limit"}


def test_item13_retry_after_is_the_wait(client, fake, sleeps):
    fake.fail(
        "GET", "/ping", status=429, body=RATE_LIMITED, headers={"Retry-After": "7"}
    )
    assert client.ping()["health_status"]
    assert sleeps == [7], "waited what Mailchimp asked, not the backoff"


def test_item13_retry_after_without_body(client, fake, sleeps):
    fake.fail("GET", "/ping", status=429, body=None, headers={"Retry-After": "3"})
    client.ping()
    assert sleeps == [3]


def test_item13_a_wait_beyond_the_budget_stops_the_run(client, fake, sleeps):
    fake.fail(
        "GET",
        "/ping",
        status=429,
        body=RATE_LIMITED,
        headers={"Retry-After": str(MAX_RETRY_AFTER + 1)},
    )
    with pytest.raises(MailchimpError) as error:
        client.ping()
    assert error.value.kind == "rate_limit"
    assert sleeps == [], "not waited: the next cron call resumes"
    assert fake.count("GET", "/ping") == 1


def test_item13_no_header_falls_back_to_backoff(client, fake, sleeps):
    fake.fail("GET", "/ping", status=429, body=RATE_LIMITED)
    client.ping()
    assert len(sleeps) == 1 and 1 <= sleeps[0] <= 1.5
