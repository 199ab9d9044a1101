"""No echo: the run after a push does not read back, as changes, the members
the push itself wrote; an edit made in Mailchimp right after the push still
comes back (issue 30, item 4)."""

from unittest.mock import patch

from ..models import mailchimp_audience_pull
from ..services.echo import ECHO_FIELDS
from .clock import day
from .common import MailchimpCase


class TestPushEcho(MailchimpCase):
    def setUp(self):
        super().setUp()
        # the light read from the first member Odoo wrote (half a page of
        # 1,000 by default)
        patcher = patch.object(mailchimp_audience_pull, "ECHO_READ_MIN", 1)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.partners = self.make_partners(3)
        self.sync()  # the push: Mailchimp creates the three members
        self.fake.reset_calls()
        # Odoo's data is older than any edit made in Mailchimp now
        self.partners.mailchimp_member_id.odoo_changed_at = day(1, 9)

    def member_reads(self):
        return [c for c in self.fake.calls if c.method == "GET"]

    def test_own_push_not_read_back(self):
        log = self.sync()
        self.assertEqual(log.pulled, 0, "the log says nothing changed in Mailchimp")
        self.assertFalse(log.line_ids, "nothing written, nothing to report")
        reads = self.member_reads()
        self.assertEqual(len(reads), 1, "one page, asked for the echo's fields only")
        self.assertEqual(reads[0].query["fields"], ",".join(ECHO_FIELDS))
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

    def test_few_echoes_one_full_read(self):
        """Few of Odoo's writes in the window: the page is read once, in
        full, and Odoo's own versions are still left out."""
        self.fake.set_merge(self.list_id, self.partners[0].email, FNAME="Edited")
        with patch.object(mailchimp_audience_pull, "ECHO_READ_MIN", 10):
            log = self.sync()
        reads = self.member_reads()
        self.assertEqual(len(reads), 1)
        self.assertNotEqual(reads[0].query["fields"], ",".join(ECHO_FIELDS))
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
