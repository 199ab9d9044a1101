"""Mailchimp's errors as one exception type, and the checks that keep what
Mailchimp sends out of URLs."""

import json
import logging
import re
from urllib.parse import quote

import requests

_logger = logging.getLogger(__name__)


class MailchimpError(Exception):
    """One exception type for everything that can go wrong with Mailchimp.

    ``str(error)`` is a readable message for the user; it never contains the
    API key.
    """

    def __init__(self, message, status=None, title=None, detail=None, kind="api"):
        super().__init__(message)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind  # api | auth | config | network | timeout | rate_limit

    @property
    def retryable(self):
        return self.kind in ("network", "timeout", "rate_limit") or (
            self.status is not None and self.status >= 500
        )


class MalformedResponse(MailchimpError):
    """An answer that does not have Mailchimp's documented shape: the run
    that read it fails, nothing it says is applied."""

    def __init__(self, what):
        super().__init__(
            f"Mailchimp sent a malformed answer ({what}); nothing was changed, "
            "the sync will try again.",
            kind="malformed",
        )


class ResultsRefused(MailchimpError):
    """Batch results that are not read (their address, a redirect, their
    size): nothing they say is applied, their operations stay unconfirmed."""

    def __init__(self, why):
        super().__init__(
            f"Mailchimp's batch results were refused: {why}.", kind="malformed"
        )


def refused(why):
    _logger.warning("Mailchimp batch results refused: %s", why)
    return ResultsRefused(why)


# Mailchimp's ids (list, campaign, webhook, interest, batch) are short
# alphanumerics, subscriber hashes 32 hex digits: anything else never reaches
# a URL as a path segment.
RESOURCE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def path_segment(value):
    """``value`` checked for use as one URL path segment, quoted with no safe
    character (a ``/`` or ``..`` can never change the endpoint)."""
    text = str(value)
    if not RESOURCE_ID_RE.match(text):
        raise MailchimpError(
            f"Refused to call Mailchimp with the invalid id {text[:40]!r}.",
            kind="config",
        )
    return quote(text, safe="")


def _problem_from(body):
    """The problem+json object of a body (the SDK gives it decoded), or {}."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    return body if isinstance(body, dict) else {}


def error_from_response(status, body, secrets=()):
    """Build a :class:`MailchimpError` from an HTTP status and a body."""
    problem = _problem_from(body)
    title = (
        problem.get("title")
        or requests.status_codes._codes.get(status, ("Error",))[0]
        .replace("_", " ")
        .title()
    )
    detail = problem.get("detail") or ""
    errors = problem.get("errors")
    errors = errors if isinstance(errors, list) else []
    if status == 401:
        kind = "auth"
        message = (
            f"Mailchimp refused the credentials (401 {title}). Check the API key or "
            "reconnect the account."
        )
    elif status == 429:
        kind = "rate_limit"
        message = (
            "Mailchimp is limiting requests (429 Too Many Requests); "
            "try again in a moment."
        )
    elif status and status >= 500:
        kind = "api"
        message = f"Mailchimp had a server error ({status} {title}); try again later."
    else:
        kind = "api"
        message = f"Mailchimp: {title}"
        if detail:
            message += f" — {detail}"
        field_msgs = [
            f"{e.get('field')}: {e.get('message')}"
            for e in errors
            if isinstance(e, dict) and e.get("field")
        ]
        if field_msgs:
            message += " (" + "; ".join(field_msgs) + ")"
    return MailchimpError(
        scrub(message, secrets),
        status=status,
        title=title,
        detail=scrub(detail, secrets),
        kind=kind,
    )


def scrub(text, secrets):
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
