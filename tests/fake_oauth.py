"""The fake Mailchimp login service (OAuth2 token and metadata)."""

from urllib.parse import parse_qsl

import requests_mock


class FakeOAuth:
    """login.mailchimp.com"""

    def _oauth(self, request):
        if request.path == "/oauth2/token":
            form = dict(parse_qsl(request.body or ""))
            self.token_requests.append(form.get("code"))
            # a code is single-use and short-lived (api-notes §2, "Token")
            token = self.oauth_codes.pop(form.get("code"), None)
            if not token:
                return requests_mock.create_response(
                    request, status_code=400, json={"error": "invalid_grant"}
                )
            self.oauth_tokens.add(token)
            return requests_mock.create_response(
                request, json={"access_token": token, "expires_in": 0, "scope": None}
            )
        token = request.headers.get("Authorization", "").split(" ", 1)[-1]
        if token not in self.oauth_tokens:
            return requests_mock.create_response(
                request, json={"error": "invalid_token"}
            )
        return requests_mock.create_response(
            request,
            json={
                "dc": self.dc,
                "api_endpoint": f"https://{self.dc}.api.mailchimp.com",
                "accountname": "Fake Co",
                "login": {"email": "owner@example.com"},
            },
        )
