"""Issue 13: what Mailchimp says (pages, members, webhook deliveries) cannot
damage Odoo data or consent. Each test is named after the item it pins."""

import json
from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .clock import fired_at
from .common import MailchimpCase
from .webhook_case import WebhookCase

MEMBERS = r"/lists/[^/]+/members"
BROKEN_PAGES = {
    "truncated JSON": lambda data: json.dumps(data)[:60],
    "empty object": lambda data: {},
    "members null": lambda data: dict(data, members=None),
}


class TestPullTrust(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.partners = self.make_partners(30)
        self.sync()
        self.assertEqual(set(self.partners.mapped("mailchimp_status")), {"subscribed"})

    def lines(self, log):
        return " | ".join(log.line_ids.mapped("message"))

    def assertAllSynced(self):
        self.assertTrue(all(self.partners.mapped("mailchimp_sync")), "none unticked")
        self.assertEqual(
            set(self.partners.mailchimp_member_ids.mapped("status")), {"subscribed"}
        )

    # ------------------------------------------------------------ item 1
    def test_item01_broken_page_of_a_full_read_changes_nothing(self):
        for name, change in BROKEN_PAGES.items():
            with self.subTest(name):
                self.fake.mangle("GET", MEMBERS, change)
                self.audience.action_full_resync()
                log = self.audience._last_log()
                self.assertEqual(log.state, "failed")
                self.assertIn("malformed answer", log.error_message)
                self.assertAllSynced()
                self.assertFalse(self.audience.pull_running, "not left running")
                self.assertFalse(self.audience.current_log_id)

    def test_item01_incomplete_read_takes_nobody_for_deleted(self):
        gone = self.partners[0]
        self.fake.delete_member(self.list_id, gone.email, permanent=True)
        # Mailchimp announces more members than it sends
        self.fake.mangle(
            "GET", MEMBERS, lambda data: dict(data, total_items=data["total_items"] + 5)
        )
        self.audience.action_full_resync()
        log = self.audience._last_log()
        self.assertEqual(log.state, "done")
        self.assertIn("The read was incomplete (29 of 34 members)", self.lines(log))
        self.assertTrue(gone.mailchimp_sync, "not unticked on an incomplete read")
        # the next complete read removes it
        self.audience.action_full_resync()
        self.assertFalse(gone.mailchimp_sync)

    def test_item01_brake_holds_mass_removal_until_a_manager_applies_it(self):
        removed = self.partners[:25]
        for partner in removed:
            self.fake.delete_member(self.list_id, partner.email, permanent=True)
        self.audience.action_full_resync()
        log = self.audience._last_log()
        self.assertEqual(log.removal_state, "held")
        self.assertEqual(len(log.removal_member_ids), 25)
        self.assertIn("more than the brake allows", self.lines(log))
        self.assertAllSynced()
        log.action_apply_removals()
        self.assertEqual(log.removal_state, "applied")
        self.assertFalse(any(removed.mapped("mailchimp_sync")))
        self.assertTrue(all((self.partners - removed).mapped("mailchimp_sync")))

    def test_item01_archived_in_mailchimp_at_scale_is_braked_too(self):
        for partner in self.partners[:22]:
            self.fake.delete_member(self.list_id, partner.email)
        log = self.sync()
        self.assertEqual(log.removal_state, "held")
        self.assertTrue(all(self.partners.mapped("mailchimp_sync")))

    # ------------------------------------------------------------ item 3
    def test_item03_only_contacts_ticked_for_the_audience_get_merge_values(self):
        unticked = self.make_partners(1, flagged=False, prefix="unticked")
        other_company = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.make_partners(
            1, flagged=False, prefix="foreign", company_id=other_company.id
        )
        ticked = self.partners[0]
        self.fake.add_member(self.list_id, unticked.email, merge_fields={"FNAME": "X"})
        self.fake.add_member(self.list_id, foreign.email, merge_fields={"FNAME": "Y"})
        self.fake.set_status(self.list_id, ticked.email, "pending")
        self.fake.set_merge(self.list_id, ticked.email, FNAME="Pending")
        self.audience.conflict_policy = "mailchimp"
        log = self.sync()
        self.assertEqual(unticked.name, "First0 Last0", "unticked: not written")
        self.assertEqual(unticked.mailchimp_member_ids.status, "subscribed")
        self.assertIn("In Mailchimp, not synced", self.lines(log))
        self.assertEqual(foreign.name, "First0 Last0")
        self.assertFalse(foreign.mailchimp_member_ids, "another company's contact")
        self.assertEqual(ticked.name, "First0 Last0", "never from a pending member")
        # the next run neither links nor logs them again
        log = self.sync()
        self.assertEqual(len(unticked.mailchimp_member_ids), 1)

    def test_item03_create_contacts_never_duplicates_a_known_email(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.make_partners(
            1, flagged=False, prefix="foreign", company_id=other_company.id
        )
        self.audience.create_partners = True
        self.fake.add_member(self.list_id, foreign.email)
        self.sync()
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", foreign.email)]), 1
        )

    # ------------------------------------------------------------ item 4
    def test_item04_member_with_a_path_as_id_is_skipped(self):
        victim = self.partners[0]

        def poison(data):
            for member in data["members"]:
                if member["email_address"] == victim.email:
                    member["id"] = "../../../lists/other-audience"
            return data

        self.fake.set_merge(self.list_id, victim.email, FNAME="Poisoned")
        self.fake.mangle("GET", MEMBERS, poison)
        log = self.sync()
        self.assertEqual(log.state, "done")
        self.assertIn("member id", self.lines(log))
        self.assertEqual(victim.mailchimp_id, victim.mailchimp_member_id.mailchimp_id)
        self.assertRegex(victim.mailchimp_id, r"^[0-9a-f]{32}$")
        self.assertEqual(victim.name, "First0 Last0")

    # ------------------------------------------------------------ item 11
    def test_item11_html_or_list_page_fails_the_run_cleanly(self):
        cases = [
            (lambda data: "<html>Service Unavailable</html>", "text/html"),
            (lambda data: [data], None),
        ]
        for change, content_type in cases:
            self.fake.mangle("GET", MEMBERS, change, content_type=content_type)
            self.audience.action_full_resync()
            log = self.audience._last_log()
            self.assertEqual(log.state, "failed")
            self.assertFalse(self.audience.pull_running)
            self.assertAllSynced()

    def test_item11_bad_members_are_skipped_and_logged(self):
        first, second = self.partners[:2]
        self.fake.set_merge(self.list_id, first.email, FNAME="Bad")
        self.fake.set_merge(self.list_id, second.email, FNAME="Good")
        self.audience.conflict_policy = "mailchimp"

        def spoil(data):
            for member in data["members"]:
                if member["email_address"] == first.email:
                    member["status"] = "royalty"
            data["members"].append({"email_address": "x@example.com"})
            data["total_items"] += 1
            return data

        self.fake.mangle("GET", MEMBERS, spoil)
        log = self.sync()
        self.assertEqual(log.state, "done")
        self.assertEqual(second.name, "Good Last1")
        self.assertEqual(first.name, "First0 Last0")
        self.assertIn("unknown status 'royalty'", self.lines(log))
        self.assertIn("the member has no id", self.lines(log))

    # ------------------------------------------------------------ item 14
    def test_item14_email_that_cannot_be_normalized_is_logged(self):
        def spoil(data):
            data["members"][0]["email_address"] = "no-at-sign.example.com"
            return data

        self.fake.mangle("GET", MEMBERS, spoil)
        log = self.sync()
        self.assertIn("no-at-sign.example.com", self.lines(log))
        self.assertIn("skipped", log.line_ids.mapped("kind"))

    def test_refresh_honours_a_one_way_mapping(self):
        """Issue 15's first bug: Refresh wrote a mapping set to "Odoo →
        Mailchimp only"; it now applies a member like a pull does."""
        person = self.partners[0]
        self.audience.conflict_policy = "mailchimp"
        self.audience.mapping_ids.write({"direction": "odoo_to_mc"})
        self.fake.set_merge(self.list_id, person.email, FNAME="Chimp")
        person.action_mailchimp_refresh()
        self.assertEqual(person.name, "First0 Last0")

    # ------------------------------------------------------------ item 2
    def test_item02_one_member_per_mailchimp_id_and_audience(self):
        row = self.partners[0].mailchimp_member_id
        stranger = self.make_partners(1, flagged=False, prefix="z")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["mailchimp.member"].create(
                    {
                        "audience_id": self.audience.id,
                        "partner_id": stranger.id,
                        "mailchimp_id": row.mailchimp_id,
                    }
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
