"""What an audience reads back from Mailchimp after sending: its campaigns,
their reports and each member's activity (the campaign reports, pages of
1,000, never one call per member), then the UTM campaigns and the customers
the campaigns won (closed-loop reporting, ``mailchimp_conversion.py``)."""

import logging
from datetime import timedelta

from odoo import api, fields, models

from ..compat import cron_progress
from ..services import (
    InvalidItem,
    MailchimpError,
    parse_activity_page,
    parse_campaign_page,
)
from .mailchimp_audience import _iso
from .mailchimp_conversion import DEFAULT_WINDOW_DAYS

_logger = logging.getLogger(__name__)

# Campaigns older than this are not re-read for late activity.
ACTIVE_DAYS = 30


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    campaign_ids = fields.One2many("mailchimp.campaign", "audience_id")
    activity_cursor = fields.Datetime(copy=False)
    activity_window_hours = fields.Integer(
        "Late activity window (h)",
        default=24,
        help="Activity is re-read this many hours back: Mailchimp reports opens "
        "with a delay.",
    )

    conversion_window_days = fields.Integer(
        "Conversion window (days)",
        default=DEFAULT_WINDOW_DAYS,
        help="A contact who opened or clicked a campaign and became a customer "
        "within this many days counts as won by that campaign (the last open "
        "or click before the conversion wins).",
    )

    def _sync_campaigns(self):
        """Read sent campaigns, their reports, recipients and activity, then
        link their UTM campaigns and recompute the customers they won.

        Uses the campaign reports (pages of 1,000 per campaign), not one call
        per member. Returns the number of activity events stored."""
        self.ensure_one()
        client = self.account_id._get_client()
        now = fields.Datetime.now()
        existing = {c.mailchimp_id: c for c in self.campaign_ids}
        since = self.activity_cursor and self.activity_cursor - timedelta(
            hours=self.activity_window_hours
        )
        stored = 0
        for page in client.iter_campaign_pages(self.mailchimp_id):
            for remote in self._accepted_items(parse_campaign_page(page), "campaign"):
                campaign = existing.get(remote.id)
                if (
                    campaign
                    and remote.send_time
                    and remote.send_time < now - timedelta(ACTIVE_DAYS)
                ):
                    continue  # old campaign: figures final, nothing new to read
                stored += self._store_campaign(client, campaign, remote, since)
        self.activity_cursor = now
        self.campaign_ids._link_utm_campaigns()
        self.env["mailchimp.conversion"]._refresh(self)
        return stored

    def _accepted_items(self, parsed, what):
        """The items of a checked page; the malformed ones are logged."""
        for index, reason in parsed.rejected:
            _logger.info(
                "Mailchimp %s %s of audience %s skipped: %s",
                what,
                index,
                self.id,
                reason,
            )
        return parsed.items

    def _store_campaign(self, client, campaign, remote, since):
        """Write a campaign and its report, then read its activity."""
        try:
            remote = remote.with_report(client.get_report(remote.id))
        except InvalidItem as reason:
            _logger.info(
                "Mailchimp report of campaign %s skipped: %s", remote.id, reason
            )
            return 0
        vals = self.env["mailchimp.campaign"]._vals_from_remote(remote)
        if campaign:
            campaign.write(vals)
            return self._read_campaign_activity(client, campaign, since)
        campaign = self.env["mailchimp.campaign"].create(
            dict(vals, audience_id=self.id, mailchimp_id=remote.id)
        )
        return self._read_campaign_activity(client, campaign, None)

    def _read_campaign_activity(self, client, campaign, since):
        """Recipients (first read only) and opens/clicks/bounces since ``since``."""
        sources = []
        if not since:
            sources.append(client.iter_sent_to_pages(campaign.mailchimp_id))
        sources.append(
            client.iter_email_activity_pages(campaign.mailchimp_id, _iso(since))
        )
        return sum(
            self._store_activity_page(campaign, page)
            for source in sources
            for page in source
        )

    def _store_activity_page(self, campaign, page):
        rows = self._accepted_items(parse_activity_page(page), "activity row")
        members = {
            r.mailchimp_id: r.id
            for r in self.env["mailchimp.member"].search(
                [
                    ("audience_id", "=", self.id),
                    ("mailchimp_id", "in", [row.member_hash for row in rows]),
                ]
            )
        }
        events = [
            {
                "member_id": members[row.member_hash],
                "campaign_id": campaign.id,
                "action": event.action,
                "timestamp": event.timestamp or campaign.send_time,
                "url": event.url or False,
            }
            for row in rows
            if row.member_hash in members
            for event in row.events
        ]
        return self.env["mailchimp.member.activity"]._store(events)

    @api.model
    def _cron_sync_campaigns(self):
        """Scheduled: campaigns, reports and activity of connected audiences."""
        done = 0
        audiences = self.search([("account_id.state", "=", "connected")])
        for audience in audiences._lock_for_sync():
            try:
                done += audience._sync_campaigns()
            except MailchimpError as error:
                _logger.info(
                    "Mailchimp campaigns of audience %s: %s", audience.id, error
                )
        cron_progress(self.env, done, 0)
