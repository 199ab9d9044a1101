"""Numbers Mailchimp sends as text (a header, a count, an id in an operation
id) are read as ASCII digits only: ``str.isdigit`` accepts "²", which ``int``
refuses, so such a value is ignored instead of failing the call or the run."""

import io
import time

import requests_mock

from services import RemoteMember
from services.checks import digits
from services.interests import RemoteInterest
from services.webhooks import check_signature

SUPERSCRIPT_TWO = "²"
RESULTS = "https://mailchimp-api-batch.s3.amazonaws.com/a3bb03520b-response.tar.gz"
RATE_LIMITED = {"title": "Too Many Requests", "detail": "You have exceeded the limit"}


def test_only_ascii_digits_are_a_number():
    assert digits("42") == 42
    assert [digits(v) for v in (SUPERSCRIPT_TWO, "٣", "-1", "", None, 7)] == [None] * 6


def test_a_retry_after_that_is_not_a_number_falls_back_to_the_backoff(
    client, fake, sleeps
):
    fake.fail(
        "GET",
        "/ping",
        status=429,
        body=RATE_LIMITED,
        headers={"Retry-After": SUPERSCRIPT_TWO},
    )
    assert client.ping()["health_status"]
    assert len(sleeps) == 1 and 1 <= sleeps[0] <= 1.5


def test_a_group_count_that_is_not_a_number_is_zero():
    interest = RemoteInterest.from_api(
        {"id": "abc123", "name": "Tea", "subscriber_count": SUPERSCRIPT_TWO}, "c1"
    )
    assert interest.subscriber_count == 0


def test_a_delivery_web_id_that_is_not_a_number_is_zero():
    email = "ann@example.com"
    member = RemoteMember.from_webhook(
        {"email": email, "web_id": SUPERSCRIPT_TWO}, "subscribed", None, "0" * 32
    )
    assert member.web_id == 0


def test_a_signature_whose_time_is_not_a_number_is_refused():
    header = f"t={SUPERSCRIPT_TWO},v1=00ff"
    assert check_signature("key", header, b"type=profile") is False
    assert check_signature("key", f"t={int(time.time())}", b"") is False


def test_a_results_length_that_is_not_a_number_is_read_within_the_cap(client):
    with requests_mock.Mocker() as network:
        network.get(
            RESULTS,
            body=io.BytesIO(b"archive"),
            headers={"Content-Length": SUPERSCRIPT_TWO},
        )
        assert client.download(RESULTS) == b"archive"
