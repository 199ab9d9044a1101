"""A contact's whole life and merge values users trust."""

import datetime

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from ..services import subscriber_hash
from .common import USER_GROUPS, MailchimpCase


class TestMergeValues(MailchimpCase):
    def add_date_fields(self):
        self.env["ir.model.fields"].create(
            {
                "name": "x_birthday",
                "field_description": "Birthday",
                "model_id": self.env.ref("base.model_res_partner").id,
                "ttype": "date",
            }
        )
        self.fake.add_merge_field(self.list_id, "BDAY", "birthday", date_format="DD/MM")
        self.fake.add_merge_field(
            self.list_id, "JOINED", "date", date_format="DD/MM/YYYY"
        )
        self.audience._refresh_merge_fields()
        fields_by_tag = {f.tag: f for f in self.audience.merge_field_ids}
        self.env["mailchimp.field.mapping"].create(
            [
                {
                    "audience_id": self.audience.id,
                    "merge_field_id": fields_by_tag[tag].id,
                    "field_name": "x_birthday",
                }
                for tag in ("BDAY", "JOINED")
            ]
        )

    def test_item10_dates_follow_the_merge_field_format_both_ways(self):
        self.add_date_fields()
        self.assertEqual(
            self.audience.merge_field_ids.filtered(
                lambda f: f.tag == "BDAY"
            ).date_format,
            "DD/MM",
        )
        partner = self.make_partners(1, x_birthday=datetime.date(1990, 12, 24))
        log = self.sync()
        self.assertFalse(log.errors)
        merge = self.fake.member(self.list_id, partner.email)["merge_fields"]
        # written as Mailchimp documents, not in the display format
        self.assertEqual(merge["BDAY"], "12/24")
        self.assertEqual(merge["JOINED"], "1990-12-24")
        # a birthday edited in Mailchimp comes back with the year Odoo has
        self.audience.conflict_policy = "mailchimp"
        self.env["mailchimp.field.mapping"].search(
            [("merge_field_id.tag", "=", "JOINED")]
        ).direction = "odoo_to_mc"
        self.fake.set_merge(self.list_id, partner.email, BDAY="25/12")
        self.sync()
        self.assertEqual(partner.x_birthday, datetime.date(1990, 12, 25))

    def test_item11_companies_are_not_people(self):
        company = self.env["res.partner"].create(
            {
                "name": "Azure Interior",
                "is_company": True,
                "email": "info@azure.example.com",
                "mailchimp_sync": True,
            }
        )
        self.fake.add_merge_field(self.list_id, "COMPANY", "text")
        self.audience._refresh_merge_fields()
        self.sync()
        merge = self.fake.member(self.list_id, company.email)["merge_fields"]
        self.assertFalse(merge.get("FNAME"))
        self.assertFalse(merge.get("LNAME"))
        self.assertEqual(merge["COMPANY"], "Azure Interior")
        # a person's name typed in Mailchimp does not rename the company
        self.audience.conflict_policy = "mailchimp"
        self.fake.set_merge(self.list_id, company.email, FNAME="Ann", LNAME="Lee")
        self.sync()
        self.assertEqual(company.name, "Azure Interior")


class TestContactLife(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.partners = self.make_partners(3)
        self.sync()

    def remote(self, partner_or_email):
        email = getattr(partner_or_email, "email", partner_or_email)
        return self.fake.member(self.list_id, email)

    def messages(self, log):
        return " | ".join(log.line_ids.mapped("message"))

    def test_item01_deleting_a_synced_contact_archives_it_and_remembers(self):
        gone = self.partners[:2]
        emails = gone.mapped("email")
        gone.unlink()
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(self.fake.count("DELETE"), 0, "no call per contact")
        self.assertEqual(
            [op["method"] for op in self.batch_operations()], ["DELETE", "DELETE"]
        )
        for email in emails:
            self.assertEqual(self.remote(email)["status"], "archived")
        self.assertEqual(self.remote(self.partners[2])["status"], "subscribed")
        self.assertFalse(
            self.env["mailchimp.member"].search([("email", "in", emails)]),
            "their member rows are cleaned up once Mailchimp has the change",
        )
        # someone re-adds one in Mailchimp: it does not come back as a contact
        self.audience.create_partners = True
        self.fake.set_status(self.list_id, emails[0], "subscribed")
        log = self.sync()
        self.assertFalse(self.env["res.partner"].search([("email", "=", emails[0])]))
        self.assertIn("this contact was deleted in Odoo", self.messages(log))

    def test_item02_merging_contacts_keeps_one_member_and_the_unsubscribe(self):
        keeper = self.partners[0]
        twin = self.make_partners(1, flagged=True, prefix="twin")
        twin.email = keeper.email
        self.fake.set_status(self.list_id, keeper.email, "unsubscribed")
        self.sync()
        self.assertEqual(keeper.mailchimp_status, "unsubscribed")
        wizard = self.env["base.partner.merge.automatic.wizard"]
        wizard._merge((keeper | twin).ids, dst_partner=twin)
        self.assertFalse(keeper.exists())
        self.assertEqual(twin.mailchimp_status, "unsubscribed", "unsubscribe survives")
        self.assertEqual(
            twin.mailchimp_id, self.remote(twin)["id"], "the member moved to the twin"
        )
        self.sync()
        self.assertEqual(self.remote(twin)["status"], "unsubscribed")
        # a merged-away contact with another email is archived in Mailchimp
        other = self.partners[1]
        wizard._merge((other | self.partners[2]).ids, dst_partner=self.partners[2])
        self.sync()
        self.assertEqual(self.remote("contact1@example.com")["status"], "archived")
        self.assertEqual(self.remote(self.partners[2])["status"], "subscribed")

    def test_item02_merged_by_someone_without_a_mailchimp_role_stays_synced(self):
        """Odoo's merge fills the survivor's empty fields from the merged
        contact, but only those its user may read: the sync's fields follow
        the same rule whoever merges, so the member moved to the survivor
        is not archived (nor the merge refused to a Mailchimp reader)."""
        for login, groups in (
            ("merge_plain", "base.group_partner_manager,base.group_erp_manager"),
            ("merge_reader", f"{USER_GROUPS},base.group_erp_manager"),
        ):
            with self.subTest(login=login):
                keeper = self.make_partners(1, prefix=login)
                self.sync()
                duplicate = self.env["res.partner"].create(
                    {"name": "Duplicate", "email": keeper.email}
                )
                user = new_test_user(self.env, login=login, groups=groups)
                self.env["base.partner.merge.automatic.wizard"].with_user(user)._merge(
                    (keeper | duplicate).ids, dst_partner=duplicate.with_user(user)
                )
                self.sync()
                self.assertEqual(self.remote(duplicate)["status"], "subscribed")
                self.assertEqual(duplicate.mailchimp_status, "subscribed")
                self.assertTrue(duplicate.mailchimp_sync)
                self.assertEqual(duplicate.mailchimp_audience_id, self.audience)

    def test_item02_a_merge_keeps_the_box_and_its_audience_together(self):
        """An unticked survivor kept an audience of its own: merged with a
        contact ticked for the test audience, it is ticked for that audience,
        not for the one it was never ticked for."""
        second_id = self.fake.add_list("Second")
        self.audience.account_id.action_import_audiences()
        second = self.audience.account_id.audience_ids.filtered(
            lambda a: a.mailchimp_id == second_id
        )
        keeper = self.make_partners(1, prefix="pair")
        self.sync()
        duplicate = self.env["res.partner"].create(
            {
                "name": "Duplicate",
                "email": keeper.email,
                "mailchimp_audience_id": second.id,
            }
        )
        user = new_test_user(
            self.env,
            login="merge_pair",
            groups="base.group_partner_manager,base.group_erp_manager",
        )
        self.env["base.partner.merge.automatic.wizard"].with_user(user)._merge(
            (keeper | duplicate).ids, dst_partner=duplicate.with_user(user)
        )
        self.assertTrue(duplicate.mailchimp_sync)
        self.assertEqual(duplicate.mailchimp_audience_id, self.audience)
        self.sync(second)
        self.assertIsNone(self.fake.member(second_id, duplicate.email))

    def test_item06_forget_in_mailchimp(self):
        person = self.partners[0]
        email = person.email
        action = person.action_mailchimp_forget()
        self.assertIn(f"{person.name} erased", action["params"]["message"])
        self.env["mailchimp.erasure"]._cron_erase()  # once the request is saved
        self.assertIsNone(self.remote(email), "permanently deleted in Mailchimp")
        self.assertIn(email, self.fake.forgotten)
        self.assertFalse(person.mailchimp_member_ids)
        self.assertFalse(person.mailchimp_sync)
        self.assertFalse(
            self.env["mailchimp.sync.log.line"].search([("email", "=", email)])
        )
        # ticking the contact again never re-adds them: a known, final state
        self.fake.reset_calls()
        person.mailchimp_sync = True
        log = self.sync()
        self.assertEqual(self.upserts(), 0)
        self.assertEqual(log.errors, 0)
        self.assertIn("Erased from Mailchimp (GDPR request)", person.mailchimp_notice)

    def test_item06_forget_is_for_managers_only(self):
        user = new_test_user(
            self.env,
            login="mc_reader",
            groups="base.group_user,base.group_partner_manager,"
            "mailchimp_sync.group_mailchimp_user",
        )
        self.fake.reset_calls()
        with self.assertRaises(AccessError):
            self.partners[0].with_user(user).action_mailchimp_forget()
        self.assertFalse(self.fake.calls)

    def test_item07_ask_to_resubscribe(self):
        person = self.partners[0]
        self.fake.set_status(self.list_id, person.email, "unsubscribed")
        self.sync()
        wizard = (
            self.env["mailchimp.resubscribe.wizard"]
            .with_context(active_model="res.partner", active_ids=person.ids)
            .create({"consent_source": "Phone call of 20 November"})
        )
        action = wizard.action_confirm()
        self.assertIn(
            f"Confirmation email requested for {person.email}",
            action["params"]["message"],
        )
        self.assertEqual(self.remote(person)["status"], "pending")
        self.assertEqual(person.mailchimp_status, "pending")
        self.assertTrue(person.mailchimp_pending_since)
        # at most once per 30 days
        self.fake.set_status(self.list_id, person.email, "unsubscribed")
        self.sync()
        again = (
            self.env["mailchimp.resubscribe.wizard"]
            .with_context(active_model="res.partner", active_ids=person.ids)
            .create({"consent_source": "again"})
        )
        with self.assertRaisesRegex(UserError, "at most once every 30 days"):
            again.action_confirm()

    def test_item07_a_refusal_keeps_the_asks_mailchimp_already_sent(self):
        """Mailchimp emailed the first contact when it refuses the second:
        the first stays recorded as asked (pending, its 30 days counted), the
        refusal is said, nothing of it is rolled back."""
        first, second = self.partners[:2]
        for person in (first, second):
            self.fake.set_status(self.list_id, person.email, "unsubscribed")
        self.sync()
        self.fake.fail(
            "PATCH",
            rf"/lists/{self.list_id}/members/{subscriber_hash(second.email)}",
            status=400,
            body={
                "title": "Invalid Resource",
                "detail": "The resource submitted could not be validated.",
            },
        )
        action = (
            self.env["mailchimp.resubscribe.wizard"]
            .with_context(active_model="res.partner", active_ids=(first | second).ids)
            .create({"consent_source": "Signed form"})
            .action_confirm()
        )
        message = action["params"]["message"]
        self.assertIn(f"Confirmation email requested for {first.email}", message)
        self.assertIn(second.email, message)
        self.assertEqual(self.remote(first)["status"], "pending")
        self.assertEqual(first.mailchimp_status, "pending")
        self.assertTrue(first.mailchimp_pending_since)
        self.assertEqual(second.mailchimp_status, "unsubscribed")

    def test_item07_asking_contacts_mailchimp_does_not_have_asks_nobody(self):
        never = self.env["res.partner"].create(
            {"name": "Never Ticked", "email": "never@example.com"}
        )
        waiting = self.make_partners(1, prefix="waiting")  # ticked, not yet sent
        wizard = (
            self.env["mailchimp.resubscribe.wizard"]
            .with_context(active_model="res.partner", active_ids=(never | waiting).ids)
            .create({"consent_source": "Fair"})
        )
        calls = len(self.fake.calls)
        # not "0 confirmation emails requested", not "False: ..."
        with self.assertRaises(UserError) as refused:
            wizard.action_confirm()
        lines = str(refused.exception).splitlines()
        self.assertEqual(
            lines,
            [
                "Never Ticked: not in Mailchimp",
                f"{waiting.display_name}: not in Mailchimp",
            ],
        )
        self.assertEqual(len(self.fake.calls), calls, "nothing asked of Mailchimp")

    def test_item04_switching_audience_unticks_the_old_one(self):
        second_id = self.fake.add_list("Second")
        self.audience.account_id.action_import_audiences()
        second = self.audience.account_id.audience_ids.filtered(
            lambda a: a.mailchimp_id == second_id
        )
        mover = self.partners[0]
        wizard = (
            self.env["mailchimp.change.audience.wizard"]
            .with_context(active_model="res.partner", active_ids=mover.ids)
            .create({"audience_id": second.id})
        )
        action = wizard.action_confirm()
        self.assertIn(f"{mover.name} moved to", action["params"]["message"])
        self.assertIn(
            f"In {self.audience.name} it applies “Archive the member”.",
            action["params"]["message"],
        )
        self.sync(second)
        self.sync()
        self.assertEqual(self.remote(mover)["status"], "archived", "old audience")
        self.assertEqual(
            self.fake.member(second_id, mover.email)["status"], "subscribed"
        )
        self.assertEqual(
            mover.mailchimp_member_ids.audience_id, second, "stale row gone"
        )
        # later edits go to the new audience only
        self.fake.reset_calls()
        mover.name = "Moved Person"
        self.sync()
        self.sync(second)
        self.assertEqual(self.fake.count("POST", rf"/lists/{self.list_id}"), 0)
        self.assertEqual(
            self.fake.member(second_id, mover.email)["merge_fields"]["FNAME"], "Moved"
        )

    def test_moving_contacts_says_what_the_next_sync_does_with_them(self):
        second_id = self.fake.add_list("Second")
        self.audience.account_id.action_import_audiences()
        second = self.audience.account_id.audience_ids.filtered(
            lambda a: a.mailchimp_id == second_id
        )
        unticked = self.make_partners(1, flagged=False, prefix="unticked")

        def move(partners, audience):
            wizard = (
                self.env["mailchimp.change.audience.wizard"]
                .with_context(active_model="res.partner", active_ids=partners.ids)
                .create({"audience_id": audience.id})
            )
            return wizard.action_confirm()

        # not "the next sync sends it there": an unticked contact is not sent
        message = move(unticked, second)["params"]["message"]
        self.assertIn(f"{unticked.name} moved to {second.name}", message)
        self.assertIn("not sent until “Sync with Mailchimp” is ticked", message)
        self.assertNotIn("the next sync sends", message)
        # not "0 contacts moved to …: the next sync sends them there"
        with self.assertRaisesRegex(UserError, f"already in {second.name}"):
            move(unticked, second)

    def test_moving_contacts_names_each_former_audience_s_own_untick_policy(self):
        second_id = self.fake.add_list("Second")
        self.audience.account_id.action_import_audiences()
        second = self.audience.account_id.audience_ids.filtered(
            lambda a: a.mailchimp_id == second_id
        )
        self.audience.untick_policy = "keep"
        movers = self.partners[:2]
        action = (
            self.env["mailchimp.change.audience.wizard"]
            .with_context(active_model="res.partner", active_ids=movers.ids)
            .create({"audience_id": second.id})
            .action_confirm()
        )
        message = action["params"]["message"]
        self.assertIn("2 contacts moved to Second", message)
        self.assertIn(
            f"In {self.audience.name} it applies “Leave the member as is”.", message
        )
        self.assertNotIn("Archive the member", message)


class TestRequiredAndMessages(MailchimpCase):
    def add_required_tier(self):
        self.fake.add_merge_field(
            self.list_id, "TIER", "dropdown", required=True, choices=["Gold", "Silver"]
        )
        self.audience._refresh_merge_fields()

    def test_item09_required_fields_left_empty_by_default(self):
        self.add_required_tier()
        partner = self.make_partners(1)
        log = self.sync()
        self.assertFalse(log.errors)
        member = self.fake.member(self.list_id, partner.email)
        self.assertNotIn("TIER", member["merge_fields"], "nothing invented")
        call = next(c for c in self.fake.calls if c.path == f"/lists/{self.list_id}")
        self.assertEqual(call.query.get("skip_merge_validation"), "true")
        wizard = self.env["mailchimp.field.mapping.wizard"]._open(self.audience)
        wizard = self.env["mailchimp.field.mapping.wizard"].browse(wizard["res_id"])
        self.assertIn(
            "Required in Mailchimp and not mapped: TIER", wizard.required_warning
        )
        wizard.action_preview()
        self.assertNotIn("Gold", wizard.preview)

    def test_item09_fill_with_defaults_or_do_not_send(self):
        self.add_required_tier()
        self.audience.required_policy = "default"
        first = self.make_partners(1, prefix="first")
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, first.email)["merge_fields"]["TIER"], "Gold"
        )
        wizard = self.env["mailchimp.field.mapping.wizard"]._open(self.audience)
        wizard = self.env["mailchimp.field.mapping.wizard"].browse(wizard["res_id"])
        wizard.action_preview()
        self.assertIn(
            ("TIER", "Gold"),
            {(row[1], row[2]) for row in wizard._preview_rows()},
            "the preview shows the default",
        )
        self.assertIn("Gold", wizard.preview)
        self.audience.required_policy = "skip"
        second = self.make_partners(1, prefix="second")
        log = self.sync()
        self.assertIsNone(self.fake.member(self.list_id, second.email))
        self.assertIn("Required in Mailchimp and empty: TIER", second.mailchimp_error)
        self.assertEqual(log.skipped, 1)

    def test_item03_untick_then_tick_again_restores_the_status(self):
        partner = self.make_partners(1)
        self.sync()
        partner.mailchimp_sync = False
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, partner.email)["status"], "archived"
        )
        partner.mailchimp_sync = True
        log = self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, partner.email)["status"], "subscribed"
        )
        self.assertEqual(partner.mailchimp_status, "subscribed")
        self.assertIn(
            "restored to subscribed", " ".join(log.line_ids.mapped("message"))
        )
        # an unsubscribed member ticked again stays unsubscribed, and says so
        other = self.make_partners(1, prefix="other")
        self.sync()
        self.fake.set_status(self.list_id, other.email, "unsubscribed")
        self.sync()
        other.mailchimp_sync = False
        self.sync()
        other.mailchimp_sync = True
        other.name = "Other Again"
        log = self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, other.email)["status"], "unsubscribed"
        )
        self.assertEqual(other.mailchimp_status, "unsubscribed")
        self.assertIn(
            "never re-subscribed by Odoo", " ".join(log.line_ids.mapped("message"))
        )

    def test_item08_consent_fields_tell_the_truth(self):
        self.fake.add_member(self.list_id, "known@example.com")
        opt_in = self.fake.member(self.list_id, "known@example.com")["timestamp_opt"]
        partner = self.make_partners(1, prefix="known")
        partner.email = "known@example.com"
        self.sync()
        self.assertEqual(partner.mailchimp_consent_source, "mailchimp")
        self.assertEqual(
            fields.Datetime.to_string(partner.mailchimp_consent_date),
            opt_in.replace("T", " ")[:19],
            "Mailchimp's own opt-in time",
        )
        consent_date = partner.mailchimp_consent_date
        partner.mailchimp_sync = False
        self.sync()
        self.assertEqual(partner.mailchimp_status, "archived")
        self.assertEqual(
            partner.mailchimp_consent_date, consent_date, "archiving keeps it"
        )

    def test_item12_sync_now_says_what_happened(self):
        partner = self.make_partners(1)
        action = partner.action_mailchimp_sync_now()
        self.assertIn("1 created", action["params"]["message"])
        partner.name = "Changed Name"
        action = partner.action_mailchimp_sync_now()
        self.assertIn("1 updated", action["params"]["message"])
        self.account.state = "error"
        with self.assertRaisesRegex(UserError, "Nothing was sent"):
            partner.action_mailchimp_sync_now()
