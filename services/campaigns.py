"""Campaigns, their reports and their activity, checked at the boundary."""

from dataclasses import dataclass, replace
from datetime import datetime

from . import checks
from .checks import InvalidItem, check_email, is_member_id
from .errors import MalformedResponse
from .helpers import subscriber_hash
from .remote import parse_time

MAX_ACTION_LENGTH = 32  # longest action name kept (open, click, bounce, ...)
SENT = "sent"  # a recipient row without events: the campaign was sent to them
# The campaign events asked of a member's activity feed (``activity_filters``;
# values of the spec's enum for GET .../activity-feed): those Odoo stores.
FEED_ACTIVITY_TYPES = ("sent", "open", "click", "bounce", "unsub")


def _action(value):
    if not isinstance(value, str) or not value or len(value) > MAX_ACTION_LENGTH:
        return None
    return value


@dataclass(frozen=True)
class ParsedItems:
    """The items of a page that passed the checks, and the others with their
    reason: ``((index, reason), ...)``."""

    items: tuple
    rejected: tuple


def parse_items(items, parse, what):
    """Apply ``parse`` to each item of a page; see :class:`ParsedItems`. A
    page without its list raises :class:`MalformedResponse`."""
    if not isinstance(items, list):
        raise MalformedResponse(f"the {what} page has no list of {what}")
    valid, rejected = [], []
    for index, item in enumerate(items):
        try:
            valid.append(parse(item))
        except InvalidItem as reason:
            rejected.append((index, str(reason)))
    return ParsedItems(tuple(valid), tuple(rejected))


@dataclass(frozen=True)
class RemoteCampaign:
    """A sent campaign and the figures of its report, as Odoo may use them."""

    id: str
    web_id: int = 0
    title: str | None = None
    subject: str | None = None
    status: str | None = None
    send_time: datetime | None = None
    emails_sent: int = 0
    opens: int = 0
    unique_opens: int = 0
    clicks: int = 0
    unique_clicks: int = 0
    bounces: int = 0
    unsubscribes: int = 0
    open_rate: float = 0.0
    click_rate: float = 0.0
    archive_url: str | None = None

    @classmethod
    def from_api(cls, campaign, report=None):
        """From one item of ``GET /campaigns`` and, when given, the answer of
        ``GET /reports/{id}``."""
        if not isinstance(campaign, dict):
            raise InvalidItem("the campaign is not an object")
        settings = checks.obj(campaign.get("settings"))
        remote = cls(
            id=checks.resource_id(campaign, "id", "campaign"),
            web_id=checks.count_at(campaign, "web_id"),
            title=checks.text(settings.get("title")),
            subject=checks.text(settings.get("subject_line")),
            status=checks.text(campaign.get("status")),
            send_time=parse_time(campaign.get("send_time")),
            emails_sent=checks.count_at(campaign, "emails_sent"),
            archive_url=checks.url(campaign.get("archive_url")),
        )
        return remote if report is None else remote.with_report(report)

    def with_report(self, report):
        """This campaign with the figures of its report (the campaign's own
        title, subject and count of emails sent come first)."""
        if not isinstance(report, dict):
            raise InvalidItem("the campaign report is not an object")
        if report.get("id", self.id) != self.id:
            raise InvalidItem("the report is of another campaign")
        opens = checks.obj(report.get("opens"))
        clicks = checks.obj(report.get("clicks"))
        bounces = checks.obj(report.get("bounces"))
        return replace(
            self,
            title=self.title or checks.text(report.get("campaign_title")),
            subject=self.subject or checks.text(report.get("subject_line")),
            emails_sent=self.emails_sent or checks.count_at(report, "emails_sent"),
            opens=checks.count_at(opens, "opens_total"),
            unique_opens=checks.count_at(opens, "unique_opens"),
            clicks=checks.count_at(clicks, "clicks_total"),
            unique_clicks=checks.count_at(clicks, "unique_clicks"),
            bounces=checks.count(
                checks.count_at(bounces, "hard_bounces")
                + checks.count_at(bounces, "soft_bounces"),
                "bounces",
            ),
            unsubscribes=checks.count_at(report, "unsubscribed"),
            open_rate=checks.percent(opens.get("open_rate")),
            click_rate=checks.percent(clicks.get("click_rate")),
        )


@dataclass(frozen=True)
class RemoteEvent:
    """One thing a member did: ``action`` (open, click, ...), when (naive
    UTC, or None), the link clicked, and the campaign when known."""

    action: str
    timestamp: datetime | None = None
    url: str | None = None
    campaign_id: str | None = None

    @classmethod
    def from_api(cls, event):
        """From one event of ``GET /lists/{id}/members/{hash}/activity-feed``
        (spec schema ``MemberActivityEvents1``): ``activity_type``,
        ``created_at_timestamp``, ``campaign_id`` (none for a signup, a
        note...) and, for a click, ``link_clicked``; or of an email-activity
        row, with the legacy ``/activity`` names (``action``, ``timestamp``,
        ``url``): the documents describe both shapes, so the reader is
        lenient."""
        if not isinstance(event, dict):
            raise InvalidItem("the event is not an object")
        action = _action(event.get("activity_type")) or _action(event.get("action"))
        if not action:
            raise InvalidItem("the event has no action")
        stamp = event.get("created_at_timestamp") or event.get("timestamp")
        link = event.get("link_clicked") or event.get("url")
        return cls(
            action=action,
            timestamp=parse_time(stamp),
            url=checks.url(link),
            campaign_id=checks.resource_id(event, "campaign_id", "event")
            if event.get("campaign_id") is not None
            else None,
        )


def _member_hash(row):
    """The row's subscriber hash: its ``email_id``, else the hash of its
    address."""
    email_id = row.get("email_id")
    if is_member_id(email_id):
        return email_id
    if email_id is not None:
        raise InvalidItem(f"the email_id {str(email_id)[:40]!r} is invalid")
    return subscriber_hash(check_email(row.get("email_address")))


@dataclass(frozen=True)
class RemoteActivity:
    """What one recipient of a campaign did: their subscriber hash and their
    events (one ``sent`` event for a recipient row without events)."""

    member_hash: str
    events: tuple  # (RemoteEvent, ...)

    @classmethod
    def from_api(cls, row):
        """From one row of ``GET /reports/{id}/email-activity`` or
        ``/sent-to``."""
        if not isinstance(row, dict):
            raise InvalidItem("the activity row is not an object")
        member_hash = _member_hash(row)
        events = row.get("activity")
        if events is not None and not isinstance(events, list):
            raise InvalidItem("the activity is not a list")
        return cls(
            member_hash=member_hash,
            events=tuple(RemoteEvent.from_api(event) for event in events or ())
            or (RemoteEvent(SENT),),
        )


def parse_activity_page(items):
    """The rows of one page of email activity or recipients."""
    return parse_items(items, RemoteActivity.from_api, "emails")


def parse_campaign_page(items):
    """The campaigns of one page of ``GET /campaigns`` (without reports)."""
    return parse_items(items, RemoteCampaign.from_api, "campaigns")


def parse_activity_feed(events):
    """The events of a member's activity feed (every page's ``activity``,
    see ``MailchimpClient.get_member_activity``); a feed of the wrong shape
    raises :class:`MalformedResponse`."""
    return parse_items(events, RemoteEvent.from_api, "activity")
