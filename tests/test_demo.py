"""Demo data never captures real use."""

from odoo.exceptions import UserError
from odoo.tests import TransactionCase


class TestDemoData(TransactionCase):
    def setUp(self):
        super().setUp()
        self.demo_audience = self.env.ref(
            "mailchimp_sync.demo_audience", raise_if_not_found=False
        )
        if not self.demo_audience:
            self.skipTest("installed without demo data")

    def test_item12_no_company_sends_to_the_demo_audience_by_default(self):
        self.assertFalse(
            self.env["res.company"].search(
                [("mailchimp_audience_id", "=", self.demo_audience.id)]
            )
        )
        partner = self.env["res.partner"].create(
            {
                "name": "Real Contact",
                "email": "real@example.com",
                "mailchimp_sync": True,
            }
        )
        self.assertFalse(partner.mailchimp_audience_id, "waits for a real audience")
        self.assertFalse(partner.mailchimp_member_ids)

    def test_item12_demo_records_are_named_as_demo(self):
        account = self.env.ref("mailchimp_sync.demo_account")
        names = [
            account.name,
            account.account_name,
            self.demo_audience.name,
            *self.env["mailchimp.campaign"]
            .search([("audience_id", "=", self.demo_audience.id)])
            .mapped("title"),
        ]
        for name in names:
            self.assertIn("demo", name.lower())

    def test_item12_nothing_is_ever_sent_to_the_demo_audience(self):
        account = self.env.ref("mailchimp_sync.demo_account")
        self.assertNotEqual(account.state, "connected")
        self.assertFalse(account.sudo().api_key, "no key: it cannot connect")
        connected = self.env["mailchimp.audience"].search(
            [("account_id.state", "=", "connected")]
        )
        self.assertNotIn(self.demo_audience, connected, "the cron skips it")
        with self.assertRaises(UserError):
            self.demo_audience.action_sync_now()
