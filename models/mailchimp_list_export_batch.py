"""An export's batch of updates that Mailchimp has not finished yet.

Mailchimp runs one batch at a time per account: a batch can stay ``pending``
for minutes behind others (api-notes §10). An export does not wait for it:
the batch is remembered here, the export stays queued, and each call of the
export job goes on with the export's run, which reads its status once; when
Mailchimp is done the results are read and the export's statistics completed
(the log stays "Running" until then).
"""

from odoo import fields, models

from ..services import upsert


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

    def _results(self, client):
        """The batch's results when Mailchimp finished it (one status read),
        else None."""
        self.ensure_one()
        results = upsert.results_if_done(client, self.batch_id)
        if results is None:
            self.checks += 1
        return results
