"""What Mailchimp says, checked at the boundary.

Everything read from Mailchimp (API answers, webhook deliveries) is untrusted:
it becomes a :class:`RemoteMember` here, or is refused with a reason. Ids
are checked against Mailchimp's formats (they end up in URL paths), statuses
against Mailchimp's list, emails against a plain shape. Odoo-side rules
(matching, who may be written) live in the models.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import checks
from .checks import InvalidItem, bounded, check_email, is_member_id, is_number
from .errors import MalformedResponse

# Mailchimp's member statuses, with the label Odoo shows for each
MEMBER_STATUSES = {
    "subscribed": "Subscribed",
    "pending": "Pending (double opt-in)",
    "unsubscribed": "Unsubscribed",
    "cleaned": "Cleaned (bounced)",
    "transactional": "Transactional",
    "archived": "Archived",
}
# a member who unsubscribed or whose address bounced: never subscribed again by us
UNSUBSCRIBED_OR_CLEANED = ("unsubscribed", "cleaned")
# statuses of a member Mailchimp no longer mails: nothing to archive or unsubscribe
GONE_STATUSES = ("archived", *UNSUBSCRIBED_OR_CLEANED)
# merge values Mailchimp sends: text, numbers, or an address object
MAX_MERGE_VALUE_LENGTH = 2000
ADDRESS_KEYS = ("addr1", "addr2", "city", "state", "zip", "country")
WEB_ID = "the member's web_id"  # Mailchimp's numeric id of a member, for links


def email_and_status(item):
    """``(lower-cased email, status)`` of a member read for its status only;
    ``(None, None)`` when the item is malformed."""
    if not isinstance(item, dict):
        return None, None
    try:
        email = check_email(item.get("email_address")).lower()
    except InvalidItem:
        return None, None
    status = item.get("status")
    return email, status if status in MEMBER_STATUSES else None


def _merge_value(value):
    if value is None or isinstance(value, int | float):  # bool included
        return value
    if isinstance(value, str):
        return value[:MAX_MERGE_VALUE_LENGTH]
    if isinstance(value, dict):
        return {
            key: str(value.get(key) or "")[:MAX_MERGE_VALUE_LENGTH]
            for key in ADDRESS_KEYS
        }
    raise InvalidItem("a merge value is neither text, a number nor an address")


def _clean_merge_fields(merge):
    if merge is None:
        return {}
    if not isinstance(merge, dict):
        raise InvalidItem("merge_fields is not an object")
    return {
        str(tag): _merge_value(value)
        for tag, value in merge.items()
        if isinstance(tag, str)
    }


def _optional_str(value):
    return value if isinstance(value, str) else None


def _dicts(value):
    return (
        tuple(v for v in value if isinstance(v, dict))
        if isinstance(value, list)
        else ()
    )


def _interests(value):
    """``{interest id: bool}``: checked ids and real booleans only."""
    if not isinstance(value, dict):
        return {}
    return {
        key: flag
        for key, flag in value.items()
        if checks.is_resource_id(key) and isinstance(flag, bool)
    }


def parse_time(value):
    """Mailchimp's ISO 8601 time as a naive UTC datetime (Odoo's), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


@dataclass(frozen=True)
class RemoteMember:
    """A Mailchimp audience member as Odoo may use it."""

    id: str
    email: str
    status: str
    merge_fields: dict = field(default_factory=dict)
    last_changed: str | None = None
    web_id: int = 0
    timestamp_opt: str | None = None
    timestamp_signup: str | None = None
    member_rating: int | None = None
    stats: dict = field(default_factory=dict)
    source: str | None = None
    tags: tuple = ()
    marketing_permissions: tuple = ()
    interests: dict = field(default_factory=dict)  # interest id -> bool
    tags_known: bool = False  # the answer listed the member's tags

    @classmethod
    def from_api(cls, item):
        """From one item of ``GET /lists/{id}/members`` (or a member answer)."""
        if not isinstance(item, dict):
            raise InvalidItem("the member is not an object")
        member_id = item.get("id")
        if member_id is None:
            raise InvalidItem("the member has no id")
        if not is_member_id(member_id):
            raise InvalidItem(f"the member id {str(member_id)[:40]!r} is invalid")
        status = item.get("status")
        if status not in MEMBER_STATUSES:
            raise InvalidItem(f"unknown status {str(status)[:20]!r}")
        rating = item.get("member_rating")
        stats = item.get("stats")
        return cls(
            id=member_id,
            email=check_email(item.get("email_address")),
            status=status,
            merge_fields=_clean_merge_fields(item.get("merge_fields")),
            last_changed=_optional_str(item.get("last_changed")),
            web_id=checks.count(item.get("web_id"), WEB_ID),
            timestamp_opt=_optional_str(item.get("timestamp_opt")),
            timestamp_signup=_optional_str(item.get("timestamp_signup")),
            member_rating=rating if rating in (1, 2, 3, 4, 5) else None,
            stats=stats if isinstance(stats, dict) else {},
            source=_optional_str(item.get("source")),
            tags=_dicts(item.get("tags")),
            marketing_permissions=_dicts(item.get("marketing_permissions")),
            interests=_interests(item.get("interests")),
            tags_known=isinstance(item.get("tags"), list),
        )

    @classmethod
    def from_webhook(cls, data, status, changed_at, member_hash):
        """From the ``data[...]`` of a webhook delivery (all plain strings).

        ``member_hash`` is the subscriber hash of the email: the member's id.
        The delivery's own ``data[id]`` is its ``unique_email_id``, never
        used as an id (see ``services.webhooks.WebhookDelivery``)."""
        if not isinstance(data, dict):
            raise InvalidItem("missing data")
        email = check_email(data.get("email"))
        if not is_member_id(member_hash):
            raise InvalidItem("the member id is not a subscriber hash")
        if status not in MEMBER_STATUSES:
            raise InvalidItem("unknown status")
        merges = data.get("merges") or {}
        if not isinstance(merges, dict):
            raise InvalidItem("merges is not a set of fields")
        web_id = data.get("web_id")
        return cls(
            id=member_hash,
            email=email,
            status=status,
            merge_fields=_clean_merge_fields(
                {
                    tag: value
                    for tag, value in merges.items()
                    if tag not in ("EMAIL", "INTERESTS", "GROUPINGS")
                }
            ),
            last_changed=changed_at,
            web_id=checks.count(
                checks.digits(web_id) or 0,
                WEB_ID,
            ),
        )

    @property
    def changed_at(self):
        """When Mailchimp last changed the member (naive UTC), or None."""
        return parse_time(self.last_changed)

    @property
    def tag_names(self):
        """The names of the member's tags in Mailchimp."""
        return frozenset(
            t["name"] for t in self.tags if isinstance(t.get("name"), str) and t["name"]
        )

    def fingerprint(self):
        """Of the merge values, figures and groups: an unchanged member is
        skipped on the next read (the same value whether read from a page, a
        webhook or the answer to a write)."""
        parts = [
            self.merge_fields,
            self.member_rating,
            self.stats,
            list(self.tags),
            list(self.marketing_permissions),
        ]
        if self.interests:  # audiences without groups keep their fingerprints
            parts.append(self.interests)
        data = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.md5(data.encode()).hexdigest()

    def figures(self):
        """What Odoo shows of the member: rating, rates in %, opt-in time,
        signup source and tags."""
        return {
            "member_rating": str(self.member_rating) if self.member_rating else False,
            "avg_open_rate": checks.percent(self.stats.get("avg_open_rate")),
            "avg_click_rate": checks.percent(self.stats.get("avg_click_rate")),
            "subscribed_since": parse_time(self.timestamp_opt)
            or parse_time(self.timestamp_signup)
            or False,
            "signup_source": self.source or False,
            "tags": ", ".join(str(t.get("name") or "") for t in self.tags) or False,
        }


@dataclass(frozen=True)
class MemberPage:
    """One page of ``GET /lists/{id}/members``: the members that passed the
    checks, the ones that did not (with their reason), and the size Mailchimp
    announced."""

    members: tuple
    rejected: tuple  # ((item index, raw id or None, reason), ...)
    total_items: int
    size: int  # items on the page, valid or not


def parse_member_page(data):
    """Check a members page; a page of the wrong shape raises
    :class:`MalformedResponse` (the run fails, nothing is applied)."""
    if not isinstance(data, dict):
        raise MalformedResponse("the members page is not a JSON object")
    items = data.get("members")
    if not isinstance(items, list):
        raise MalformedResponse("the members page has no list of members")
    total = data.get("total_items")
    if not is_number(total) or total < 0:
        raise MalformedResponse("the members page has no total_items")
    bounded(total, "the members page's total_items", MalformedResponse)
    members, rejected = [], []
    for index, item in enumerate(items):
        try:
            members.append(RemoteMember.from_api(item))
        except InvalidItem as reason:
            raw_id = item.get("id") if isinstance(item, dict) else None
            rejected.append(
                (index, raw_id if is_member_id(raw_id) else None, str(reason))
            )
    return MemberPage(tuple(members), tuple(rejected), total, len(items))
