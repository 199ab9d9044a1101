"""The push's writes through Mailchimp's batches: Odoo never re-subscribes
anybody, even when the person unsubscribes in Mailchimp between Odoo's last
read and its write; an errored operation marks only its member; a batch still
running is read by the next step, even after a failed run; batch results that
are refused are reported and their contacts sent again."""

from unittest.mock import patch

from ..services import MailchimpError
from ..services.results_archive import OperationResult
from .common import MailchimpCase

ARCHIVE = "odoo.addons.mailchimp_sync.services.results_archive"
BATCHES = "odoo.addons.mailchimp_sync.models.mailchimp_sync_run"


class TestPushNeverResubscribes(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.partners = self.make_partners(2)
        self.sync()

    def push_only(self, partners):
        """Odoo's write without a read before it (the race window)."""
        return self.audience._push_members_now(partners.mailchimp_member_ids)

    def test_item05_unsubscribed_between_read_and_write_stays_unsubscribed(self):
        person = self.partners[0]
        person.name = "Renamed Person"
        # the person unsubscribes in Mailchimp after Odoo's last read
        self.fake.set_status(self.list_id, person.email, "unsubscribed")
        self.push_only(person)
        remote = self.fake.member(self.list_id, person.email)
        self.assertEqual(remote["status"], "unsubscribed", "not re-subscribed")
        self.assertEqual(remote["merge_fields"]["FNAME"], "Renamed", "values sent")
        self.assertEqual(person.mailchimp_status, "unsubscribed", "Odoo knows it")
        self.assertEqual(person.mailchimp_consent_source, "mailchimp")
        for op in self.batch_operations():
            self.assertNotIn("status", op["body"])
            self.assertIn("status_if_new", op["body"])

    def test_item05_an_errored_operation_marks_only_its_member(self):
        gone, kept = self.partners
        self.fake.delete_member(self.list_id, gone.email, permanent=True)
        (gone | kept).write({"comment": "touched"})
        (gone | kept).mailchimp_member_ids.write({"need_sync": True})
        self.push_only(gone | kept)
        self.assertIn("permanently deleted", gone.mailchimp_error)
        self.assertFalse(gone.mailchimp_need_sync, "a permanent refusal")
        self.assertFalse(kept.mailchimp_error)
        self.assertFalse(kept.mailchimp_need_sync)

    def test_item05_a_batch_still_running_resumes_on_the_next_step(self):
        person = self.partners[0]
        person.name = "Slow Batch"
        self.fake.batch_polls = 2  # "started" for two status reads
        audience = self.audience
        audience._start_run()
        self.step()  # the read
        self.step()  # the write: submitted, its status read once
        self.assertTrue(audience.push_batch_id)
        self.assertTrue(person.mailchimp_need_sync, "not confirmed yet")
        self.assertEqual(self.sleeps, [], "never a wait")
        self.assertEqual(self.step(), (0, False), "still running: nothing to do")
        self.assertTrue(audience.push_batch_id)
        _done, finished = self.step()  # the next step reads the results
        self.assertFalse(audience.push_batch_id)
        self.assertFalse(person.mailchimp_need_sync)
        self.assertEqual(
            self.fake.member(self.list_id, person.email)["merge_fields"]["LNAME"],
            "Batch",
        )
        self.assertTrue(finished)
        self.assertEqual(audience._last_log().state, "done")
        self.assertEqual(self.sleeps, [], "never a wait")

    def test_item05_calls_stay_near_the_floor(self):
        partners = self.make_partners(600, prefix="bulk")
        self.sync()
        self.fake.reset_calls()
        partners.write({"comment": "changed"})
        partners.mailchimp_member_ids.write({"need_sync": True})
        self.sync()
        self.assertEqual(self.fake.count("POST", "/batches"), 2, "one per 500")
        self.assertEqual(self.fake.count("POST", rf"/lists/{self.list_id}"), 0)


class TestCronAfterAFailedBatch(MailchimpCase):
    def test_a_failed_run_with_a_batch_running_leaves_no_work_for_the_cron(self):
        """A run that failed while its batch was still running must not make
        the cron call itself again and again: the next run reads the batch."""
        partner = self.make_partners(1)
        self.sync()
        partner.name = "Changed Name"
        self.fake.batch_polls = 100
        self.audience._start_run()
        self.step()  # the read
        self.step()  # the write: the batch is still running
        self.assertTrue(self.audience.push_batch_id)
        self.audience._finish_run(failed=True)
        self.assertEqual(self.audience._remaining_work(), 0)
        self.fake.batch_polls = 0
        for batch in self.fake.batches.values():
            batch["polls_left"] = 0
        log = self.sync()
        self.assertFalse(self.audience.push_batch_id)
        self.assertEqual(log.state, "done")
        self.assertFalse(partner.mailchimp_need_sync)


class TestRefusedBatchResults(MailchimpCase):
    def test_item04_refused_results_are_reported_and_their_contacts_sent_again(self):
        partner = self.make_partners(1)
        self.sync()
        partner.name = "Renamed Contact"
        with patch(f"{ARCHIVE}.MAX_FILE_BYTES", 10):  # every file is too large
            log = self.sync()
        self.assertEqual(log.state, "done", log.error_message)
        lines = log.line_ids.filtered(lambda line: line.kind == "error")
        self.assertEqual(len(lines), 1)
        self.assertIn("batch results were refused", lines.message)
        self.assertIn("sent again by the next sync", lines.message)
        self.assertFalse(self.audience.push_batch_id, "not read again and again")
        self.assertTrue(partner.mailchimp_need_sync, "unconfirmed: sent again")
        log = self.sync()
        self.assertFalse(log.line_ids.filtered(lambda line: line.kind == "error"))
        self.assertFalse(partner.mailchimp_need_sync)


class TestBatchReadOnce(MailchimpCase):
    def test_a_batch_applied_is_not_applied_again_when_the_next_one_fails(self):
        """Two batches on a run's log: the first one's results are applied,
        reading the second fails (Mailchimp answers 500): the log keeps the
        second only, so the next run never applies the first again."""
        log = self.env["mailchimp.sync.log"].create(
            {"audience_id": self.audience.id, "push_batch_id": "first second"}
        )
        applied = []
        answers = [[], MailchimpError("Server error", status=500)]
        failed = None
        with patch(f"{BATCHES}.upsert.results_if_done", side_effect=answers):
            try:  # not assertRaises: its savepoint would undo the log's write
                log._read_batches(None, applied.append)
            except MailchimpError as error:
                failed = error
        self.assertEqual(failed.status, 500)
        self.assertEqual(applied, [[]])
        self.assertEqual(log.push_batch_id, "second")


class TestBatchResultsBoundary(MailchimpCase):
    def test_an_operation_id_that_is_not_a_member_id_is_skipped(self):
        # an archive's operation ids are untrusted: "²" passes str.isdigit
        # and fails int()
        person = self.make_partners(1)
        log = self.sync()
        person.mailchimp_member_ids.write({"need_sync": True})
        self.audience._apply_batch_results(
            log, [OperationResult("²:put", 200, {"status": "subscribed"})]
        )
        self.assertTrue(person.mailchimp_need_sync, "no answer: still to send")
        self.assertFalse(person.mailchimp_error)
