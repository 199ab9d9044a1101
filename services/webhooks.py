"""Mailchimp webhook deliveries (a form: ``type``, ``fired_at``, ``data[...]``)
and their signature, checked at the boundary."""

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .checks import InvalidItem, digits, is_resource_id
from .remote import RemoteMember

EVENTS = ("subscribe", "unsubscribe", "profile", "upemail", "cleaned", "campaign")
SIGNATURE_MAX_AGE = 300  # seconds
FIRED_AT_FORMAT = "%Y-%m-%d %H:%M:%S"
CHANGED_AT_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"


def _fired_at(form, now=None):
    """The delivery's ``fired_at``. One further ahead of ``now`` (naive UTC,
    default the clock's) than the clocks may differ (what the signature
    check allows) is taken as ``now``: a delivery from the future would make
    every later one look older than it. One within it is kept: the member's
    last change is Mailchimp's time too, and a change a little after it,
    taken as Odoo's now, would look older and be ignored."""
    try:
        fired = datetime.strptime(form.get("fired_at") or "", FIRED_AT_FORMAT)
    except (TypeError, ValueError):
        raise WebhookError("fired_at is not YYYY-MM-DD HH:MM:SS") from None
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    if fired > now + timedelta(seconds=SIGNATURE_MAX_AGE):
        return now
    return fired


class WebhookError(ValueError):
    """A malformed delivery: answered 400, nothing changed."""


def parse_form(pairs):
    """``[("data[merges][FNAME]", "Ann"), ...]`` -> nested dicts.

    Every field is a plain string where Mailchimp sends one: a key given
    twice, a scalar given sub-keys (``fired_at[x]``, ``data[id][x]``) or a
    group given a value is refused (400), never half-applied."""
    result = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise WebhookError(f"{parts[0]} has a value and sub-fields")
        if parts[-1] in node:
            raise WebhookError(f"{key} is given twice or has sub-fields")
        node[parts[-1]] = value
    _check_shape(result)
    return result


def _check_shape(form):
    """Top-level fields and ``data[...]`` are strings; only ``data[merges]``
    (and Mailchimp's address and group merges inside it) nests."""
    for key, value in form.items():
        if key != "data" and not isinstance(value, str):
            raise WebhookError(f"{key} is not a plain value")
    data = form.get("data", {})
    if not isinstance(data, dict):
        raise WebhookError("data is not a set of fields")
    for key, value in data.items():
        if key == "merges":
            if not isinstance(value, dict):
                raise WebhookError("data[merges] is not a set of fields")
        elif not isinstance(value, str):
            raise WebhookError(f"data[{key}] is not a plain value")


def check_signature(key, header, raw):
    """``X-Mailchimp-Signature: t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>``."""
    items = dict(
        part.split("=", 1) for part in (header or "").split(",") if "=" in part
    )
    stamp, signature = items.get("t", ""), items.get("v1", "")
    sent_at = digits(stamp)
    if sent_at is None or not signature:
        return False
    if abs(time.time() - sent_at) > SIGNATURE_MAX_AGE:
        return False
    expected = hmac.new(
        key.encode(), stamp.encode() + b"." + raw, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature)


def _plain(data, key):
    value = data.get(key)
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class WebhookDelivery:
    """One checked delivery. Addresses are as Mailchimp sent them (the
    caller normalizes them).

    A member delivery's ``data[id]`` (and an email change's ``data[new_id]``)
    is the member's ``unique_email_id`` (10 hex characters in Mailchimp's
    samples: ``8a25ff1d98``, ``51da8c3259``), not the subscriber hash of the
    API's paths (Mailchimp's webhook guide and legacy sample data; api-notes
    §11). It is opaque and never trusted: the member is found by the
    subscriber hash of ``data[email]`` (``old_email``/``new_email`` for an
    email change), so a delivery cannot name another member."""

    type: str
    fired: datetime  # naive UTC
    list_id: str | None = None
    email: str | None = None
    action: str | None = None  # unsubscribe: "unsub" or "delete"
    old_email: str | None = None
    new_email: str | None = None
    campaign_id: str | None = None
    campaign_status: str | None = None
    _data: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_form(cls, form, now=None):
        """From a form :func:`parse_form` returned; :class:`WebhookError`
        when the delivery is malformed; ``now``: see :func:`_fired_at`."""
        etype, data = form.get("type"), form.get("data")
        if etype not in EVENTS:
            raise WebhookError("unknown or missing type")
        if not isinstance(data, dict):
            raise WebhookError("missing data")
        fired = _fired_at(form, now)
        campaign_id = _plain(data, "id") if etype == "campaign" else None
        if campaign_id and not is_resource_id(campaign_id):
            raise WebhookError("the campaign id is invalid")
        return cls(
            type=etype,
            fired=fired,
            list_id=_plain(data, "list_id"),
            email=_plain(data, "email"),
            action=_plain(data, "action"),
            old_email=_plain(data, "old_email"),
            new_email=_plain(data, "new_email"),
            campaign_id=campaign_id,
            campaign_status=_plain(data, "status"),
            _data=data,
        )

    def member(self, status, member_hash):
        """The member this delivery describes, as a pull would read it,
        under ``member_hash`` (the subscriber hash of its email)."""
        try:
            return RemoteMember.from_webhook(
                self._data,
                status,
                self.fired.strftime(CHANGED_AT_FORMAT),
                member_hash,
            )
        except InvalidItem as reason:
            raise WebhookError(str(reason)) from None


@dataclass(frozen=True)
class RemoteWebhook:
    """Mailchimp's answer to creating a webhook: its id and, when Mailchimp
    signs its deliveries, the signing secret (returned once)."""

    id: str
    signing_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_api(cls, hook):
        if not isinstance(hook, dict) or not is_resource_id(hook.get("id")):
            raise InvalidItem("Mailchimp returned no valid webhook id.")
        secret = hook.get("signing_secret")
        signed = hook.get("signing_enabled") is True
        return cls(
            id=hook["id"],
            signing_secret=secret
            if signed and isinstance(secret, str) and secret
            else None,
        )
