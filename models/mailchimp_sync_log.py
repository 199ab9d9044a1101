from odoo import api, fields, models

COUNTERS = (
    "pushed",
    "created",
    "updated",
    "archived",
    "pulled",
    "partners_created",
    "unsubscribes",
    "skipped",
    "errors",
)


class MailchimpSyncLog(models.Model):
    _name = "mailchimp.sync.log"
    _description = "Mailchimp Sync Log"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    kind = fields.Selection(
        [("sync", "Sync"), ("full", "Full resync"), ("export", "List export")],
        default="sync",
        required=True,
    )
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "Manual")], default="manual", required=True
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
    )
    date_start = fields.Datetime(default=fields.Datetime.now, required=True)
    date_end = fields.Datetime()
    pushed = fields.Integer("Sent to Mailchimp")
    created = fields.Integer("Created in Mailchimp")
    updated = fields.Integer("Updated in Mailchimp")
    archived = fields.Integer("Archived in Mailchimp")
    pulled = fields.Integer("Read from Mailchimp")
    partners_created = fields.Integer("Contacts created")
    unsubscribes = fields.Integer("Unsubscribes received")
    skipped = fields.Integer()
    errors = fields.Integer()
    error_message = fields.Text()
    line_ids = fields.One2many("mailchimp.sync.log.line", "log_id")

    @api.depends("audience_id", "date_start", "kind")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for log in self:
            log.name = "{} — {} — {}".format(
                log.audience_id.name or "",
                kinds.get(log.kind, ""),
                fields.Datetime.to_string(log.date_start) or "",
            )

    def _count(self, counter, number=1):
        """Increment a counter (kept in cache; flushed with the batch)."""
        for log in self:
            log[counter] += number

    def _add_line(self, member, kind, message):
        self.ensure_one()
        self.env["mailchimp.sync.log.line"].create(
            {
                "log_id": self.id,
                "kind": kind,
                "partner_id": member.partner_id.id,
                "email": member.partner_id.email or member.email,
                "message": message,
            }
        )
        if kind in ("skipped", "duplicate"):
            self.skipped += 1
        elif kind == "error":
            self.errors += 1

    def _add_error(self, message):
        self.ensure_one()
        self.write({"error_message": message, "errors": self.errors + 1})

    def _close(self, failed=False):
        self.write(
            {"state": "failed" if failed else "done", "date_end": fields.Datetime.now()}
        )


class MailchimpSyncLogLine(models.Model):
    _name = "mailchimp.sync.log.line"
    _description = "Mailchimp Sync Log Line"
    _order = "id desc"

    log_id = fields.Many2one(
        "mailchimp.sync.log", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(
        [
            ("skipped", "Skipped"),
            ("duplicate", "Duplicate"),
            ("omitted", "Value left out"),
            ("error", "Error"),
            ("info", "Info"),
        ],
        required=True,
    )
    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True)
    email = fields.Char()
    message = fields.Text()
