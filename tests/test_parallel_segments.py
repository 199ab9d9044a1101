"""A segment's tag calls go out on several connections at once; every contact
is tagged once, and a refused call stops the segment cleanly."""

from ..services import MailchimpClient
from .in_flight import watch_in_flight
from .segment_case import SegmentCase

CONTACTS = 1700  # the tag created with 500, then three calls of at most 500


class TestParallelSegments(SegmentCase):
    def setUp(self):
        super().setUp()
        self.account.parallel_connections = 4
        self.vip = self.make_partners(CONTACTS, function="VIP")

    def test_tag_calls_go_out_together_everyone_tagged_once(self):
        state, watching = watch_in_flight(MailchimpClient, "batch_segment")
        segment = self.segment([("function", "=", "VIP")])
        with watching:
            log = self.sync()
        self.assertEqual(log.state, "done", log.error_message)
        self.assertGreater(state["max"], 1, "tag calls in flight together")
        self.assertEqual(self.fake.count("POST", r"/lists/[^/]+/segments"), 1)
        self.assertEqual(self.fake.count("POST", r"/lists/[^/]+/segments/\d+"), 3)
        self.assertEqual(self.tagged(), set(self.vip.mapped("email")))
        self.assertEqual(segment.member_count, CONTACTS)
        self.assertTrue(
            self.lines(log, f"tag added to {CONTACTS} contacts and removed from 0")
        )

    def test_a_refused_call_leaves_the_segment_in_error_nothing_half_recorded(self):
        segment = self.segment([("function", "=", "VIP")])
        self.fake.fail(
            "POST",
            r"/lists/[^/]+/segments/\d+",
            status=400,
            body={"title": "Invalid Resource", "detail": "Tag refused."},
            skip=1,
        )
        log = self.sync()
        self.assertEqual(segment.state, "error")
        self.assertIn("Tag refused", segment.last_error)
        held = self.env["mailchimp.segment.member"].search(
            [("segment_id", "=", segment.id)]
        )
        # what Mailchimp confirmed is recorded, nothing else is
        self.assertEqual(set(held.mapped("state")), {"held"})
        self.assertEqual(set(held.mapped("email")), self.tagged())
        self.assertTrue(self.lines(log, "Mailchimp refused the tag"))
