"""The audience tells whether its webhook is alive: the last delivery Odoo
applied, the last it refused and why, and whether Mailchimp still has it."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .clock import fired_at
from .webhook_case import CONTROLLER_LOG, WebhookCase


@tagged("post_install", "-at_install")
class TestWebhookHealth(WebhookCase):
    def test_the_last_delivery_and_the_last_refusal_are_shown(self):
        self.assertFalse(self.audience.webhook_last_delivery)
        applied = {
            "type": "unsubscribe",
            "fired_at": fired_at(),
            "data[list_id]": self.list_id,
            "data[email]": self.partner.email,
        }
        self.assertEqual(self.post(applied).status_code, 200)
        self.audience.invalidate_recordset()
        self.assertTrue(self.audience.webhook_last_delivery)
        self.assertFalse(self.audience.webhook_last_refusal)
        with mute_logger(CONTROLLER_LOG):
            refused = self.post(dict(applied, fired_at="yesterday"))
        self.assertEqual(refused.status_code, 400)
        self.audience.invalidate_recordset()
        self.assertTrue(self.audience.webhook_last_refusal)
        self.assertIn("fired_at", self.audience.webhook_refusal_reason)

    def test_a_webhook_mailchimp_dropped_is_reported_with_recreate(self):
        self.audience.action_webhook_register()
        self.sync()
        self.assertFalse(self.audience.webhook_missing)
        # Mailchimp gave up on the webhook (its deliveries kept failing)
        self.fake.webhooks[self.list_id].clear()
        log = self.sync()
        self.assertTrue(self.audience.webhook_missing)
        self.assertIn("no longer has", " ".join(log.line_ids.mapped("message")))
        self.audience.action_webhook_recreate()
        self.assertFalse(self.audience.webhook_missing)
        self.assertEqual(len(self.fake.webhooks[self.list_id]), 1)
