"""What Mailchimp answers to the pull cannot damage Odoo data or consent: a
broken or hostile page fails the run cleanly, a malformed member is skipped
and logged, an incomplete read takes nobody for deleted, a mass removal waits
for a manager, a count Odoo cannot store fails the run with the reason."""

import json
from datetime import timedelta

from psycopg2 import IntegrityError

from odoo.tools import mute_logger

from .common import MailchimpCase

MEMBERS = r"/lists/[^/]+/members"
HUGE = 10**12
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


class TestCountsFromMailchimp(MailchimpCase):
    def test_item05_a_page_announcing_a_trillion_members_fails_the_run_cleanly(self):
        partners = self.make_partners(3)
        self.sync()
        self.fake.mangle("GET", MEMBERS, lambda data: dict(data, total_items=HUGE))
        log = self.sync()
        # the sync log says why
        self.assertEqual(log.state, "failed")
        self.assertIn("malformed answer", log.error_message)
        self.assertIn(f"total_items {HUGE}", log.error_message)
        self.assertFalse(log.pull_total, "nothing Odoo cannot store was written")
        # the transaction is usable
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM mailchimp_sync_log")
        self.assertFalse(self.audience.current_log_id, "not left running")
        # the next scheduled call does not crash, and syncs
        log.date_start -= timedelta(hours=1)  # the cron's minimum gap
        partners[0].name = "Renamed Contact"
        self.env["mailchimp.audience"]._cron_sync()
        after = self.audience._last_log()
        self.assertNotEqual(after, log)
        self.assertEqual(after.state, "done", after.error_message)
        self.assertEqual(after.pull_total, 3)
        remote = self.fake.member(self.list_id, partners[0].email)
        self.assertEqual(remote["merge_fields"]["FNAME"], "Renamed")
