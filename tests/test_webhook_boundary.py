"""Webhook deliveries are untrusted: authenticated the way Mailchimp documents
them, only well-formed ones change anything, and a delivery never takes over a
user, an address another contact has, an unticked contact, or a member's id."""

import logging
import time
from urllib.parse import urlencode

from odoo.tests import new_test_user, tagged
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


@tagged("post_install", "-at_install")
class TestWebhookTrust(WebhookCase):
    conflict_policy = "mailchimp"

    def setUp(self):
        super().setUp()
        self.user = new_test_user(
            self.env, login="ceo", email="ceo@example.com", name="Chief Officer"
        )

    def log_text(self):
        return " | ".join(self.audience._webhook_log().line_ids.mapped("message"))

    def test_item02_webhook_never_takes_over_a_user(self):
        response = self.send(
            "subscribe", email="ceo@example.com", merges={"FNAME": "Evil", "LNAME": "X"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.user.partner_id.name, "Chief Officer")
        response = self.send(
            "upemail",
            old_email="ceo@example.com",
            new_email="attacker@evil.example",
            fired=fired_at(5),
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.user.email, "ceo@example.com", "the user keeps its email")
        self.assertIn("not synced: unchanged", self.log_text())
        # even when the user's contact is ticked for the audience
        self.user.partner_id.mailchimp_sync = True
        self.send(
            "upemail",
            old_email="ceo@example.com",  # the refused change moved nothing
            new_email="attacker2@evil.example",
            fired=fired_at(6),
        )
        self.assertEqual(self.user.email, "ceo@example.com")
        self.assertIn("the contact is a user's", self.log_text())

    def test_item02_email_change_to_an_address_another_contact_has(self):
        other = self.make_partners(1, flagged=False, prefix="taken")
        response = self.send(
            "upemail", old_email=self.partner.email, new_email=other.email
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.partner.email, "contact0@example.com")
        self.assertIn("another contact already has this address", self.log_text())

    def test_item03_webhook_subscribe_writes_no_unticked_contact(self):
        unticked = self.make_partners(1, flagged=False, prefix="quiet")
        self.send("subscribe", email=unticked.email, merges={"FNAME": "Renamed"})
        self.assertEqual(unticked.name, "First0 Last0")
        self.assertEqual(unticked.mailchimp_member_ids.status, "subscribed")

    def test_item04_a_delivery_id_is_never_used_as_the_member_id(self):
        # data[id] is the member's unique_email_id, opaque (api-notes §11)
        response = self.send(
            "subscribe", email=self.partner.email, id="../../lists/other"
        )
        self.assertEqual(response.status_code, 200)
        self.assertRegex(self.partner.mailchimp_id, r"^[0-9a-f]{32}$")
