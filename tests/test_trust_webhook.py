"""Issue 13 items 10 and 12: webhook deliveries are authenticated the way
Mailchimp documents them, and only well-formed ones change anything."""

import logging
import time
from urllib.parse import urlencode

from odoo.tests import tagged
from odoo.tools import mute_logger

from .clock import fired_at
from .webhook_case import CONTROLLER_LOG, WebhookCase


@tagged("post_install", "-at_install")
class TestWebhookTrustBoundary(WebhookCase):
    def cleaned(self):
        return urlencode(
            {
                "type": "cleaned",
                "fired_at": fired_at(),
                "data[list_id]": self.list_id,
                "data[email]": self.partner.email,
            }
        ).encode()

    # ------------------------------------------------------------ item 10
    def test_item10_signed_webhook_refuses_unsigned_and_stale_deliveries(self):
        self.audience.action_webhook_register()
        self.assertTrue(self.audience.webhook_signed)
        hook = next(iter(self.fake.webhooks[self.list_id].values()))
        body = self.cleaned()
        with mute_logger(CONTROLLER_LOG):
            self.assertEqual(self.post(None, raw=body).status_code, 403, "unsigned")
            _b, headers = self.fake._signed(hook, {})
            stale = f"t={int(time.time()) - 3600},v1=" + "0" * 64
            self.assertEqual(
                self.post(
                    None, raw=body, headers={"X-Mailchimp-Signature": stale}
                ).status_code,
                403,
            )
        self.assertEqual(self.partner.mailchimp_status, "subscribed")
        form = dict(
            type="cleaned",
            fired_at=fired_at(),
            **{"data[list_id]": self.list_id, "data[email]": self.partner.email},
        )
        raw, headers = self.fake._signed(hook, form)
        self.assertEqual(self.post(None, raw=raw, headers=headers).status_code, 200)
        self.assertEqual(self.partner.mailchimp_status, "cleaned")

    def test_item10_an_unsigned_webhook_says_so_and_can_be_recreated(self):
        old_id = self.fake.add_unsigned_webhook(self.list_id, self.audience.webhook_url)
        self.audience.webhook_id = old_id
        self.assertFalse(self.audience.webhook_signed, "the form shows the warning")
        self.audience.action_webhook_recreate()
        self.assertNotIn(old_id, self.fake.webhooks[self.list_id])
        self.assertTrue(self.audience.webhook_signed)
        self.assertTrue(self.audience.sudo().webhook_signing_key)

    def test_item10_unknown_audience_is_answered_like_a_wrong_secret(self):
        with mute_logger(CONTROLLER_LOG):
            wrong = self.url_open(f"/mailchimp/webhook/{self.audience.id}/nope")
            unknown = self.url_open(
                f"/mailchimp/webhook/999999/{self.audience.webhook_secret}"
            )
        self.assertEqual((wrong.status_code, wrong.text), (403, "Forbidden"))
        self.assertEqual((unknown.status_code, unknown.text), (403, "Forbidden"))

    def test_item10_the_url_secret_never_reaches_the_access_log(self):
        secret = self.audience.webhook_secret
        with self.assertLogs("werkzeug", level=logging.INFO) as logs:
            self.url_open(self.path)
        self.assertTrue(any("/mailchimp/webhook/" in line for line in logs.output))
        self.assertFalse([line for line in logs.output if secret in line])

    # ------------------------------------------------------------ item 12
    def test_item12_array_valued_fields_are_refused(self):
        base = {
            "type": "subscribe",
            "fired_at": fired_at(),
            "data[list_id]": self.list_id,
            "data[email]": "new.person@example.com",
        }
        cases = [
            dict(base, **{"fired_at[x]": "1"}),
            dict(base, **{"data[id][x]": "1"}),
            {
                **{k: v for k, v in base.items() if k != "data[email]"},
                "data[email][x]": "evil@example.com",
            },
            dict(base, **{"type[0]": "subscribe"}),
        ]
        with mute_logger(CONTROLLER_LOG):
            for fields in cases:
                self.assertEqual(self.post(fields).status_code, 400)
            twice = urlencode(base).encode() + b"&data%5Bemail%5D=other%40example.com"
            self.assertEqual(self.post(None, raw=twice).status_code, 400)
        self.assertFalse(
            self.env["mailchimp.member"].search(
                ["|", ("email", "ilike", "new.person"), ("email", "ilike", "evil")]
            ),
            "nothing was applied",
        )
