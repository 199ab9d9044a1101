"""The one run loop (``drive``): a Mailchimp batch is never waited for, the
user who pressed the button is told the run goes on, the cron picks the batch
up; the run's connections are its own and closed whatever happens."""

from odoo import fields

from ..models.mailchimp_sync_run import Run, drive
from .common import MailchimpCase


class TestBatchStillRunning(MailchimpCase):
    def test_sync_now_never_waits_for_a_batch_and_the_cron_reads_it(self):
        person = self.make_partners(1)
        self.sync()
        person.name = "Slow Batch"
        self.fake.batch_polls = 100  # Mailchimp is busy with other batches
        before = fields.Datetime.now()
        action = self.audience.action_sync_now()
        self.assertIn("goes on in the background", action["params"]["message"])
        self.assertEqual(self.sleeps, [], "never a wait")
        log = self.audience._last_log()
        self.assertEqual(log.state, "running")
        self.assertTrue(person.mailchimp_need_sync, "not confirmed yet")
        cron = self.env.ref("mailchimp_sync.ir_cron_mailchimp_sync")
        later = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", cron.id), ("call_at", ">", before)]
        )
        self.assertTrue(later, "the cron comes back for the batch")

        self.audience._cron_sync()  # still running: one status read, no wait
        self.assertEqual(log.state, "running")
        for batch in self.fake.batches.values():
            batch["polls_left"] = 0
        self.audience._cron_sync()
        self.assertEqual(log.state, "done")
        self.assertFalse(person.mailchimp_need_sync)
        self.assertEqual(
            self.fake.member(self.list_id, person.email)["merge_fields"]["LNAME"],
            "Batch",
        )
        self.assertEqual(self.sleeps, [], "never a wait")


class _FailingRun(Run):
    """A run whose step makes a call on its connections, then fails."""

    pool = None

    def step(self):
        self.connections.submit(lambda client: None).result()
        self.pool = self.connections._pool
        raise RuntimeError("the step failed")


class TestRunConnections(MailchimpCase):
    def test_the_pool_is_sized_to_the_run_and_closed_when_a_step_fails(self):
        run = _FailingRun(self.env, self.account._get_client(), 2)
        with self.assertRaises(RuntimeError):
            drive(run)
        self.assertEqual(run.pool._max_workers, 2, "the run's connections")
        self.assertTrue(run.pool._shutdown, "closed by the loop")
        self.assertIsNone(run._connections)


class TestContactSyncNowBatch(MailchimpCase):
    def test_the_cron_reads_a_contact_sync_now_batch_without_a_new_run(self):
        """A contact's "Sync now" leaves its batch running: the cron called
        for it 30 s later reads it (no new run: the last one is too recent),
        and a batch still running is no work left (the cron is not called
        again at once, only when the recheck is due)."""
        person = self.make_partners(1)
        self.sync()
        person.name = "Later Answer"
        self.fake.batch_polls = 100  # Mailchimp is busy with other batches
        log = self.audience._push_members_now(person.mailchimp_member_ids)
        self.assertTrue(log.push_batch_id, "still running")
        self.assertTrue(person.mailchimp_need_sync)
        self.assertEqual(self.audience._cron_sync(), 0, "waiting is not work left")
        self.assertTrue(log.push_batch_id)
        for batch in self.fake.batches.values():
            batch["polls_left"] = 0
        runs = self.env["mailchimp.sync.log"].search_count([])
        self.audience._cron_sync()
        self.assertFalse(log.push_batch_id, "read by the cron")
        self.assertFalse(person.mailchimp_need_sync, "Mailchimp's answer stored")
        self.assertEqual(self.env["mailchimp.sync.log"].search_count([]), runs)
        self.assertEqual(self.sleeps, [], "never a wait")
