"""Mailchimp's documented webhook deliveries, as Mailchimp sends them.

The samples (``tests/data/webhook_deliveries.json``) come from Mailchimp's
documentation: member ids in a delivery are ``unique_email_id`` values, not
subscriber hashes; the member is found by its email."""

import json
from pathlib import Path

from odoo.tests import tagged

from ..services import subscriber_hash
from .clock import fired_at
from .webhook_case import WebhookCase

SAMPLES = json.loads(
    (Path(__file__).parent / "data" / "webhook_deliveries.json").read_text()
)


@tagged("post_install", "-at_install")
class TestDocumentedDeliveries(WebhookCase):
    conflict_policy = "mailchimp"
    synced_contact = False

    def contact(self, email, name="Known Person"):
        partner = self.env["res.partner"].create(
            {"name": name, "email": email, "mailchimp_sync": True}
        )
        self.sync()
        return partner

    def deliver(self, etype, minutes=0, **data):
        """The documented sample of ``etype``, fired now (+ ``minutes``),
        for the test audience; ``data`` replaces ``data[...]`` fields."""
        form = dict(SAMPLES["deliveries"][etype])
        form.update(
            {"fired_at": fired_at(minutes), "data[list_id]": self.list_id},
            **{f"data[{key}]": value for key, value in data.items()},
        )
        return self.post(form)

    def log_text(self):
        return " | ".join(self.audience._webhook_log().line_ids.mapped("message"))

    def test_mailchimp_checks_the_url_with_a_get(self):
        response = self.url_open(
            self.path, headers={"User-Agent": SAMPLES["validator_user_agent"]}
        )
        self.assertEqual(response.status_code, 200)

    def test_subscribe_creates_the_person(self):
        self.audience.create_partners = True
        self.assertEqual(self.deliver("subscribe").status_code, 200)
        partner = self.env["res.partner"].search([("email", "=", "api@mailchimp.com")])
        self.assertEqual(partner.name, "Mailchimp API")
        self.assertEqual(partner.mailchimp_status, "subscribed")

    def test_unsubscribe_is_applied(self):
        partner = self.contact("api+unsub@mailchimp.com")
        self.assertEqual(self.deliver("unsubscribe").status_code, 200)
        self.assertEqual(partner.mailchimp_status, "unsubscribed")

    def test_profile_is_applied(self):
        partner = self.contact("api@mailchimp.com", name="Old Name")
        self.assertEqual(self.deliver("profile").status_code, 200)
        self.assertEqual(partner.name, "Mailchimp API")
        self.assertEqual(partner.mailchimp_status, "subscribed")

    def test_email_change_is_applied(self):
        partner = self.contact("api+old@mailchimp.com")
        self.assertEqual(self.deliver("upemail").status_code, 200)
        self.assertEqual(partner.email, "api+new@mailchimp.com")
        member = partner.mailchimp_member_id
        self.assertEqual(member.mailchimp_id, subscriber_hash("api+new@mailchimp.com"))

    def test_cleaned_is_applied(self):
        partner = self.contact("api+cleaned@mailchimp.com")
        self.assertEqual(self.deliver("cleaned").status_code, 200)
        self.assertEqual(partner.mailchimp_status, "cleaned")

    def test_campaign_is_applied(self):
        campaign = self.env["mailchimp.campaign"].create(
            {
                "audience_id": self.audience.id,
                "mailchimp_id": "5aa2102003",
                "status": "sending",
            }
        )
        self.assertEqual(self.deliver("campaign").status_code, 200)
        self.assertEqual(campaign.status, "sent")

    def test_a_delivery_naming_another_member_changes_nothing_of_it(self):
        victim = self.contact("victim@example.com", name="Vic Tim")
        member = victim.mailchimp_member_id
        response = self.deliver(
            "profile",
            id=member.mailchimp_id,  # the victim's subscriber hash as data[id]
            email="intruder@example.com",
            **{"merges][FNAME": "Intruder"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(member.email, "victim@example.com")
        self.assertEqual(member.mailchimp_id, subscriber_hash("victim@example.com"))
        self.assertEqual(victim.name, "Vic Tim")

    def test_an_older_delivery_does_not_undo_a_newer_one(self):
        partner = self.contact("api@mailchimp.com")
        self.deliver("unsubscribe", email="api@mailchimp.com")
        self.assertEqual(partner.mailchimp_status, "unsubscribed")
        # fired ten minutes earlier, delivered later (a retry)
        self.assertEqual(self.deliver("subscribe", minutes=-10).status_code, 200)
        self.assertEqual(partner.mailchimp_status, "unsubscribed")
        self.assertIn("older than what Odoo already knows", self.log_text())

    def test_a_refused_email_change_writes_nothing(self):
        partner = self.contact("api+old@mailchimp.com")
        self.env["res.partner"].create(
            {"name": "Has It", "email": "api+new@mailchimp.com"}
        )
        member = partner.mailchimp_member_id
        self.assertEqual(self.deliver("upemail").status_code, 200)
        self.assertEqual(partner.email, "api+old@mailchimp.com")
        self.assertEqual(member.email, "api+old@mailchimp.com")
        self.assertEqual(member.mailchimp_id, subscriber_hash("api+old@mailchimp.com"))
        self.assertIn("another contact already has this address", self.log_text())
