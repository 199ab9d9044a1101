"""Mailchimp audience webhooks: a delivery becomes the remote member a pull
reads and is applied by the pull's code and sync rules (no push flag set).

Its health: the last delivery applied, the last refused and why, and whether
Mailchimp still has the webhook: Mailchimp gives up on a webhook whose
deliveries keep failing (retries over 75 minutes; a 410 answer disables it:
api-notes §11), after which nothing tells Odoo that changes stopped coming.
"""

import hashlib
import ipaddress
import logging
import secrets
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, escape_psql

from ..services import InvalidItem, MailchimpError, subscriber_hash
from ..services.webhooks import (
    EVENTS,
    RemoteWebhook,
    WebhookDelivery,
    WebhookError,
    check_signature,
    parse_form,
)
from .mailchimp_access import check_manager
from .mailchimp_campaign import CAMPAIGN_STATUSES
from .mailchimp_errors import mailchimp_user_errors
from .mailchimp_sync_rules import mailchimp_wins, write_refusal

_logger = logging.getLogger(__name__)

REFUSED_EMAIL_TAKEN = (
    "Email change from Mailchimp refused: another contact already has this address."
)
# why the sync rules (mailchimp_sync_rules.write_refusal) keep a contact's email
REFUSED_EMAIL_CHANGE = {
    "not_synced": "Email changed in Mailchimp; the contact is not synced: unchanged.",
    "other_company": "Email changed in Mailchimp; the contact belongs to another "
    "company: unchanged.",
    "user": "Email changed in Mailchimp; the contact is a user's: Mailchimp never "
    "changes it.",
}
# re-exported for the controller
__all__ = ["WebhookError", "check_signature", "parse_form"]

WEBHOOK_GONE = (
    "Mailchimp no longer has this audience's webhook: changes made in Mailchimp "
    "reach Odoo at the next synchronization only. Re-create the webhook."
)
LOCAL_HOSTNAMES = frozenset({"localhost", "localhost.localdomain"})
LOCAL_SUFFIX = ".localhost"  # RFC 6761: always this machine


def unreachable_host_reason(url):
    """Why Mailchimp can never reach ``url``: ``local``, ``private``,
    ``link_local``, ``single_label`` or ``no_host``; None when it may."""
    host = (urlsplit(url or "").hostname or "").rstrip(".").lower()
    if not host:
        return "no_host"
    if host in LOCAL_HOSTNAMES or host.endswith(LOCAL_SUFFIX):
        return "local"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None if "." in host else "single_label"
    if address.is_loopback or address.is_unspecified:
        return "local"
    if address.is_link_local:
        return "link_local"
    if address.is_private or address.is_reserved:
        return "private"
    return None


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    webhook_secret = fields.Char(
        copy=False,
        groups="mailchimp_sync.group_mailchimp_manager",
        default=lambda self: secrets.token_urlsafe(24),
    )
    webhook_signing_key = fields.Char(
        "Webhook signing secret",
        copy=False,
        readonly=True,
        groups="base.group_system",
        help="The signing secret Mailchimp returned, once, when it created the "
        "webhook.",
    )
    webhook_signed = fields.Boolean(
        "Signed deliveries",
        copy=False,
        readonly=True,
        help="Mailchimp signs this webhook's deliveries: a delivery without a "
        "valid, fresh signature is refused.",
    )
    webhook_id = fields.Char("Mailchimp webhook id", copy=False, readonly=True)
    webhook_url = fields.Char(
        compute="_compute_webhook_url", groups="mailchimp_sync.group_mailchimp_manager"
    )

    @api.depends("webhook_secret")
    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for audience in self:
            audience.webhook_url = audience.id and (
                f"{base}/mailchimp/webhook/{audience.id}/{audience.webhook_secret}"
            )

    # ------------------------------------------------------------ registration
    def _webhook_body(self):
        return {
            "url": self.webhook_url,
            "events": dict.fromkeys(EVENTS, True),
            # Odoo's own API writes must not come back (no echo)
            "sources": {"user": True, "admin": True, "api": False},
        }

    def action_webhook_register(self):
        """Create (or update) the webhook at Mailchimp."""
        check_manager(self)
        self.ensure_one()
        self._webhook_check_reachable()
        template = self.env._("Mailchimp refused the webhook: %(error)s")
        with mailchimp_user_errors(self.env, template):
            client = self._webhook_client()
            if self.webhook_id:
                client.update_webhook(
                    self.mailchimp_id, self.webhook_id, self._webhook_body()
                )
            else:
                self._webhook_create(client)
        return self.account_id._notify(
            self.env._("Mailchimp now sends this audience's changes to Odoo."),
            "success",
        )

    def _webhook_client(self):
        """The account's client, told to hide the webhook's secrets: an error
        that echoes the URL or the signing key shows neither."""
        hook = self.sudo()
        return self.account_id._get_client(
            hidden=(hook.webhook_secret, hook.webhook_signing_key)
        )

    def _webhook_check_reachable(self):
        """Refuse a URL Mailchimp can never call. The message names Odoo's
        address only: the URL's path carries the secret."""
        reason = unreachable_host_reason(self.webhook_url)
        if not reason:
            return
        url = urlsplit(self.webhook_url or "")
        reasons = {
            "no_host": self.env._("no host"),
            "local": self.env._("this machine"),
            "private": self.env._("a private network address"),
            "link_local": self.env._("a link-local address"),
            "single_label": self.env._("a name without a domain"),
        }
        address = "{}://{}".format(url.scheme, url.netloc.rpartition("@")[2])
        raise UserError(
            self.env._(
                "Mailchimp cannot reach Odoo at %(url)s (%(reason)s), so the "
                "webhook was not registered. Set the system parameter "
                "web.base.url to Odoo's public address (reachable from the "
                "internet), then register the webhook again.",
                url=address,
                reason=reasons[reason],
            )
        )

    def _webhook_create(self, client):
        """Create the webhook; Mailchimp returns its signing secret once."""
        try:
            hook = RemoteWebhook.from_api(
                client.create_webhook(self.mailchimp_id, self._webhook_body())
            )
        except InvalidItem as reason:
            raise MailchimpError(str(reason)) from None
        self.sudo().write(
            {
                "webhook_id": hook.id,
                "webhook_signed": bool(hook.signing_secret),
                "webhook_signing_key": hook.signing_secret or False,
                "webhook_missing": False,
            }
        )

    def action_webhook_recreate(self):
        """An older, unsigned webhook is replaced by a signed one."""
        check_manager(self)
        self.ensure_one()
        self.action_webhook_delete()
        return self.action_webhook_register()

    def action_webhook_delete(self):
        check_manager(self)
        self.ensure_one()
        if self.webhook_id:
            with mailchimp_user_errors(self.env, ignore_statuses=(404,)):
                self._webhook_client().delete_webhook(
                    self.mailchimp_id, self.webhook_id
                )
        self.sudo().write(
            {"webhook_id": False, "webhook_signed": False, "webhook_signing_key": False}
        )
        return True

    def action_webhook_regenerate(self):
        """A new secret: the old URL stops working at once."""
        check_manager(self)
        self.ensure_one()
        self.sudo().webhook_secret = secrets.token_urlsafe(24)
        if self.webhook_id:
            return self.action_webhook_register()
        return True

    # ------------------------------------------------------------ delivery
    def _webhook_log(self):
        """One log per audience and day gathers the webhook deliveries."""
        Log = self.env["mailchimp.sync.log"]
        today = fields.Datetime.to_string(fields.Datetime.now())[:10]
        log = Log.search(
            [
                ("audience_id", "=", self.id),
                ("kind", "=", "webhook"),
                ("date_start", ">=", f"{today} 00:00:00"),
            ],
            limit=1,
        )
        return log or Log.create(
            {"audience_id": self.id, "kind": "webhook", "trigger": "webhook"}
        )

    def _webhook_process(self, form, raw):
        """Apply one delivery. Raises WebhookError when it is malformed."""
        self.ensure_one()
        delivery = WebhookDelivery.from_form(form, fields.Datetime.now())
        if delivery.list_id and delivery.list_id != self.mailchimp_id:
            raise WebhookError("the event is for another audience")
        key = hashlib.sha256(raw).hexdigest()
        Event = self.env["mailchimp.webhook.event"].sudo()
        if Event.search_count([("audience_id", "=", self.id), ("event_key", "=", key)]):
            return False  # a repeated delivery changes nothing
        getattr(self, f"_webhook_{delivery.type}")(delivery)
        Event.create(
            {"audience_id": self.id, "event_key": key, "event_type": delivery.type}
        )
        return True

    def _webhook_member(self, delivery, status):
        """Apply a subscribe/unsubscribe/cleaned/profile delivery like a pull
        of one member, found by the subscriber hash of its email."""
        email = email_normalize(delivery.email or "")
        if not email:
            raise WebhookError("missing or invalid email")
        member_hash = subscriber_hash(email)
        row = self.env["mailchimp.member"].search(
            [("audience_id", "=", self.id), ("mailchimp_id", "=", member_hash)],
            limit=1,
        )
        if self._webhook_is_stale(row, delivery):
            return
        if status is None:  # a profile update keeps the known status
            status = row.status or "subscribed"
        remote = delivery.member(status, member_hash)
        self._apply_remote_members([remote], self._webhook_log())

    def _webhook_is_stale(self, row, delivery):
        """A delivery fired before the member's last known change (Mailchimp
        may deliver out of order, and retries for 75 minutes) changes
        nothing; the log says so."""
        if not (row and row.last_changed and delivery.fired < row.last_changed):
            return False
        self._webhook_log()._add_line(
            row,
            "info",
            f"A '{delivery.type}' change from Mailchimp older than what Odoo "
            "already knows of this member was ignored.",
        )
        return True

    def _webhook_subscribe(self, delivery):
        self._webhook_member(delivery, "subscribed")

    def _webhook_unsubscribe(self, delivery):
        status = "archived" if delivery.action == "delete" else "unsubscribed"
        self._webhook_member(delivery, status)

    def _webhook_cleaned(self, delivery):
        self._webhook_member(delivery, "cleaned")

    def _webhook_profile(self, delivery):
        self._webhook_member(delivery, None)

    def _webhook_upemail(self, delivery):
        """An email changed in Mailchimp: the member follows; the contact
        follows only when it is ticked for this audience, not a user's, and
        no other contact has the new address."""
        old = email_normalize(delivery.old_email or "")
        new = email_normalize(delivery.new_email or "")
        if not old or not new:
            raise WebhookError("missing old_email or new_email")
        fired = delivery.fired
        new_id = subscriber_hash(new)
        Member = self.env["mailchimp.member"]
        row = Member.search(
            [
                ("audience_id", "=", self.id),
                "|",
                ("mailchimp_id", "=", subscriber_hash(old)),
                # literal: "_" and "%" in an address are no wildcards
                ("email", "=ilike", escape_psql(old)),
            ],
            limit=1,
        )
        if not row or self._webhook_is_stale(row, delivery):
            return
        log = self._webhook_log()
        if Member.search_count(
            [("audience_id", "=", self.id), ("mailchimp_id", "=", new_id)]
        ):
            log._add_line(row, "skipped", REFUSED_EMAIL_TAKEN)
            return
        refusal = self._email_change_refusal(row, new)
        if refusal:  # nothing written: the member keeps its id and email
            log._add_line(row, "skipped", refusal)
            return
        row.write({"mailchimp_id": new_id, "email": new, "last_changed": fired})
        if mailchimp_wins(self, row.odoo_changed_at, fired):
            row.partner_id.with_context(mailchimp_no_sync=True).email = new
        else:
            row._mark_need_sync()  # Odoo's email is sent back
        log._add_line(row, "info", "Email changed in Mailchimp.")

    def _email_change_refusal(self, row, new):
        """Why Mailchimp's new email is not written to the contact, or None."""
        partner = row.partner_id
        # no status: Mailchimp changes the email of a subscribed member only
        # (api-notes §6, "Changing the email"), whatever Odoo last knew of it
        # (a pending one Odoo asked may have confirmed since)
        refusal = write_refusal(self, partner)
        if refusal:
            return REFUSED_EMAIL_CHANGE[refusal]
        if (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search_count(
                [("email_normalized", "=", new), ("id", "!=", partner.id)], limit=1
            )
        ):
            return REFUSED_EMAIL_TAKEN
        return None

    def _webhook_campaign(self, delivery):
        if not delivery.campaign_id:
            return
        campaign = self.env["mailchimp.campaign"].search(
            [
                ("mailchimp_id", "=", delivery.campaign_id),
                ("audience_id", "=", self.id),
            ],
            limit=1,
        )
        if campaign and delivery.campaign_status in CAMPAIGN_STATUSES:
            campaign.status = delivery.campaign_status

    webhook_last_delivery = fields.Datetime(
        "Last delivery", compute="_compute_webhook_health", help="Last one applied."
    )
    webhook_last_refusal = fields.Datetime(
        "Last refusal", compute="_compute_webhook_health"
    )
    webhook_refusal_reason = fields.Char(
        "Why it was refused", compute="_compute_webhook_health"
    )
    webhook_missing = fields.Boolean(
        "Webhook missing in Mailchimp",
        readonly=True,
        copy=False,
        help="The last synchronization found no such webhook in Mailchimp.",
    )

    def _webhook_last_events(self):
        """``(applied, refused)``: the newest delivery of each."""
        Event = self.env["mailchimp.webhook.event"].sudo()
        domain = [("audience_id", "=", self.id)]
        applied = Event.search(domain + [("refusal", "=", False)], limit=1)
        refused = Event.search(domain + [("refusal", "!=", False)], limit=1)
        return applied, refused

    def _compute_webhook_health(self):
        for audience in self:
            applied, refused = audience._origin._webhook_last_events()
            audience.webhook_last_delivery = applied.received_at
            audience.webhook_last_refusal = refused.received_at
            audience.webhook_refusal_reason = refused.refusal

    def _webhook_check_exists(self, client, log):
        """One read per run: does Mailchimp still have the webhook?"""
        if not self.webhook_id:
            return
        try:
            client.get_webhook(self.mailchimp_id, self.webhook_id)
        except MailchimpError as error:
            if error.status != 404:
                _logger.info("Webhook of audience %s not checked: %s", self.id, error)
                return
            self.sudo().webhook_missing = True
            log._add_line(self.env["mailchimp.member"], "error", WEBHOOK_GONE)
            return
        self.sudo().webhook_missing = False
