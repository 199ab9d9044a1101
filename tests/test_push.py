from odoo import fields
from odoo.tests import Form

from .common import MailchimpCase


class TestPush(MailchimpCase):
    def test_new_partners_one_call_per_500(self):
        partners = self.make_partners(1200)
        log = self.sync()
        self.assertEqual(self.upserts(), 3, "1,200 partners = exactly 3 batch calls")
        self.assertEqual(len(self.fake.members[self.list_id]), 1200)
        self.assertEqual((log.created, log.errors, log.state), (1200, 0, "done"))
        member = self.fake.member(self.list_id, "contact7@example.com")
        self.assertEqual(member["status"], "subscribed")
        self.assertEqual(member["merge_fields"]["FNAME"], "First7")
        self.assertEqual(member["merge_fields"]["LNAME"], "Last7")
        partner = partners[7]
        self.assertEqual(partner.mailchimp_status, "subscribed")
        self.assertEqual(partner.mailchimp_id, member["id"])
        self.assertEqual(partner.mailchimp_consent_source, "odoo")
        self.assertFalse(partner.mailchimp_need_sync)

    def test_field_change_updates_and_nothing_changed_sends_nothing(self):
        partner = self.make_partners(3)[1]
        self.sync()
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(self.upserts(), 0, "nothing changed: no upsert")
        partner.name = "Ann Lee"
        self.assertTrue(partner.mailchimp_need_sync)
        log = self.sync()
        self.assertEqual(self.upserts(), 1)
        ops = self.batch_operations()
        self.assertEqual(len(ops), 1, "only the changed one")
        self.assertEqual(ops[0]["method"], "PUT")
        self.assertEqual(ops[0]["body"]["email_address"], partner.email)
        self.assertNotIn(
            "status", ops[0]["body"], "a known member's status is not sent"
        )
        self.assertEqual(log.updated, 1)
        merge = self.fake.member(self.list_id, partner.email)["merge_fields"]
        self.assertEqual((merge["FNAME"], merge["LNAME"]), ("Ann", "Lee"))

    def test_double_optin_gives_pending(self):
        self.audience.double_optin = True
        self.make_partners(1)
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, "contact0@example.com")["status"], "pending"
        )

    def test_unflagged_partners_are_not_sent(self):
        self.make_partners(2, flagged=False)
        self.sync()
        self.assertEqual(self.upserts(), 0)

    def test_duplicates_invalid_and_blacklisted_are_reported_not_sent(self):
        first, second = self.make_partners(2, prefix="same")
        second.email = first.email
        invalid = self.make_partners(1, prefix="bad")
        invalid.email = "not-an-email"
        blacklisted = self.make_partners(1, prefix="black")
        self.env["mail.blacklist"]._add(blacklisted.email)
        log = self.sync()
        sent = [m["email_address"] for m in self.fake.calls[-1].body["members"]]
        self.assertEqual(sent, [first.email])
        self.assertIn("Duplicate email", second.mailchimp_error)
        self.assertIn("Invalid or missing email", invalid.mailchimp_error)
        self.assertIn("blacklisted", blacklisted.mailchimp_error)
        self.assertEqual(log.skipped, 3)
        self.assertEqual(
            sorted(log.line_ids.mapped("partner_id").ids),
            sorted((second | invalid | blacklisted).ids),
        )
        self.assertFalse(second.mailchimp_need_sync, "not retried until it changes")

    def test_address_only_when_complete(self):
        complete, partial = self.make_partners(2, country_id=self.country_us.id)
        complete.write(
            {
                "street": "1 Main St",
                "city": "Albany",
                "state_id": self.state_ny.id,
                "zip": "12207",
            }
        )
        partial.write({"street": "2 Main St", "city": "Albany"})
        log = self.sync()
        address = self.fake.member(self.list_id, complete.email)["merge_fields"][
            "ADDRESS"
        ]
        self.assertEqual(
            (
                address["addr1"],
                address["city"],
                address["state"],
                address["zip"],
                address["country"],
            ),
            ("1 Main St", "Albany", "NY", "12207", "US"),
        )
        self.assertFalse(
            self.fake.member(self.list_id, partial.email)["merge_fields"].get("ADDRESS")
        )
        line = log.line_ids.filtered(lambda line: line.partner_id == partial)
        self.assertIn("incomplete address (missing state, zip)", line.message)

    def test_phone_normalised(self):
        self.fake.add_merge_field(self.list_id, "USPHONE", "phone", phone_format="US")
        self.audience._refresh_merge_fields()
        self.env["mailchimp.field.mapping"].create(
            {
                "audience_id": self.audience.id,
                "merge_field_id": self.audience.merge_field_ids.filtered(
                    lambda f: f.tag == "USPHONE"
                ).id,
                "field_name": "phone",
            }
        )
        us, fr, bad = self.make_partners(3)
        us.write({"country_id": self.country_us.id, "phone": "(212) 555-0199"})
        fr.write({"country_id": self.env.ref("base.fr").id, "phone": "01 42 68 53 00"})
        bad.write({"phone": "12"})
        log = self.sync()
        merge_us = self.fake.member(self.list_id, us.email)["merge_fields"]
        self.assertEqual(merge_us["PHONE"], "+12125550199")
        self.assertEqual(merge_us["USPHONE"], "212-555-0199")
        merge_fr = self.fake.member(self.list_id, fr.email)["merge_fields"]
        self.assertEqual(merge_fr["PHONE"], "+33142685300")
        self.assertFalse(
            merge_fr.get("USPHONE"), "a French number does not fit a US field"
        )
        self.assertFalse(
            self.fake.member(self.list_id, bad.email)["merge_fields"].get("PHONE")
        )
        messages = " ".join(log.line_ids.mapped("message"))
        self.assertIn("not a US number", messages)
        self.assertIn("'12'", messages)

    def test_required_merge_fields_get_defaults_when_chosen(self):
        self.audience.required_policy = "default"
        self.fake.add_merge_field(self.list_id, "SOURCE", "text", required=True)
        self.fake.add_merge_field(self.list_id, "SCORE", "number", required=True)
        self.fake.add_merge_field(
            self.list_id, "TIER", "dropdown", required=True, choices=["Gold", "Silver"]
        )
        self.audience._refresh_merge_fields()
        partner = self.make_partners(1)
        log = self.sync()
        merge = self.fake.member(self.list_id, partner.email)["merge_fields"]
        self.assertEqual(
            (merge["SOURCE"], merge["SCORE"], merge["TIER"]), ("-", 0, "Gold")
        )
        self.assertEqual(log.errors, 0)

    def test_email_change_keeps_the_member(self):
        partner = self.make_partners(1)
        self.sync()
        old = dict(self.fake.member(self.list_id, partner.email))
        partner.email = "new.address@example.com"
        self.sync()
        self.assertIsNone(self.fake.member(self.list_id, "contact0@example.com"))
        new = self.fake.member(self.list_id, "new.address@example.com")
        self.assertEqual(new["web_id"], old["web_id"], "same member, history kept")
        self.assertEqual(new["unique_email_id"], old["unique_email_id"])
        self.assertEqual(len(self.fake.members[self.list_id]), 1)
        self.assertEqual(
            self.fake.count("PATCH", rf"/lists/{self.list_id}/members/{old['id']}"), 1
        )
        self.assertEqual(partner.mailchimp_id, new["id"])

    def test_email_change_of_cleaned_member_is_reported(self):
        partner = self.make_partners(1)
        self.sync()
        self.fake.set_status(self.list_id, partner.email, "cleaned")
        self.sync()
        partner.email = "new.address@example.com"
        self.sync()
        self.assertIn("cleaned", partner.mailchimp_error)
        self.assertIsNone(self.fake.member(self.list_id, "new.address@example.com"))

    def test_untick_archives(self):
        partner = self.make_partners(1)
        self.sync()
        partner.mailchimp_sync = False
        log = self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, partner.email)["status"], "archived"
        )
        self.assertEqual(partner.mailchimp_status, "archived")
        self.assertEqual(log.archived, 1)
        self.assertEqual(
            [op["method"] for op in self.batch_operations()],
            ["DELETE"],
            "archived, never deleted permanently",
        )
        self.assertFalse(self.fake.count("POST", r".*/delete-permanent"))

    def test_a_pending_member_unticked_is_archived_at_most_once(self):
        self.audience.double_optin = True
        partner = self.make_partners(1)
        self.sync()
        self.assertEqual(partner.mailchimp_status, "pending")
        partner.mailchimp_sync = False
        log = self.sync()
        self.sync()
        self.sync()
        self.assertEqual(len(self.batch_operations("DELETE")), 1, "asked once")
        self.assertEqual(
            self.fake.member(self.list_id, partner.email)["status"], "pending"
        )
        self.assertFalse(partner.mailchimp_member_id.need_sync)
        self.assertIn("Left in Mailchimp as it is", log.line_ids.mapped("message")[0])

    def test_untick_unsubscribe_policy(self):
        self.audience.untick_policy = "unsubscribe"
        partner = self.make_partners(1)
        self.sync()
        partner.mailchimp_sync = False
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, partner.email)["status"], "unsubscribed"
        )

    def test_retry_429_then_ok(self):
        self.make_partners(3)
        self.fake.fail("POST", rf"/lists/{self.list_id}", status=429, times=1)
        log = self.sync()
        self.assertEqual(self.upserts(), 2)
        self.assertEqual(len(self.fake.members[self.list_id]), 3)
        self.assertEqual((log.created, log.state), (3, "done"))

    def test_server_error_mid_run_keeps_unsent_flagged(self):
        # one connection: the batches go out one after the other
        self.account.parallel_connections = 1
        partners = self.make_partners(1200)
        # the first batch goes through, the second fails on every retry
        self.fake.fail_after(1, "POST", rf"/lists/{self.list_id}", status=500, times=5)
        log = self.sync()
        self.assertEqual(log.state, "failed")
        self.assertIn("server error", log.error_message)
        members = partners.mailchimp_member_id
        synced = members.filtered(lambda m: not m.need_sync)
        self.assertEqual(len(synced), 500)
        self.assertTrue(all(m.mailchimp_id for m in synced))
        self.assertEqual(len(members.filtered("need_sync")), 700)
        self.assertEqual(len(self.fake.members[self.list_id]), 500)
        # the next run sends the 700 others
        log = self.sync()
        self.assertEqual(log.created, 700)
        self.assertEqual(len(self.fake.members[self.list_id]), 1200)

    def test_member_refused_by_mailchimp(self):
        partner = self.make_partners(1)
        self.fake.forgotten.add(partner.email)
        log = self.sync()
        self.assertIn("permanently deleted", partner.mailchimp_error)
        self.assertFalse(
            partner.mailchimp_need_sync, "permanent errors are not retried"
        )
        self.assertEqual(log.errors, 1)
        partner.name = "Changed Name"
        self.assertTrue(partner.mailchimp_need_sync, "retried once the contact changes")

    def test_existing_unsubscribed_member_unknown_to_odoo_is_not_resubscribed(self):
        self.audience.pull_cursor = fields.Datetime.now()
        self.audience.last_full_pull = fields.Datetime.now()
        self.fake.add_member(
            self.list_id, "contact0@example.com", status="unsubscribed"
        )
        partner = self.make_partners(1)
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, partner.email)["status"], "unsubscribed"
        )
        self.assertEqual(
            self.fake.member(self.list_id, partner.email)["merge_fields"]["FNAME"],
            "First0",
        )
        self.assertEqual(partner.mailchimp_status, "unsubscribed")

    def test_partner_sync_now_button(self):
        partner = self.make_partners(1)
        action = partner.action_mailchimp_sync_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.upserts(), 1)
        self.assertEqual(partner.mailchimp_status, "subscribed")

    def test_enable_action_on_many(self):
        partners = self.make_partners(5, flagged=False)
        action = self.env.ref("mailchimp_sync.res_partner_action_enable_mailchimp")
        action.with_context(active_model="res.partner", active_ids=partners.ids).run()
        self.assertTrue(all(partners.mapped("mailchimp_sync")))
        self.assertEqual(len(partners.mailchimp_member_ids), 5)

    def test_partner_form_checkbox(self):
        with Form(self.env["res.partner"]) as form:
            form.name = "Form Contact"
            form.email = "form@example.com"
            form.mailchimp_sync = True
        partner = form.record
        self.assertEqual(partner.mailchimp_audience_id, self.audience)
        self.assertTrue(partner.mailchimp_need_sync)


class TestPartnerHistory(MailchimpCase):
    def test_partner_sees_why_it_was_not_sent(self):
        partner = self.make_partners(1)
        partner.email = "broken@"
        self.sync()
        self.assertEqual(partner.mailchimp_log_line_ids.kind, "skipped")
        self.assertIn(
            "Invalid or missing email", partner.mailchimp_log_line_ids.message
        )
        self.assertEqual(
            partner.mailchimp_log_line_ids.log_id, self.audience._last_log()
        )
