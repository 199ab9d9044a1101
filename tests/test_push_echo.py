"""No echo: the run after a push does not read back, as changes, the members
the push itself wrote; an edit made in Mailchimp right after the push still
comes back (issue 30, item 4)."""

from contextlib import ExitStack
from unittest.mock import patch

from ..models import mailchimp_audience_pull
from ..services import client
from ..services.echo import ECHO_FIELDS
from .clock import day
from .common import MailchimpCase


class TestPushEcho(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.partners = self.make_partners(3)
        self.sync()  # the push: Mailchimp creates the three members
        self.fake.reset_calls()
        # Odoo's data is older than any edit made in Mailchimp now
        self.partners.mailchimp_member_id.odoo_changed_at = day(1, 9)

    def member_reads(self):
        return [c for c in self.fake.calls if c.method == "GET"]

    def light(self, reads):
        """For each read, whether it asked for the echo's fields only."""
        return [read.query["fields"] == ",".join(ECHO_FIELDS) for read in reads]

    def sync_pages_of_two(self):
        """A sync reading pages of 2 members (1,000 in Mailchimp)."""
        with ExitStack() as stack:
            for module in (client, mailchimp_audience_pull):
                stack.enter_context(patch.object(module, "PAGE_SIZE", 2))
            return self.sync()

    def test_own_push_not_read_back(self):
        log = self.sync()
        self.assertEqual(log.pulled, 0, "the log says nothing changed in Mailchimp")
        self.assertFalse(log.line_ids, "nothing written, nothing to report")
        reads = self.member_reads()
        self.assertEqual(self.light(reads), [False], "one page: read once, in full")
        self.assertEqual(self.upserts(), 0)
        members = self.partners.mailchimp_member_id
        self.assertTrue(
            all(members.mapped("web_id")),
            "the web id batch subscribe does not answer comes with the light read",
        )

    def test_edit_right_after_push_read_back(self):
        """Mailchimp's ``last_changed`` is to the second: an edit made in the
        same second as Odoo's write has the same time, and still comes back."""
        first, second = self.partners[:2]
        self.fake.set_merge(self.list_id, first.email, FNAME="Edited")
        self.fake.set_status(self.list_id, second.email, "unsubscribed")
        log = self.sync()
        self.assertEqual(log.pulled, 2, "the two edits, not the third member")
        self.assertEqual(first.name, "Edited Last0")
        self.assertEqual(second.mailchimp_status, "unsubscribed")
        self.assertEqual(self.partners[2].name, "First2 Last2")

    def test_pages_after_a_page_of_echoes_read_light(self):
        """The first page is all Odoo's own versions: the next pages are asked
        for the echo's fields only, and nothing is read back."""
        log = self.sync_pages_of_two()
        self.assertEqual(self.light(self.member_reads()), [False, True])
        self.assertEqual(log.pulled, 0)
        self.assertTrue(all(self.partners.mailchimp_member_id.mapped("web_id")))

    def test_light_page_with_an_edit_read_again_in_full(self):
        self.fake.set_merge(self.list_id, self.partners[2].email, FNAME="Edited")
        log = self.sync_pages_of_two()
        self.assertEqual(self.light(self.member_reads()), [False, True, False])
        self.assertEqual(log.pulled, 1)
        self.assertEqual(self.partners[2].name, "Edited Last2")
        self.assertEqual(self.partners[1].name, "First1 Last1")

    def test_first_page_with_an_edit_next_pages_in_full(self):
        """Someone else's change on the first page: the pages are read once
        each, in full, and Odoo's own versions are still left out."""
        self.fake.set_merge(self.list_id, self.partners[0].email, FNAME="Edited")
        log = self.sync_pages_of_two()
        self.assertEqual(self.light(self.member_reads()), [False, False])
        self.assertEqual(log.pulled, 1)
        self.assertEqual(self.partners[0].name, "Edited Last0")

    def test_back_to_the_pushed_version_read_back(self):
        """An edit read back, then undone in Mailchimp (within the same
        second, the member is again the version the push wrote): Odoo holds
        the edit, so the undo is read back too."""
        partner = self.partners[0]
        self.fake.set_merge(self.list_id, partner.email, FNAME="Edited")
        self.sync()
        self.assertEqual(partner.name, "Edited Last0")
        self.fake.set_merge(self.list_id, partner.email, FNAME="First0")
        log = self.sync()
        self.assertEqual(log.pulled, 1)
        self.assertEqual(partner.name, "First0 Last0")


class TestEchoReadAfterManyWrites(MailchimpCase):
    def test_a_page_with_a_change_is_one_call_after_a_big_push(self):
        """Odoo wrote half a page of members lately: a read of one page that
        holds someone else's change is still one call (it was a light read
        first, then the same page in full)."""
        partners = self.make_partners(500)
        self.sync()
        self.fake.reset_calls()
        partners.mailchimp_member_id.odoo_changed_at = day(1, 9)
        self.fake.set_merge(self.list_id, partners[7].email, FNAME="Edited")
        log = self.sync()
        self.assertEqual(len(self.member_reads()), 1)
        self.assertEqual(log.pulled, 1)
        self.assertEqual(partners[7].name, "Edited Last7")

    def member_reads(self):
        return [c for c in self.fake.calls if c.method == "GET"]
