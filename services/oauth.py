"""Mailchimp OAuth2 (authorization code) helpers.

The marketing SDK has no OAuth endpoints, so these two calls use ``requests``
directly, with explicit timeouts.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import requests

from .errors import MailchimpError
from .helpers import DC_RE

AUTHORIZE_URL = "https://login.mailchimp.com/oauth2/authorize"
TOKEN_URL = "https://login.mailchimp.com/oauth2/token"
METADATA_URL = "https://login.mailchimp.com/oauth2/metadata"
TIMEOUT = (10, 30)


def authorize_url(client_id, redirect_uri, state):
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{AUTHORIZE_URL}?{query}"


def exchange_code(client_id, client_secret, redirect_uri, code):
    """Return ``(access_token, metadata)``; metadata has ``dc`` and ``login``."""
    response, data = _login_call(
        "POST",
        TOKEN_URL,
        data={
            "grant_type": "authorization_code",
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
            "code": code,
        },
    )
    token = data.get("access_token")
    if not response.ok or not token:
        raise MailchimpError(
            "Mailchimp refused the authorization (%s); start the connection again."
            % (data.get("error") or response.status_code),
            status=response.status_code,
            kind="auth",
        )
    return token, metadata(token)


def metadata(token):
    """``GET /oauth2/metadata``; Mailchimp answers 200 ``{"error": ...}`` for a
    bad token, so the body is checked, not only the status."""
    response, data = _login_call(
        "GET", METADATA_URL, headers={"Authorization": f"OAuth {token}"}
    )
    dc = data.get("dc")
    if not response.ok or data.get("error") or not isinstance(dc, str):
        raise MailchimpError(
            "Mailchimp did not accept the access token (%s)."
            % (data.get("error") or response.status_code),
            status=response.status_code,
            kind="auth",
        )
    return TokenMetadata.from_api(data)


@dataclass(frozen=True)
class TokenMetadata:
    """What Mailchimp says of an access token: its data center (it builds
    every API address, so it is checked) and the login's email."""

    data_center: str
    login_email: str | None = None

    @classmethod
    def from_api(cls, data):
        dc = str(data.get("dc") or "").strip().lower()
        if not DC_RE.match(dc):
            raise MailchimpError(
                "Mailchimp answered an invalid data center for the token.", kind="auth"
            )
        login = data.get("login")
        email = login.get("email") if isinstance(login, dict) else None
        return cls(dc, email if isinstance(email, str) and email else None)


def _login_call(method, url, **kwargs):
    """``(response, its JSON object or {})`` of a call to Mailchimp's login
    service."""
    try:
        response = requests.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException:
        raise MailchimpError(
            "Mailchimp's login service could not be reached.", kind="network"
        ) from None
    try:
        data = response.json()
    except ValueError:
        return response, {}
    return response, data if isinstance(data, dict) else {}
