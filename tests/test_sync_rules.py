"""Two rules of the push that only a hostile Mailchimp or a second company
shows: each test fails on code that breaks the rule."""

from odoo import fields

from .common import MailchimpCase


class TestPushRules(MailchimpCase):
    def test_another_companys_contact_never_supplies_what_is_sent(self):
        """Two contacts share an email: the one of another company (older,
        ticked for the audience by a change of company) is not the owner."""
        other = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.env["res.partner"].create(
            {"name": "Foreign Person", "email": "shared@example.com"}
        )
        foreign.with_context(mailchimp_no_sync=True).write(
            {"mailchimp_sync": True, "mailchimp_audience_id": self.audience.id}
        )
        foreign.company_id = other
        local = self.env["res.partner"].create(
            {
                "name": "Local Person",
                "email": "shared@example.com",
                "mailchimp_sync": True,
            }
        )
        self.assertLess(foreign.id, local.id)
        self.sync()
        sent = self.fake.member(self.list_id, "shared@example.com")["merge_fields"]
        self.assertEqual((sent["FNAME"], sent["LNAME"]), ("Local", "Person"))

    def test_a_member_unsubscribed_by_an_admin_is_not_resubscribed(self):
        """Mailchimp may accept ``status: subscribed`` for a member an admin
        or the API unsubscribed (api-notes §6): the push, finding the member
        already there, updates it with ``status_if_new`` only."""
        self.audience.pull_cursor = fields.Datetime.now()  # no read first
        self.audience.last_full_pull = fields.Datetime.now()
        for by in ("admin", "api"):
            email = f"by-{by}@example.com"
            self.fake.add_member(
                self.list_id, email, status="unsubscribed", unsubscribed_by=by
            )
            self.env["res.partner"].create(
                {"name": "Again Here", "email": email, "mailchimp_sync": True}
            )
        self.sync()
        for by in ("admin", "api"):
            member = self.fake.member(self.list_id, f"by-{by}@example.com")
            self.assertEqual(member["status"], "unsubscribed", by)
            self.assertEqual(member["merge_fields"]["FNAME"], "Again", "updated")
