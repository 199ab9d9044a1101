"""The deliveries already applied: Mailchimp retries a delivery for 75
minutes (api-notes §11), a repeated one changes nothing."""

from odoo import api, fields, models


class MailchimpWebhookEvent(models.Model):
    """Deliveries already applied (Mailchimp retries for 75 minutes). Holds a
    hash of the body only: no personal data."""

    _name = "mailchimp.webhook.event"
    _description = "Mailchimp webhook delivery"
    _log_access = False

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    event_key = fields.Char(required=True)
    event_type = fields.Char()
    received_at = fields.Datetime(default=fields.Datetime.now, required=True)

    _sql_constraints = [
        (
            "event_uniq",
            "unique(audience_id, event_key)",
            "This delivery was already applied.",
        )
    ]

    @api.autovacuum
    def _gc_events(self):
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=2)
        self.search([("received_at", "<", limit)]).unlink()
