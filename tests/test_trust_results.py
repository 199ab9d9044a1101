"""Issue 27: what Mailchimp says about a run's size and results cannot break
the run. A count Odoo cannot store fails the run with the reason (item 5);
batch results that are refused are reported and their contacts sent again
(items 2 to 4)."""

from datetime import timedelta

from .common import MailchimpCase

MEMBERS = r"/lists/[^/]+/members"
HUGE = 10**12


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
