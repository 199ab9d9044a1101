"""An export's batch of updates that Mailchimp has not finished yet.

Mailchimp runs one batch at a time per account: a batch can stay ``pending``
for minutes behind others (api-notes §10). An export does not wait for it:
the batch is remembered here, the export stays queued, and each call of the
export job reads its status once; when Mailchimp is done the results are read
and the export's statistics completed (the log stays "Running" until then).
"""

from datetime import timedelta

from odoo import api, fields, models

from ..services import upsert

# the export job comes back this many seconds after finding a batch unfinished
BATCH_RECHECK_SECONDS = 60


class MailchimpListExportBatch(models.Model):
    _name = "mailchimp.list.export.batch"
    _description = "Unfinished Mailchimp batch of a mailing list export"
    _order = "id"

    export_id = fields.Many2one(
        "mailchimp.list.export", required=True, ondelete="cascade", index=True
    )
    log_id = fields.Many2one("mailchimp.sync.log", required=True, ondelete="cascade")
    batch_id = fields.Char("Mailchimp batch id", required=True)
    # [[email, mailing contact id], ...] in the order of the operations
    members = fields.Json(required=True)
    checks = fields.Integer(help="How many times its status was read.")

    @api.model
    def _schedule_recheck(self):
        """The export job runs again once Mailchimp had time to work."""
        self.env.ref("mailchimp_sync.ir_cron_mailchimp_list_export")._trigger(
            at=fields.Datetime.now() + timedelta(seconds=BATCH_RECHECK_SECONDS)
        )

    def _results(self, client):
        """The batch's results when Mailchimp finished it (one status read),
        else None."""
        self.ensure_one()
        results = upsert.results_when_done(client, self.batch_id, ())
        if results is None:
            self.checks += 1
        return results
