"""The download of a batch's results (issue 27 items 2 and 3, issue 28 item
11): Mailchimp's batch results host only, over HTTPS, no redirect followed, a
bounded read, and a failure that names the host that failed."""

import gzip
import io
import tarfile

import pytest
import requests
import requests_mock

from conftest import API_KEY
from services import MailchimpClient, results_download
from services.batches import BatchStatus
from services.errors import MailchimpError, ResultsRefused

RESULTS = "https://mailchimp-api-batch.s3.amazonaws.com/a3bb03520b-response.tar.gz"
# as recorded from Mailchimp (see RESULTS_HOSTS): a signed S3 query
SIGNED = f"{RESULTS}?AWSAccessKeyId=AKIAEXAMPLE&Expires=1492773508&Signature=x%3D"
INSIDE = "http://127.0.0.1:8069/web/database/list"


@pytest.fixture
def network():
    with requests_mock.Mocker() as mocker:
        yield mocker


@pytest.fixture
def client(sleeps):
    return MailchimpClient(api_key=API_KEY, sleep=sleeps.append)


def empty_archive():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w"):
        pass
    return gzip.compress(raw.getvalue())


def finished(url):
    return {"id": "a3bb03520b", "status": "finished", "response_body_url": url}


def test_the_recorded_results_address_is_downloaded(client, network):
    network.get(RESULTS, content=empty_archive())
    assert client.download(SIGNED) == empty_archive()
    assert BatchStatus.from_api(finished(SIGNED)).response_body_url == SIGNED
    assert "Authorization" not in network.request_history[0].headers


def test_a_redirect_is_not_followed(client, network):
    """An allowed address answering 302 to an inside address: refused with a
    clear message, the inside address never requested."""
    network.get(RESULTS, status_code=302, headers={"Location": INSIDE})
    inside = network.get(INSIDE, content=empty_archive())
    with pytest.raises(ResultsRefused) as refused:
        client.download(RESULTS)
    assert not inside.called
    message = str(refused.value)
    assert "302" in message and "127.0.0.1" in message and "not followed" in message


@pytest.mark.parametrize("status", [301, 303, 307, 308])
def test_every_redirect_status_is_a_refusal(client, network, status):
    network.get(RESULTS, status_code=status, headers={"Location": INSIDE})
    with pytest.raises(ResultsRefused, match=str(status)):
        client.download(RESULTS)


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker-bucket.s3.amazonaws.com/x-response.tar.gz",
        "https://us6.api.mailchimp.com/3.0/batches/x",
        "https://evil.mailchimp.com/x-response.tar.gz",
        "http://mailchimp-api-batch.s3.amazonaws.com/x-response.tar.gz",
        "https://mailchimp-api-batch.s3.amazonaws.com.evil.example/x.tar.gz",
        "https://mailchimp-api-batch.s3.amazonaws.com@127.0.0.1/x.tar.gz",
        "https://user@mailchimp-api-batch.s3.amazonaws.com/x.tar.gz",
        "https://mailchimp-api-batch.s3.amazonaws.com:8443/x.tar.gz",
        "https://mailchimp-api-batch.s3.amazonaws.com:99999/x.tar.gz",
        "ftp://mailchimp-api-batch.s3.amazonaws.com/x.tar.gz",
        "",
        None,
    ],
)
def test_only_mailchimps_batch_results_host_over_https_is_fetched(client, network, url):
    assert not results_download.is_result_url(url)
    with pytest.raises(ResultsRefused):
        client.download(url)
    assert not network.called, "nothing is requested"
    if url:
        with pytest.raises(ResultsRefused, match="batch results host"):
            BatchStatus.from_api(finished(url))


def test_the_results_host_is_one_named_constant():
    assert results_download.RESULTS_HOSTS == {"mailchimp-api-batch.s3.amazonaws.com"}
    assert results_download.is_result_url(SIGNED)
    assert results_download.is_result_url(RESULTS.replace(".com/", ".com:443/"))


def test_a_download_over_the_cap_is_refused(client, network, monkeypatch):
    monkeypatch.setattr(results_download, "MAX_DOWNLOAD_BYTES", 1000)
    network.get(RESULTS, content=b"x" * 5000, headers={"Content-Length": "5000"})
    with pytest.raises(ResultsRefused, match="5000 bytes"):
        client.download(RESULTS)
    network.get(RESULTS, body=io.BytesIO(b"x" * 5000))  # no length announced
    with pytest.raises(ResultsRefused, match="over 1000 bytes"):
        client.download(RESULTS)


def test_a_failed_download_names_the_results_host(client, network):
    network.get(RESULTS, exc=requests.exceptions.ConnectionError)
    with pytest.raises(MailchimpError) as error:
        client.download(RESULTS)
    message = str(error.value)
    assert "mailchimp-api-batch.s3.amazonaws.com" in message
    assert "us6.api.mailchimp.com" not in message
    assert error.value.kind == "network"


def test_an_expired_results_address_keeps_its_status(client, network):
    network.get(RESULTS, status_code=404)
    with pytest.raises(MailchimpError) as error:
        client.download(RESULTS)
    assert error.value.status == 404
