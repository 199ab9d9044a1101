"""A list export does not give up on Mailchimp's batch: Mailchimp runs one
batch at a time per account, so the updates may wait behind others."""

from types import SimpleNamespace

from odoo.addons.mailchimp_sync.models.mailchimp_list_export_update import (
    apply_update_results,
)
from odoo.addons.mailchimp_sync.services.results_archive import OperationResult

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


class TestExportResultsBoundary(ExportCase):
    def test_an_operation_id_that_is_not_a_contact_id_is_skipped(self):
        # Mailchimp echoes the operation ids Odoo sent; an archive's are
        # untrusted all the same: "²" passes str.isdigit and fails int()
        lines, results = [], {}
        run = SimpleNamespace(_line=lambda *args: lines.append(args))
        apply_update_results(
            run,
            {"p0@example.com": 7},
            results,
            [
                OperationResult("²:put", 400, {"detail": "refused"}),
                OperationResult("7:put", 200, {"status": "subscribed"}),
            ],
        )
        self.assertEqual(results, {"p0@example.com": ("updated", "subscribed")})
        self.assertEqual(lines, [])
