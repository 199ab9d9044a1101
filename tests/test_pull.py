from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user

from .common import MANAGER_GROUPS, MailchimpCase


class TestPull(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.partner = self.make_partners(1)
        self.sync()
        self.fake.reset_calls()

    def test_unsubscribe_pulled_and_never_undone(self):
        self.fake.set_status(self.list_id, self.partner.email, "unsubscribed")
        log = self.sync()
        self.assertEqual(log.unsubscribes, 1)
        self.assertEqual(self.partner.mailchimp_status, "unsubscribed")
        self.assertEqual(self.partner.mailchimp_consent_source, "mailchimp")
        self.assertTrue(self.partner.mailchimp_consent_date)
        self.assertFalse(self.partner.mailchimp_need_sync, "a pull sets no push flag")
        self.partner.name = "Still Here"
        self.sync()
        member = self.fake.member(self.list_id, self.partner.email)
        self.assertEqual(member["status"], "unsubscribed", "Odoo never re-subscribes")
        self.assertEqual(member["merge_fields"]["FNAME"], "Still")

    def test_unsubscribe_blacklists_when_asked(self):
        self.audience.blacklist_unsubscribes = True
        self.fake.set_status(self.list_id, self.partner.email, "unsubscribed")
        self.sync()
        self.assertTrue(self.partner.is_blacklisted)

    def test_incremental_pull_reads_only_changes(self):
        self.fake.reset_calls()
        self.sync()
        call = self.fake.calls[0]
        self.assertEqual(call.method, "GET")
        self.assertIn("since_last_changed", call.query)
        self.assertEqual(call.query["count"], "1000")

    def test_the_re_read_overlap_never_skips_changes(self):
        """A negative overlap would start the next read after the last one
        ended (changes made in between never read); a huge one, before the
        first year (every run failing): both refused, also to a manager's
        RPC call (the field is on the administrators' part of the form)."""
        manager = new_test_user(self.env, login="overlap_mgr", groups=MANAGER_GROUPS)
        audience = self.audience.with_user(manager)
        for minutes in (-60, 2**31 - 1):
            with self.subTest(minutes=minutes), self.assertRaises(ValidationError):
                audience.write({"pull_overlap_minutes": minutes})
        audience.write({"pull_overlap_minutes": 0})
        self.assertEqual(self.audience.pull_overlap_minutes, 0)

    def test_the_reporting_windows_are_bounded(self):
        """A huge window overflowed the dates (every run failing), a negative
        activity window skipped activity: refused, also to a manager."""
        manager = new_test_user(self.env, login="window_mgr", groups=MANAGER_GROUPS)
        audience = self.audience.with_user(manager)
        for vals in (
            {"conversion_window_days": 2**31 - 1},
            {"conversion_window_days": 0},
            {"activity_window_hours": 2**31 - 1},
            {"activity_window_hours": -1},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                audience.write(vals)
        audience.write({"conversion_window_days": 90, "activity_window_hours": 48})
        self.assertEqual(self.audience.activity_window_hours, 48)

    def change_name_both_sides(self, policy, odoo_newer):
        """The name changes on both sides; Odoo's change is newer or older."""
        self.audience.conflict_policy = policy
        self.fake.set_merge(
            self.list_id, self.partner.email, FNAME="Chimp", LNAME="Name"
        )
        self.partner.name = "Odoo Name"
        shift = timedelta(hours=2 if odoo_newer else -2)
        self.partner.mailchimp_member_id.odoo_changed_at = fields.Datetime.now() + shift
        self.sync()
        remote = self.fake.member(self.list_id, self.partner.email)["merge_fields"]
        return self.partner.name, f"{remote['FNAME']} {remote['LNAME']}"

    def test_policy_mailchimp_wins(self):
        self.assertEqual(
            self.change_name_both_sides("mailchimp", odoo_newer=True),
            ("Chimp Name", "Chimp Name"),
        )

    def test_policy_odoo_wins(self):
        self.assertEqual(
            self.change_name_both_sides("odoo", odoo_newer=False),
            ("Odoo Name", "Odoo Name"),
        )

    def test_policy_most_recent_mailchimp_newer(self):
        self.partner.mailchimp_member_id.odoo_changed_at = (
            fields.Datetime.now() - timedelta(days=1)
        )
        self.fake.set_merge(
            self.list_id, self.partner.email, FNAME="Chimp", LNAME="Name"
        )
        self.sync()
        self.assertEqual(self.partner.name, "Chimp Name")
        self.assertFalse(
            self.partner.mailchimp_need_sync, "the pull does not echo back"
        )

    def test_policy_most_recent_odoo_newer(self):
        self.assertEqual(
            self.change_name_both_sides("recent", odoo_newer=True),
            ("Odoo Name", "Odoo Name"),
        )

    def test_mailchimp_only_change_with_odoo_wins_is_overwritten(self):
        self.audience.conflict_policy = "odoo"
        self.fake.set_merge(self.list_id, self.partner.email, FNAME="Chimp")
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, self.partner.email)["merge_fields"]["FNAME"],
            "First0",
        )

    def test_new_mailchimp_member_creates_partner(self):
        self.audience.create_partners = True
        self.fake.add_member(
            self.list_id,
            "new.chimp@example.com",
            merge_fields={"FNAME": "New", "LNAME": "Chimp"},
        )
        log = self.sync()
        partner = self.env["res.partner"].search(
            [("email", "=", "new.chimp@example.com")]
        )
        self.assertEqual(partner.name, "New Chimp")
        self.assertTrue(partner.mailchimp_sync)
        self.assertEqual(partner.mailchimp_status, "subscribed")
        self.assertEqual(partner.mailchimp_consent_source, "mailchimp")
        self.assertEqual(log.partners_created, 1)
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(self.upserts(), 0, "no echo of the created contact")

    def test_new_mailchimp_member_matches_existing_partner_by_email(self):
        other = self.make_partners(1, flagged=False, prefix="known")
        twin = self.make_partners(1, flagged=False, prefix="known")
        self.fake.add_member(self.list_id, other.email)
        log = self.sync()
        self.assertEqual(other.mailchimp_member_ids.status, "subscribed")
        self.assertFalse(twin.mailchimp_member_ids)
        self.assertEqual(
            log.line_ids.filtered(lambda line: line.kind == "duplicate").partner_id,
            twin,
        )

    def test_unknown_member_without_creation_is_ignored(self):
        self.fake.add_member(self.list_id, "stranger@example.com")
        self.sync()
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "stranger@example.com")])
        )

    def test_deleted_in_mailchimp_turns_flag_off(self):
        self.fake.delete_member(self.list_id, self.partner.email, permanent=True)
        self.audience.action_full_resync()
        log = self.audience._last_log()
        self.assertFalse(self.partner.mailchimp_sync)
        self.assertIn("Deleted in Mailchimp", " ".join(log.line_ids.mapped("message")))
        self.assertEqual(self.upserts(), 0, "not re-created")

    def test_archived_in_mailchimp_turns_flag_off(self):
        self.fake.delete_member(self.list_id, self.partner.email)
        self.sync()
        self.assertFalse(self.partner.mailchimp_sync)
        self.assertEqual(self.partner.mailchimp_member_ids.status, "archived")

    def test_pull_pages_of_1000(self):
        for i in range(2500):
            self.fake.add_member(self.list_id, f"bulk{i}@example.com")
        self.audience.create_partners = True
        self.fake.reset_calls()
        log = self.sync()
        self.assertEqual(self.fake.count("GET", rf"/lists/{self.list_id}/members"), 3)
        self.assertEqual(log.partners_created, 2500)


class TestCreateContactsFromMailchimp(MailchimpCase):
    """Issue 14 item 5: 'Create contacts from Mailchimp' reads everything
    once, creates contacts from subscribed members only, and says so."""

    def test_item05_create_contacts_reads_all_subscribed_members_once(self):
        self.make_partners(1)
        self.sync()  # a first run: the cursor moves on
        self.fake.add_member(self.list_id, "older.subscriber@example.com")
        self.fake.add_member(
            self.list_id, "gone.away@example.com", status="unsubscribed"
        )
        self.audience.pull_cursor = fields.Datetime.now() + timedelta(hours=1)
        self.audience.last_full_pull = fields.Datetime.now() + timedelta(hours=1)
        self.audience.create_partners = True
        log = self.sync()
        self.assertEqual(log.kind, "sync", "the user asked a sync")
        self.assertTrue(log.full_read, "turning it on makes the next read full")
        created = self.env["res.partner"].search(
            [("email", "=", "older.subscriber@example.com")]
        )
        self.assertTrue(created.mailchimp_sync)
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "gone.away@example.com")]),
            "an unsubscribed member creates no contact",
        )
        messages = " | ".join(log.line_ids.mapped("message"))
        self.assertIn("Not created: unsubscribed in Mailchimp", messages)
        action = log.action_open_created_partners()
        self.assertEqual(
            self.env["res.partner"].search(action["domain"]), created, "reachable"
        )
