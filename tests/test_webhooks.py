import hashlib
import hmac
import time
from datetime import datetime, timedelta
from unittest.mock import patch
from urllib.parse import urlencode

from odoo.tests import tagged
from odoo.tools import mute_logger

from .clock import fired_at
from .webhook_case import CONTROLLER_LOG, WebhookCase


@tagged("post_install", "-at_install")
class TestWebhooks(WebhookCase):
    conflict_policy = "mailchimp"

    def setUp(self):
        super().setUp()
        self.member = self.partner.mailchimp_member_id
        self.email = self.partner.email

    # ------------------------------------------------------------ access
    def test_validation_get_and_access(self):
        self.assertEqual(self.url_open(self.path).status_code, 200)
        wrong = f"/mailchimp/webhook/{self.audience.id}/not-the-secret"
        with mute_logger(CONTROLLER_LOG):
            self.assertEqual(self.url_open(wrong).status_code, 403)
            response = self.post(
                self.event("unsubscribe", email=self.email), path=wrong
            )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.member.status, "subscribed", "nothing changed")
        unknown = f"/mailchimp/webhook/999999/{self.audience.webhook_secret}"
        with mute_logger(CONTROLLER_LOG):
            self.assertEqual(self.url_open(unknown).status_code, 403)

    def test_an_archived_audience_takes_no_delivery(self):
        self.audience.active = False
        with mute_logger(CONTROLLER_LOG):
            response = self.post(self.event("unsubscribe", email=self.email))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.member.status, "subscribed", "nothing changed")

    # ------------------------------------------------------------ events
    def test_unsubscribe_and_repeated_delivery(self):
        # what Mailchimp holds when it sends the event
        self.fake.set_status(self.list_id, self.email, "unsubscribed")
        fields = self.event(
            "unsubscribe",
            action="unsub",
            reason="manual",
            email=self.email,
            id=self.member.mailchimp_id,
            merges={"FNAME": "First0", "LNAME": "Last0"},
        )
        self.assertEqual(self.post(fields).status_code, 200)
        self.assertEqual(self.partner.mailchimp_status, "unsubscribed")
        self.assertEqual(self.partner.mailchimp_consent_source, "mailchimp")
        self.assertFalse(self.member.need_sync, "a webhook never sets the push flag")
        log = self.audience._webhook_log()
        self.assertEqual(log.unsubscribes, 1)
        # Mailchimp retries: the same delivery changes nothing
        self.assertEqual(self.post(fields).status_code, 200)
        self.assertEqual(log.unsubscribes, 1)
        self.assertEqual(
            self.env["mailchimp.webhook.event"].search_count(
                [("audience_id", "=", self.audience.id)]
            ),
            1,
        )
        # and the next push does not resubscribe
        self.partner.name = "First0 Changed"
        self.sync()
        remote = self.fake.member(self.list_id, self.email)
        self.assertEqual(remote["status"], "unsubscribed")

    def test_unsubscribe_delete_archives(self):
        self.post(
            self.event(
                "unsubscribe", action="delete", reason="manual", email=self.email
            )
        )
        self.assertEqual(self.member.status, "archived")
        self.assertFalse(self.partner.mailchimp_sync)

    def test_cleaned(self):
        self.post(
            self.event("cleaned", reason="hard", email=self.email, campaign_id="c1")
        )
        self.assertEqual(self.member.status, "cleaned")

    def test_profile_updates_contact_without_push_flag(self):
        fields = self.event(
            "profile",
            email=self.email,
            id=self.member.mailchimp_id,
            merges={"FNAME": "Ada", "LNAME": "Byron", "EMAIL": self.email},
        )
        self.assertEqual(self.post(fields).status_code, 200)
        self.assertEqual(self.partner.name, "Ada Byron")
        self.assertEqual(self.member.status, "subscribed")
        self.assertFalse(self.member.need_sync)

    def test_profile_under_odoo_wins_policy(self):
        self.audience.conflict_policy = "odoo"
        self.post(
            self.event(
                "profile",
                email=self.email,
                id=self.member.mailchimp_id,
                merges={"FNAME": "Ada", "LNAME": "Byron"},
            )
        )
        self.assertEqual(self.partner.name, "First0 Last0")
        self.assertTrue(self.member.need_sync, "Odoo's values are sent back")

    def test_subscribe_creates_contact_when_asked(self):
        self.audience.create_partners = True
        self.post(
            self.event(
                "subscribe",
                email="newcomer@example.com",
                merges={"FNAME": "New", "LNAME": "Comer"},
            )
        )
        partner = self.env["res.partner"].search(
            [("email", "=", "newcomer@example.com")]
        )
        self.assertEqual(partner.name, "New Comer")
        self.assertTrue(partner.mailchimp_sync)
        self.assertEqual(partner.mailchimp_status, "subscribed")

    def test_upemail_moves_the_member(self):
        new_email = "renamed@example.com"
        fields = self.event(
            "upemail",
            old_email=self.email,
            new_email=new_email,
            new_id="51da8c3259",  # a unique_email_id: opaque
        )
        self.assertEqual(self.post(fields).status_code, 200)
        self.assertEqual(self.member.email, new_email)
        self.assertEqual(
            self.member.mailchimp_id, hashlib.md5(new_email.encode()).hexdigest()
        )
        self.assertEqual(self.partner.email, new_email)
        self.assertFalse(self.member.need_sync)
        self.assertEqual(len(self.partner.mailchimp_member_ids), 1, "no second member")

    def test_upemail_of_a_member_odoo_asked_to_resubscribe(self):
        """Odoo asked the person to subscribe again (pending in Odoo); they
        confirmed and changed their email in Mailchimp, which changes only a
        subscribed member's email, before Odoo heard of the confirmation.
        The member and the contact follow: refused, the member row kept the
        old address, which the next push created again, subscribed."""
        self.fake.set_status(self.list_id, self.email, "unsubscribed")
        self.sync()
        self.env["mailchimp.resubscribe.wizard"].with_context(
            active_model="res.partner", active_ids=self.partner.ids
        ).create({"consent_source": "Phone call"}).action_confirm()
        self.assertEqual(self.member.status, "pending")
        new_email = "renamed@example.com"
        members = self.fake.members[self.list_id]
        moved = members.pop(hashlib.md5(self.email.encode()).hexdigest())
        new_id = hashlib.md5(new_email.encode()).hexdigest()
        members[new_id] = dict(
            moved, id=new_id, email_address=new_email, status="subscribed"
        )
        fields = self.event("upemail", old_email=self.email, new_email=new_email)
        self.assertEqual(self.post(fields).status_code, 200)
        self.partner.name = "Edited In Odoo"
        self.sync()
        self.assertEqual(
            [m["email_address"] for m in self.fake.members[self.list_id].values()],
            [new_email],
            "the old address is not added again",
        )
        self.assertEqual(self.partner.email, new_email)
        self.assertEqual(self.member.mailchimp_id, new_id)
        self.assertEqual(len(self.partner.mailchimp_member_ids), 1)

    def test_a_delivery_from_the_future_hides_no_later_one(self):
        """A ``fired_at`` after now is taken as now: applied, it would make
        every later delivery look older than what Odoo knows (ignored)."""
        for fired, first in (("2999-01-01 00:00:00", "Future"), (None, "Later")):
            fields = self.event(
                "profile",
                fired,
                email=self.email,
                merges={"FNAME": first, "LNAME": "Name"},
            )
            self.assertEqual(self.post(fields).status_code, 200)
        self.assertEqual(self.partner.name, "Later Name")

    def test_a_delivery_a_little_ahead_of_odoos_clock_is_applied(self):
        """Mailchimp's clock a minute ahead of Odoo's (the signature check
        allows five): the member's last change, as Mailchimp answered it, is
        a minute after Odoo's now, and the person unsubscribes a minute
        later. Taken as Odoo's now, that delivery looked older than the
        change before it and was ignored."""
        self.member.last_changed = datetime.utcnow() + timedelta(minutes=1)
        response = self.send("unsubscribe", fired_at(minutes=2), email=self.email)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.member.status, "unsubscribed")

    def test_campaign_status(self):
        campaign = self.env["mailchimp.campaign"].create(
            {
                "audience_id": self.audience.id,
                "mailchimp_id": "camp1",
                "status": "sending",
            }
        )
        self.post(self.event("campaign", id="camp1", subject="Hello", status="sent"))
        self.assertEqual(campaign.status, "sent")

    def test_an_underscore_in_the_old_email_is_no_wildcard(self):
        victim = self.env["res.partner"].create(
            {
                "name": "Jane Doe",
                "email": "jane.doe@example.com",
                "mailchimp_sync": True,
            }
        )
        self.sync()
        new_email = "attacker@example.com"
        fields = self.event(
            "upemail",
            old_email="jane_doe@example.com",
            new_email=new_email,
            new_id="51da8c3259",  # a unique_email_id: opaque
        )
        self.assertEqual(self.post(fields).status_code, 200)
        self.assertEqual(victim.email, "jane.doe@example.com")
        self.assertEqual(victim.mailchimp_member_id.email, "jane.doe@example.com")

    def test_a_campaign_delivery_stays_in_its_audience(self):
        other = self.env["mailchimp.audience"].create(
            {"name": "Other", "account_id": self.account.id, "mailchimp_id": "other1"}
        )
        theirs = self.env["mailchimp.campaign"].create(
            {"audience_id": other.id, "mailchimp_id": "camp9", "status": "sending"}
        )
        ours = self.env["mailchimp.campaign"].create(
            {
                "audience_id": self.audience.id,
                "mailchimp_id": "camp8",
                "status": "sending",
            }
        )
        self.assertEqual(
            self.post(self.event("campaign", id="camp9", status="sent")).status_code,
            200,
        )
        self.assertEqual(theirs.status, "sending", "another audience's campaign")
        response = self.post(self.event("campaign", id="camp8", status="<script>"))
        self.assertEqual(response.status_code, 200, "no error, no retries")
        self.assertEqual(ours.status, "sending", "an unknown status is ignored")

    # ------------------------------------------------------------ bad input
    def test_malformed_deliveries(self):
        cases = {
            "missing type": urlencode(
                {"fired_at": fired_at(), "data[email]": self.email}
            ).encode(),
            "missing email": urlencode(
                self.event("unsubscribe", action="unsub")
            ).encode(),
            "bad fired_at": urlencode(
                self.event("unsubscribe", fired="yesterday", email=self.email)
            ).encode(),
            "non UTF-8": b"type=unsubscribe&fired_at=2026-11-20+10%3A00%3A00"
            b"&data[email]=\xff\xfe",
            "1 MB body": b"type=profile&data[merges][NOTE]=" + b"x" * (1024 * 1024),
        }
        for name, raw in cases.items():
            with self.subTest(name), mute_logger(CONTROLLER_LOG):
                self.assertEqual(self.post(None, raw=raw).status_code, 400)
        self.assertEqual(self.member.status, "subscribed")
        Event = self.env["mailchimp.webhook.event"]
        self.assertFalse(Event.search([("refusal", "=", False)]), "none applied")

    def test_malformed_log_has_no_personal_data(self):
        with self.assertLogs(CONTROLLER_LOG, level="WARNING") as logs:
            self.post(self.event("unsubscribe", action="unsub", email="not-an-email@"))
        self.assertNotIn("not-an-email", "\n".join(logs.output))

    def test_processing_error_asks_for_a_retry(self):
        with (
            patch.object(
                type(self.audience),
                "_webhook_unsubscribe",
                side_effect=RuntimeError("boom"),
            ),
            mute_logger("odoo.http", "odoo.addons.base.models.ir_http"),
        ):
            response = self.post(
                self.event("unsubscribe", action="unsub", email=self.email)
            )
        self.assertGreaterEqual(response.status_code, 500)
        self.assertFalse(self.env["mailchimp.webhook.event"].search([]))

    def test_signed_deliveries(self):
        self.audience.write(
            {"webhook_signing_key": "signing-secret", "webhook_signed": True}
        )
        raw = urlencode(self.event("cleaned", reason="hard", email=self.email)).encode()
        with mute_logger(CONTROLLER_LOG):
            self.assertEqual(self.post(None, raw=raw).status_code, 403)
            forged = {"X-Mailchimp-Signature": f"t={int(time.time())},v1=00ff"}
            self.assertEqual(self.post(None, raw=raw, headers=forged).status_code, 403)
        self.assertEqual(self.member.status, "subscribed")
        stamp = str(int(time.time()))
        signature = hmac.new(
            b"signing-secret", stamp.encode() + b"." + raw, hashlib.sha256
        ).hexdigest()
        headers = {"X-Mailchimp-Signature": f"t={stamp},v1={signature}"}
        self.assertEqual(self.post(None, raw=raw, headers=headers).status_code, 200)
        self.assertEqual(self.member.status, "cleaned")

    # ------------------------------------------------------------ registration
    def test_register_without_api_source_and_regenerate(self):
        self.audience.action_webhook_register()
        hooks = list(self.fake.webhooks[self.list_id].values())
        self.assertEqual(len(hooks), 1)
        self.assertEqual(hooks[0]["url"], self.audience.webhook_url)
        self.assertEqual(
            hooks[0]["sources"], {"user": True, "admin": True, "api": False}
        )
        self.assertTrue(all(hooks[0]["events"].values()))
        # Odoo's pushes go through the API: Mailchimp sends nothing back
        self.partner.name = "Echo Test"
        new = self.make_partners(1, prefix="echo")
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, self.email)["merge_fields"]["FNAME"], "Echo"
        )
        self.assertTrue(self.fake.member(self.list_id, new.email))
        self.assertEqual(self.fake.deliveries, [])
        # a change made in Mailchimp's web app is delivered, and applied
        self.fake.set_merge(
            self.list_id, self.email, FNAME="Edited", LNAME="InMailchimp"
        )
        self.assertEqual(len(self.fake.deliveries), 1)
        url, _form, (raw, headers) = self.fake.deliveries[0]
        self.assertTrue(url.endswith(self.path))
        self.assertTrue(self.audience.webhook_signed, "created signed")
        self.assertEqual(self.post(None, raw=raw, headers=headers).status_code, 200)
        self.assertEqual(self.partner.name, "Edited InMailchimp")
        self.assertFalse(self.partner.mailchimp_member_id.need_sync, "no push back")
        old_path = self.path
        self.audience.action_webhook_regenerate()
        self.assertNotIn(old_path.rsplit("/", 1)[1], self.audience.webhook_url)
        hooks = list(self.fake.webhooks[self.list_id].values())
        self.assertEqual(len(hooks), 1, "updated, not duplicated")
        self.assertEqual(hooks[0]["url"], self.audience.webhook_url)
        with mute_logger(CONTROLLER_LOG):
            self.assertEqual(self.url_open(old_path).status_code, 403)
        self.audience.action_webhook_delete()
        self.assertFalse(self.fake.webhooks[self.list_id])
        self.assertFalse(self.audience.webhook_id)
