"""Segments from Odoo filters kept in Mailchimp as tags, against the stateful
fake: what a user sees in Mailchimp (tags, counts) and in the sync log."""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user

from ..models.mailchimp_sync_run import Run
from .common import USER_GROUPS
from .segment_case import SegmentCase

SEGMENT_WRITES = r"/lists/[^/]+/segments(/\d+)?"


class TestSegmentSync(SegmentCase):
    def test_1200_contacts_tagged_in_three_write_calls(self):
        vip = self.make_partners(1200, function="VIP")
        self.make_partners(10, prefix="other")
        segment = self.segment([("function", "=", "VIP")])
        log = self.sync()
        self.assertEqual(log.state, "done")
        self.assertEqual(self.fake.count("POST", SEGMENT_WRITES), 3)
        self.assertEqual(self.fake.count("POST", r"/lists/[^/]+/segments"), 1)
        self.assertEqual(self.tagged(), set(vip.mapped("email")))
        self.assertEqual(segment.member_count, 1200)
        self.assertEqual(segment.contact_count, 1200)
        self.assertEqual(segment.state, "synced")
        self.assertTrue(
            self.lines(log, "tag added to 1200 contacts and removed from 0")
        )
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(self.fake.count("POST", SEGMENT_WRITES), 0, "nothing new")

    def test_filter_change_moves_exactly_the_right_contacts(self):
        partners = self.make_partners(6)
        a0, a1, a2, b0, b1, b2 = partners
        segment = self.segment([("id", "in", (a0 | a1 | a2).ids)])
        self.sync()
        self.assertEqual(self.tagged(), {a0.email, a1.email, a2.email})
        segment.with_user(self.manager).domain = repr(
            [("id", "in", (a0 | b0 | b1).ids)]
        )
        self.fake.reset_calls()
        log = self.sync()
        self.assertEqual(self.tagged(), {a0.email, b0.email, b1.email})
        calls = [
            c for c in self.fake.calls if c.method == "POST" and "/segments" in c.path
        ]
        self.assertEqual(len(calls), 1, "one call adds and removes")
        self.assertEqual(set(calls[0].body["members_to_add"]), {b0.email, b1.email})
        self.assertEqual(set(calls[0].body["members_to_remove"]), {a1.email, a2.email})
        self.assertTrue(self.lines(log, "tag added to 2 contacts and removed from 2"))
        self.assertEqual(segment.member_count, 3)
        self.assertNotIn(b2.email, self.tagged())

    def test_existing_tag_found_by_name_not_created(self):
        partners = self.make_partners(2)
        self.sync()
        self.fake.add_member(self.list_id, "someone@example.com", tags=["VIP"])
        self.segment([("id", "in", partners.ids)])
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(self.fake.count("POST", r"/lists/[^/]+/segments"), 0)
        self.assertEqual(
            self.tagged(), set(partners.mapped("email")) | {"someone@example.com"}
        )

    def test_tag_imported_as_mailchimps_is_taken_over_by_name(self):
        partners = self.make_partners(2)
        self.sync()
        self.fake.add_member(self.list_id, "someone@example.com", tags=["VIP"])
        self.audience.action_refresh_segments()
        self.assertEqual(self.audience.segment_ids.origin, "mailchimp")
        segment = self.segment([("id", "in", partners.ids)])
        log = self.env["mailchimp.sync.log"].create({"audience_id": self.audience.id})
        run = Run(self.env, self.account._get_client(), 4)
        self.addCleanup(run.close)
        self.assertTrue(segment._plan(log))
        self.assertEqual(segment._send_next(log, run), 2)
        self.assertEqual(self.fake.count("POST", r"/lists/[^/]+/segments"), 0)
        self.assertEqual(self.audience.segment_ids, segment, "one VIP, Odoo's")
        self.assertEqual(segment.member_count, 3)

    def test_unsubscribed_stays_unsubscribed_others_never_tagged(self):
        ticked = self.make_partners(2, function="VIP")
        unticked = self.make_partners(
            1, flagged=False, prefix="unticked", function="VIP"
        )
        company_b = self.env["res.company"].create({"name": "Company B"})
        other = self.make_partners(1, prefix="other", function="VIP")
        self.sync()
        other.company_id = company_b
        self.fake.add_member(self.list_id, unticked.email)
        self.fake.set_status(self.list_id, ticked[0].email, "unsubscribed")
        segment = self.segment([("function", "=", "VIP")])
        self.sync()
        self.assertEqual(self.tagged(), set(ticked.mapped("email")))
        member = self.fake.member(self.list_id, ticked[0].email)
        self.assertEqual(member["status"], "unsubscribed", "tagging never subscribes")
        self.assertEqual(ticked[0].mailchimp_member_id.status, "unsubscribed")
        self.assertEqual(segment.member_count, 2)


class TestSegmentBrake(SegmentCase):
    def test_mass_removal_waits_for_confirmation(self):
        old = self.make_partners(60, function="Old")
        new = self.make_partners(1, prefix="new", function="New")
        segment = self.segment([("function", "=", "Old")])
        self.sync()
        self.assertEqual(len(self.tagged()), 60)
        segment.with_user(self.manager).domain = repr([("function", "=", "New")])
        log = self.sync()
        self.assertEqual(self.tagged(), set((old | new).mapped("email")), "adds done")
        self.assertTrue(self.lines(log, "would remove the tag from 60 contacts"))
        self.assertEqual(segment.state, "waiting")
        self.assertEqual(segment.held_removals, 60)
        self.sync()
        self.assertEqual(len(self.tagged()), 61, "still held at the next run")
        with self.assertRaises(AccessError):
            segment.with_user(
                new_test_user(self.env, login="seg_user", groups=USER_GROUPS)
            ).action_apply_removals()
        segment.with_user(self.manager).action_apply_removals()
        log = self.sync()
        self.assertEqual(self.tagged(), set(new.mapped("email")))
        self.assertEqual(segment.state, "synced")
        self.assertFalse(segment.removals_confirmed)
        self.assertTrue(self.lines(log, "tag added to 0 contacts and removed from 60"))

    def test_filter_matching_nothing_never_empties_a_segment(self):
        partners = self.make_partners(5, function="VIP")
        segment = self.segment([("function", "=", "VIP")])
        self.sync()
        segment.with_user(self.manager).domain = repr([("function", "=", "Nobody")])
        log = self.sync()
        self.assertEqual(self.tagged(), set(partners.mapped("email")))
        self.assertEqual(segment.state, "waiting")
        self.assertTrue(self.lines(log, "would remove the tag from 5 contacts"))

    def test_small_removal_goes_through(self):
        partners = self.make_partners(5, function="VIP")
        segment = self.segment([("function", "=", "VIP")])
        self.sync()
        partners[:3].function = "Former"
        self.sync()
        self.assertEqual(self.tagged(), set(partners[3:].mapped("email")))
        self.assertEqual(segment.state, "synced")


class TestSegmentFilters(SegmentCase):
    def test_preview_in_the_form(self):
        self.make_partners(12, function="VIP")
        self.make_partners(3, prefix="other", function="VIP", flagged=False)
        form = Form(self.env["mailchimp.segment"].with_user(self.manager))
        form.name = "VIP"
        form.audience_id = self.audience
        form.domain = repr([("function", "=", "VIP")])
        self.assertEqual(form.preview_count, 12, "only contacts ticked for it")
        self.assertEqual(len(form.preview_partner_ids), 10)
        form.domain = repr([("email", "=", "contact3@example.com")])
        self.assertEqual(form.preview_count, 1)
        segment = form.save()
        self.assertEqual(segment.domain_user_id, self.manager)

    def test_domain_the_user_cannot_search_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be used"):
            self.segment([("signup_type", "=", "signup")])
        with self.assertRaisesRegex(ValidationError, "not a field of contacts"):
            self.segment([("no_such_field", "=", 1)])
        with self.assertRaisesRegex(ValidationError, "cannot be read"):
            self.segment("[('name', '=', __import__('os'))]")
        self.make_partners(2)
        recent = self.segment(
            "[('create_date', '>=', (context_today() - relativedelta(days=1))"
            ".strftime('%Y-%m-%d')), ('user_ids', '=', False)]",
            name="Recent",
        )
        self.assertFalse(recent.preview_error)
        self.assertEqual(recent.preview_count, 2, "Odoo's usual domain names")
        self.assertFalse(self.fake.calls, "nothing reaches Mailchimp on save")

    def test_item10_a_filter_on_a_field_that_cannot_be_searched_is_refused(self):
        """Issue 27 item 10: Odoo drops such a condition with an error at
        every search; the segment is refused when saved, with the reason."""
        for path in ("user_ids.password", "mailchimp_known"):
            with (
                self.subTest(path=path),
                self.assertRaisesRegex(ValidationError, f"“{path}” cannot be searched"),
            ):
                self.segment([(path, "=", "x")])

    def test_domain_broken_later_is_skipped_and_logged(self):
        partners = self.make_partners(3, function="VIP")
        broken = self.segment([("function", "=", "VIP")], name="Broken")
        fine = self.segment([("function", "=", "VIP")], name="Fine")
        self.sync()
        self.env.cr.execute(
            "UPDATE mailchimp_segment SET domain = %s WHERE id = %s",
            ("[('x_gone', '=', 1)]", broken.id),
        )
        broken.invalidate_recordset()
        partners[0].function = "Former"
        log = self.sync()
        self.assertEqual(log.state, "done", "the run is not crashed")
        self.assertEqual(broken.state, "error")
        self.assertTrue(self.lines(log, "Segment “Broken” skipped"))
        self.assertEqual(self.tagged("Broken"), set(partners.mapped("email")))
        self.assertEqual(self.tagged("Fine"), set(partners[1:].mapped("email")))
        self.assertEqual(fine.state, "synced")

    def test_run_searches_as_the_user_who_saved(self):
        """A filter saved by a user who then loses the company is skipped:
        the superuser cron never searches more than that user could."""
        partners = self.make_partners(2, function="VIP")
        segment = self.segment([("function", "=", "VIP")])
        company_b = self.env["res.company"].create({"name": "Company B"})
        self.manager.write(
            {"company_ids": [(4, company_b.id)], "company_id": company_b.id}
        )
        self.manager.company_ids = company_b
        log = self.sync()
        self.assertEqual(segment.state, "error")
        self.assertTrue(self.lines(log, "left the company"))
        self.assertFalse(self.tagged() & set(partners.mapped("email")))

    def test_a_refresh_context_from_a_caller_is_not_trusted(self):
        """Anyone can put a key in the context of a call: the filter is then
        still stamped with the caller, so it is never searched as the user
        who saved it before (e.g. an administrator)."""
        admin_segment = self.segment([("function", "=", "VIP")], user=self.env.user)
        self.assertEqual(admin_segment.domain_user_id, self.env.user)
        admin_segment.with_user(self.manager).with_context(
            mailchimp_segment_refresh=True
        ).write({"domain": "[('function', '=', 'Other')]"})
        self.assertEqual(admin_segment.domain_user_id, self.manager)
        with self.assertRaises(UserError):
            self.env["mailchimp.segment"].with_user(self.manager).with_context(
                mailchimp_segment_refresh=True
            ).create(
                {"name": "Fake", "audience_id": self.audience.id, "origin": "mailchimp"}
            )


class TestMailchimpSegments(SegmentCase):
    def test_saved_segments_imported_read_only_across_pages(self):
        for index in range(25):
            self.fake.add_saved_segment(self.list_id, f"Saved {index}", count=index)
        self.fake.add_member(self.list_id, "tagged@example.com", tags=["Made there"])
        with patch("odoo.addons.mailchimp_sync.services.client.PAGE_SIZE", 10):
            self.audience.action_refresh_segments()
        self.assertEqual(self.fake.count("GET", r"/lists/[^/]+/segments"), 3)
        theirs = self.audience.segment_ids
        self.assertEqual(len(theirs), 26)
        self.assertEqual(set(theirs.mapped("origin")), {"mailchimp"})
        saved = theirs.filtered(lambda s: s.name == "Saved 24")
        self.assertEqual((saved.segment_type, saved.member_count), ("saved", 24))
        tag = theirs.filtered(lambda s: s.name == "Made there")
        self.assertEqual((tag.segment_type, tag.member_count), ("static", 1))
        with self.assertRaises(UserError):
            saved.with_user(self.manager).name = "Renamed"
        with self.assertRaises(UserError):
            saved.with_user(self.manager).unlink()
        self.fake.reset_calls()
        self.audience.action_refresh_segments()
        self.assertEqual(self.fake.calls[0].query.get("count"), "1000")
        del self.fake.segments[self.list_id][int(saved.mailchimp_id)]
        self.audience.action_refresh_segments()
        self.assertEqual(len(self.audience.segment_ids), 25, "gone from Mailchimp")

    def test_delete_removes_the_tag_managers_only(self):
        partners = self.make_partners(2)
        segment = self.segment([("id", "in", partners.ids)])
        self.sync()
        self.assertEqual(len(self.tagged()), 2)
        user = new_test_user(self.env, login="seg_reader", groups=USER_GROUPS)
        self.fake.reset_calls()
        with self.assertRaises(AccessError):
            segment.with_user(user).action_delete()
        self.assertFalse(self.fake.calls, "refused before any call")
        arch = self.env["mailchimp.segment"].get_view(view_type="form")["arch"]
        self.assertIn('name="action_delete"', arch)
        self.assertIn("loses the tag", arch)
        segment.with_user(self.manager).action_delete()
        self.assertEqual(self.fake.count("DELETE", r"/lists/[^/]+/segments/\d+"), 1)
        self.assertFalse(segment.exists())
        self.assertFalse(self.tagged())
        self.assertIsNone(self.fake.segment_named(self.list_id, "VIP"))

    def test_tag_deleted_in_mailchimp_is_created_again(self):
        partners = self.make_partners(2)
        segment = self.segment([("id", "in", partners.ids)])
        self.sync()
        del self.fake.segments[self.list_id][int(segment.mailchimp_id)]
        for member in self.fake.members[self.list_id].values():
            member["tags"] = []
        log = self.sync()
        self.assertTrue(self.lines(log, "was deleted in Mailchimp"))
        self.assertEqual(self.tagged(), set(partners.mapped("email")))
