"""The download of a batch's results (``response_body_url``).

Only Mailchimp's batch results host is fetched, over HTTPS, without
credentials; a redirect is never followed (an allowed address answering 302
to another host is refused); the body is read with a bounded read."""

from urllib.parse import urlparse

import requests

from .checks import digits
from .errors import error_from_response, refused

# The host Mailchimp serves batch results from, and nothing else. Mailchimp's
# documentation names none (its OpenAPI, Batch.response_body_url: "The URL of
# the gzipped archive of the results of all the operations"; its guide "How to
# Use Batch Operations": "response_body_url": "..."). Recorded answers of
# GET /batches/{id} show this host, with a signed S3 query, e.g.
# https://mailchimp-api-batch.s3.amazonaws.com/a3bb03520b-response.tar.gz?AWSAccessKeyId=…
# (pocin/kbc-mailchimp-writer, tests/test_utils.py, 2017; singer-io/tap-mailchimp,
# tap_mailchimp/sync.py at 9d1be0a, 2019). Any other host is refused: see the
# README, Security.
RESULTS_HOSTS = frozenset({"mailchimp-api-batch.s3.amazonaws.com"})
RESULTS_SCHEME = "https"
HTTPS_PORT = 443
# compressed; the results of a batch of this addon are well under 5 MB
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


def host_of(url):
    """The host named by ``url`` (for messages), or ``"?"``."""
    try:
        return (urlparse(url).hostname or "?")[:80] if isinstance(url, str) else "?"
    except ValueError:
        return "?"


def refuse_address(url):
    """:class:`ResultsRefused` for an address that is not Mailchimp's."""
    return refused(f"{host_of(url)} is not Mailchimp's batch results host")


def is_result_url(url):
    """Whether ``url`` is an https address on Mailchimp's batch results host
    (no user name, no other port)."""
    if not isinstance(url, str):
        return False
    try:
        parsed = urlparse(url)
        port = parsed.port
    except ValueError:
        return False
    return (
        parsed.scheme == RESULTS_SCHEME
        and parsed.hostname in RESULTS_HOSTS
        and not parsed.username
        and port in (None, HTTPS_PORT)
    )


def _body(response):
    """The body, read in chunks and refused past :data:`MAX_DOWNLOAD_BYTES`."""
    declared = digits(response.headers.get("Content-Length"))
    if declared is not None and declared > MAX_DOWNLOAD_BYTES:
        raise refused(f"they are {declared} bytes (at most {MAX_DOWNLOAD_BYTES})")
    body, size = [], 0
    for chunk in response.iter_content(CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_DOWNLOAD_BYTES:
            raise refused(f"they are over {MAX_DOWNLOAD_BYTES} bytes")
        body.append(chunk)
    return b"".join(body)


def fetch(url, timeout):
    """The bytes of the batch results at ``url``. An address or an answer
    that is not Mailchimp's raises :class:`ResultsRefused`, an HTTP error a
    :class:`MailchimpError` with its status; network errors are raised as
    ``requests`` raises them."""
    if not is_result_url(url):
        raise refuse_address(url)
    response = requests.get(url, timeout=timeout, allow_redirects=False, stream=True)
    try:
        if response.is_redirect or 300 <= response.status_code < 400:
            target = host_of(response.headers.get("Location"))
            raise refused(
                f"{host_of(url)} answered {response.status_code}, a redirect to "
                f"{target}, which is not followed"
            )
        if not is_result_url(response.url):
            raise refuse_address(response.url)
        if not response.ok:
            raise error_from_response(response.status_code, "")
        return _body(response)
    finally:
        response.close()
