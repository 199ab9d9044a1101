"""A list export does not give up on Mailchimp's batch: Mailchimp runs one
batch at a time per account, so the updates may wait behind others."""

from .export_case import ExportCase

TAG = "Newsletter subscribers"


class TestExportWaitsForMailchimp(ExportCase):
    def test_a_batch_pending_for_three_runs_finishes_on_the_fourth(self):
        self.add_contacts(
            self.mailing_list,
            [{"name": f"Person {i}", "email": f"p{i}@example.com"} for i in range(12)],
        )
        self.export()  # created: every member is known to Mailchimp now
        export = self.env["mailchimp.list.export"].search(
            [("mailing_list_id", "=", self.mailing_list.id)]
        )
        # the re-export's one status read (never a wait), then three job
        # runs: "started"
        self.fake.batch_polls = 1 + 3
        log = self.export()
        self.assertEqual((log.state, log.updated), ("running", 0))
        self.assertIn("still processing", " ".join(log.line_ids.mapped("message")))
        self.assertEqual(self.tags("p0@example.com"), [TAG], "nobody untagged")
        Export = self.env["mailchimp.list.export"]
        for _run in range(3):
            Export._cron_run_queued()
            self.assertTrue(export.queued)
            self.assertEqual(log.state, "running")
        Export._cron_run_queued()
        self.assertFalse(export.queued)
        self.assertEqual(
            (log.state, log.updated, log.tagged, log.untagged, log.errors),
            ("done", 12, 12, 0, 0),
        )
        self.assertFalse(log.push_batch_id, "every batch read")
        self.env.cr.precommit.run()
        notification = self.env["bus.bus"].search(
            [("message", "ilike", "Mailchimp export done")], order="id desc", limit=1
        )
        self.assertIn("12 updated", notification.message)
