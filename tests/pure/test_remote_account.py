"""The account, its audiences and marketing permissions are checked at the
boundary (services/account.py), without Odoo."""

import pytest

from services import (
    InvalidItem,
    MalformedResponse,
    RemoteAccount,
    RemoteAudience,
    RemotePermission,
)


def test_account_root():
    account = RemoteAccount.from_api(
        {
            "account_id": "8d3a3db4d97663a9074efcc16",
            "account_name": "Fake Co",
            "email": "owner@example.com",
            "total_subscribers": 12,
        }
    )
    assert account == RemoteAccount(
        "8d3a3db4d97663a9074efcc16", "Fake Co", "owner@example.com", 12
    )
    junk = RemoteAccount.from_api(
        {"account_id": "a1", "account_name": 3, "email": "x", "total_subscribers": "9"}
    )
    assert (junk.account_name, junk.email, junk.total_subscribers) == (None, None, 0)


@pytest.mark.parametrize(
    "root", [None, [], "<html>", {}, {"account_id": "../x"}, {"account_id": 7}]
)
def test_malformed_account_root_is_an_error(root):
    with pytest.raises(MalformedResponse) as error:
        RemoteAccount.from_api(root)
    assert error.value.kind == "malformed"


def test_audience():
    audience = RemoteAudience.from_api(
        {
            "id": "a1b2c3",
            "web_id": 11,
            "name": "Newsletter",
            "double_optin": True,
            "marketing_permissions": True,
            "stats": {"member_count": 5, "unsubscribe_count": 2, "cleaned_count": 1},
        }
    )
    assert audience == RemoteAudience("a1b2c3", "Newsletter", 11, True, 5, 2, 1, True)
    bare = RemoteAudience.from_api(
        {"id": "a1b2c3", "name": "", "double_optin": "yes", "stats": []}
    )
    assert (bare.name, bare.double_optin, bare.member_count) == ("a1b2c3", False, 0)
    assert not bare.marketing_permissions


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("junk", "not an object"),
        ({"name": "No id"}, "no id"),
        ({"id": "a/b"}, "is invalid"),
    ],
)
def test_malformed_audience_is_rejected(bad, reason):
    with pytest.raises(InvalidItem, match=reason):
        RemoteAudience.from_api(bad)


def test_marketing_permission():
    permission = RemotePermission.from_api(
        {"marketing_permission_id": "perm-email", "text": "Email", "enabled": True}
    )
    assert permission == RemotePermission("perm-email", "Email", True)
    bare = RemotePermission.from_api(
        {"marketing_permission_id": "perm-ads", "enabled": "true"}
    )
    assert (bare.text, bare.enabled) == ("perm-ads", False)


@pytest.mark.parametrize(
    "bad, reason",
    [
        (None, "not an object"),
        ({"text": "Email"}, "no marketing_permission_id"),
        ({"marketing_permission_id": "../x"}, "is invalid"),
    ],
)
def test_malformed_marketing_permission_is_rejected(bad, reason):
    with pytest.raises(InvalidItem, match=reason):
        RemotePermission.from_api(bad)
