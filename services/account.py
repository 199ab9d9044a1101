"""The account, its audiences and their marketing permissions, checked at the
boundary."""

from dataclasses import dataclass

from . import checks
from .checks import InvalidItem
from .errors import MalformedResponse


@dataclass(frozen=True)
class RemoteAccount:
    """The Mailchimp account behind a key or token."""

    account_id: str
    account_name: str | None = None
    email: str | None = None
    total_subscribers: int = 0

    @classmethod
    def from_api(cls, root):
        """From the answer of ``GET /``: one answer, not an item of a page, so
        a malformed one raises :class:`MalformedResponse` (the connection
        test fails)."""
        if not isinstance(root, dict):
            raise MalformedResponse("the account is not a JSON object")
        try:
            return cls(
                account_id=checks.resource_id(root, "account_id", "account"),
                account_name=checks.text(root.get("account_name")),
                email=checks.email(root.get("email")),
                total_subscribers=checks.count_at(root, "total_subscribers"),
            )
        except InvalidItem as reason:
            raise MalformedResponse(str(reason)) from None


@dataclass(frozen=True)
class RemoteAudience:
    """A Mailchimp audience (list) as Odoo may use it."""

    id: str
    name: str
    web_id: int = 0
    double_optin: bool = False
    member_count: int = 0
    unsubscribe_count: int = 0
    cleaned_count: int = 0
    marketing_permissions: bool = False  # the audience has GDPR fields

    @classmethod
    def from_api(cls, item):
        """From one item of ``GET /lists`` (or the answer of ``POST /lists``)."""
        if not isinstance(item, dict):
            raise InvalidItem("the audience is not an object")
        list_id = checks.resource_id(item, "id", "audience")
        stats = checks.obj(item.get("stats"))
        return cls(
            id=list_id,
            name=checks.text(item.get("name")) or list_id,
            web_id=checks.count_at(item, "web_id"),
            double_optin=item.get("double_optin") is True,
            member_count=checks.count_at(stats, "member_count"),
            unsubscribe_count=checks.count_at(stats, "unsubscribe_count"),
            cleaned_count=checks.count_at(stats, "cleaned_count"),
            marketing_permissions=item.get("marketing_permissions") is True,
        )


@dataclass(frozen=True)
class RemotePermission:
    """A member's answer to one GDPR marketing permission of the audience."""

    marketing_permission_id: str
    text: str
    enabled: bool = False

    @classmethod
    def from_api(cls, item):
        """From one item of a member's ``marketing_permissions``."""
        if not isinstance(item, dict):
            raise InvalidItem("the marketing permission is not an object")
        perm_id = checks.resource_id(
            item, "marketing_permission_id", "marketing permission"
        )
        return cls(
            marketing_permission_id=perm_id,
            text=checks.text(item.get("text")) or perm_id,
            enabled=item.get("enabled") is True,
        )
