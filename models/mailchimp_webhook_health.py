"""Is the audience's webhook alive? The last delivery Odoo applied, the last
it refused and why, and whether Mailchimp still has the webhook: Mailchimp
gives up on a webhook whose deliveries keep failing (retries over 75 minutes;
a 410 answer disables it: api-notes §11), after which nothing tells Odoo
that changes stopped coming."""

import logging

from odoo import fields, models

from ..services import MailchimpError

_logger = logging.getLogger(__name__)

WEBHOOK_GONE = (
    "Mailchimp no longer has this audience's webhook: changes made in Mailchimp "
    "reach Odoo at the next synchronization only. Re-create the webhook."
)


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

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
        """The newest applied and the newest refused delivery."""
        self.ensure_one()
        Event = self.env["mailchimp.webhook.event"].sudo()
        domain = [("audience_id", "=", self.id)]
        applied = Event.search(domain + [("refusal", "=", False)], limit=1)
        refused = Event.search(domain + [("refusal", "!=", False)], limit=1)
        return applied | refused

    def _compute_webhook_health(self):
        for audience in self:
            events = audience._webhook_last_events() if audience.id else []
            applied = [e for e in events if not e.refusal]
            refused = [e for e in events if e.refusal]
            audience.webhook_last_delivery = applied and applied[0].received_at
            audience.webhook_last_refusal = refused and refused[0].received_at
            audience.webhook_refusal_reason = refused and refused[0].refusal

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
