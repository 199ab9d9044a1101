"""The deliveries Odoo received: the ones applied (Mailchimp retries a
delivery for 75 minutes, api-notes §11: a repeated one changes nothing) and
the ones refused, with the reason (the audience's webhook health)."""

import uuid

from odoo import api, fields, models

from ..compat import Constraint

KEEP_DAYS = 2  # a delivery is remembered this long (the newest ones always)


class MailchimpWebhookEvent(models.Model):
    """One delivery. Holds a hash of the body and, for a refusal, its reason:
    no personal data. A row of its own rather than a field of the audience, so
    a delivery never waits for a sync run holding the audience's row."""

    _name = "mailchimp.webhook.event"
    _description = "Mailchimp webhook delivery"
    _log_access = False
    _order = "received_at desc, id desc"

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    event_key = fields.Char(required=True)
    event_type = fields.Char()
    received_at = fields.Datetime(default=fields.Datetime.now, required=True)
    refusal = fields.Char(help="Why the delivery was refused (empty: applied).")

    _event_uniq = Constraint(
        "unique(audience_id, event_key)",
        "This delivery was already applied.",
    )

    @api.model
    def _record_refusal(self, audience, key, reason):
        """A refused delivery: when and why (the reason only)."""
        self.sudo().create(
            {
                "audience_id": audience.id,
                # never the key of an applied delivery; each refusal its own row
                "event_key": f"refused:{key}:{uuid.uuid4().hex}",
                "refusal": reason[:200],
            }
        )

    @api.autovacuum
    def _gc_events(self):
        """Old deliveries go; the newest applied and refused of each audience
        stay (the audience's webhook health shows them)."""
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=KEEP_DAYS)
        old = self.search([("received_at", "<", limit)])
        keep = set()
        for audience in old.audience_id:
            applied, refused = audience._webhook_last_events()
            keep |= set((applied | refused).ids)
        old.filtered(lambda event: event.id not in keep).unlink()
