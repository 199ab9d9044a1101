"""Issue 8: an unreachable Mailchimp is reported within seconds, with a clear
message; a slow answer to a batch call is still waited for."""

import pytest
import requests
import requests_mock

from conftest import API_KEY
from services import MailchimpClient, MailchimpError
from services import client as client_module

# What a user who clicked a button may wait for an unreachable Mailchimp.
SHORT_BOUND = 10  # seconds


@pytest.fixture
def network():
    with requests_mock.Mocker() as mocker:
        yield mocker


def test_connect_and_read_timeouts_are_named_constants():
    assert client_module.CONNECT_TIMEOUT <= 5, "a few seconds to connect"
    assert client_module.READ_TIMEOUT >= 60, "batch calls may take long to answer"
    assert client_module.DEFAULT_TIMEOUT == (
        client_module.CONNECT_TIMEOUT,
        client_module.READ_TIMEOUT,
    )


def test_unreachable_mailchimp_is_reported_quickly(network, sleeps):
    network.get(requests_mock.ANY, exc=requests.exceptions.ConnectTimeout)
    client = MailchimpClient(api_key=API_KEY, sleep=sleeps.append)
    with pytest.raises(MailchimpError) as error:
        client.ping()
    message = str(error.value)
    assert message.startswith("Mailchimp could not be reached")
    assert "us6.api.mailchimp.com" in message
    assert API_KEY.split("-")[0] not in message
    assert error.value.kind == "network"
    timeouts = [request.timeout for request in network.request_history]
    assert timeouts == [client_module.DEFAULT_TIMEOUT] * len(timeouts)
    # the SDK is configured with the same (connect, read) pair
    assert client.sdk.api_client.timeout == client_module.DEFAULT_TIMEOUT
    worst_wait = len(timeouts) * client_module.CONNECT_TIMEOUT + sum(sleeps)
    assert worst_wait <= SHORT_BOUND, "retries do not multiply the wait"
    assert len(timeouts) == 1 + client_module.CONNECT_RETRIES


def test_refused_connection_is_unreachable_too(network, sleeps):
    network.get(requests_mock.ANY, exc=requests.exceptions.ConnectionError)
    client = MailchimpClient(api_key=API_KEY, sleep=sleeps.append)
    with pytest.raises(MailchimpError) as error:
        client.get_account()
    assert "could not be reached" in str(error.value)
    assert sum(sleeps) <= client_module.CONNECT_RETRY_DELAY * 1.5


def test_slow_answer_is_a_timeout_retried_with_backoff(network, sleeps):
    network.get(requests_mock.ANY, exc=requests.exceptions.ReadTimeout)
    client = MailchimpClient(api_key=API_KEY, sleep=sleeps.append)
    with pytest.raises(MailchimpError) as error:
        client.ping()
    assert error.value.kind == "timeout"
    assert "did not answer in time" in str(error.value)
    assert len(network.request_history) == 1 + client.max_retries
    assert network.request_history[0].timeout[1] == client_module.READ_TIMEOUT
