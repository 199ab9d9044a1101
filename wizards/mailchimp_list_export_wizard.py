from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.mailchimp_access import check_manager

# Above this many contacts an export runs in the background (a few seconds
# per 10,000 contacts): no screen waits for it.
INLINE_LIMIT = 10000
MAX_TAG_LENGTH = 100  # Mailchimp's limit for a tag name


class MailchimpListExportWizard(models.TransientModel):
    _name = "mailchimp.list.export.wizard"
    _description = "Export mailing lists to Mailchimp"

    list_ids = fields.Many2many("mailing.list", string="Mailing lists", required=True)
    list_count = fields.Integer(compute="_compute_list_count")
    audience_id = fields.Many2one(
        "mailchimp.audience",
        "Mailchimp audience",
        required=True,
        domain="[('account_id.state', '=', 'connected')]",
    )
    tag_name = fields.Char(
        "Tag",
        help="Tag given to the list's contacts in Mailchimp. With several lists, "
        "each list is tagged with its own name.",
    )
    enable_partner_sync = fields.Boolean(
        "Also sync matching contacts",
        help="Tick “Sync with Mailchimp” on the contacts whose email is in the list, "
        "so they stay in sync after the export.",
    )
    log_ids = fields.Many2many("mailchimp.sync.log", string="Export statistics")

    @api.model
    def default_get(self, fields_list):
        vals = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "mailing.list" and context.get("active_ids"):
            lists = self.env["mailing.list"].browse(context["active_ids"])
            vals["list_ids"] = [(6, 0, lists.ids)]
            audience = (
                lists.mailchimp_audience_id[:1]
                or self.env.company.mailchimp_audience_id
            )
            if audience:
                vals["audience_id"] = audience.id
            if len(lists) == 1:
                vals["tag_name"] = lists.mailchimp_tag or lists.name
        return vals

    @api.depends("list_ids")
    def _compute_list_count(self):
        for wizard in self:
            wizard.list_count = len(wizard.list_ids)

    def _contact_count(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT COUNT(*) FROM mailing_subscription
                WHERE list_id = ANY(%s) AND NOT COALESCE(opt_out, FALSE)""",
            [self.list_ids.ids],
        )
        return self.env.cr.fetchone()[0]

    def action_export(self):
        self.ensure_one()
        check_manager(self.list_ids, "read")
        self.audience_id.check_access("read")
        self.audience_id.account_id._check_connected()
        logs = self.env["mailchimp.sync.log"]
        background = self._contact_count() > INLINE_LIMIT
        for mailing_list in self.list_ids:
            tag = self._checked_tag(mailing_list)
            # the export's records are the sync's: written by the code
            export = self._export_for(mailing_list, tag).sudo()
            if background:
                export._queue()
            else:
                logs |= export._run()
            mailing_list.write(
                {"mailchimp_audience_id": self.audience_id.id, "mailchimp_tag": tag}
            )
        if self.enable_partner_sync:
            self._enable_partner_sync()
        if background:
            return self.env["mailchimp.account"]._notify(
                self.env._(
                    "The lists are exported in the background; you will be notified "
                    "when it is done."
                ),
                "info",
            )
        self.log_ids = [(6, 0, logs.ids)]
        return self._statistics_action(logs)

    def _checked_tag(self, mailing_list):
        """The Mailchimp tag of ``mailing_list`` (the wizard's for one list),
        refused when empty or too long."""
        if len(self.list_ids) == 1 and self.tag_name:
            tag = self.tag_name.strip()
        else:
            tag = (mailing_list.mailchimp_tag or mailing_list.name).strip()
        if not tag:
            raise UserError(self.env._("Give the tag of “%s”.", mailing_list.name))
        if len(tag) > MAX_TAG_LENGTH:
            raise UserError(self.env._("A Mailchimp tag has at most 100 characters."))
        return tag

    def _export_for(self, mailing_list, tag):
        """The export of ``mailing_list`` to the audience under ``tag``
        (created the first time)."""
        Export = self.env["mailchimp.list.export"].sudo()
        return Export.search(
            [
                ("mailing_list_id", "=", mailing_list.id),
                ("audience_id", "=", self.audience_id.id),
                ("tag_name", "=", tag),
            ]
        ) or Export.create(
            {
                "mailing_list_id": mailing_list.id,
                "audience_id": self.audience_id.id,
                "tag_name": tag,
            }
        )

    def _statistics_action(self, logs):
        """The statistics of the export (one form, or a list of the lists'
        logs) in the main window: their figures' contacts open on top, with
        the statistics kept in the breadcrumb."""
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Export statistics"),
            "res_model": "mailchimp.sync.log",
            "target": "current",
        }
        if len(logs) == 1:
            return dict(
                action, res_id=logs.id, view_mode="form", views=[(False, "form")]
            )
        by_list = self.env.ref("mailchimp_sync.mailchimp_sync_log_view_list_export")
        return dict(
            action,
            view_mode="list,form",
            views=[(by_list.id, "list"), (False, "form")],
            domain=[("id", "in", logs.ids)],
        )

    def _enable_partner_sync(self):
        """Tick the sync on the contacts whose email is in the lists."""
        self.env.cr.execute(
            """SELECT DISTINCT c.email_normalized
                 FROM mailing_subscription s
                 JOIN mailing_contact c ON c.id = s.contact_id
                WHERE s.list_id = ANY(%s) AND NOT COALESCE(s.opt_out, FALSE)
                  AND c.email_normalized IS NOT NULL""",
            [self.list_ids.ids],
        )
        emails = [row[0] for row in self.env.cr.fetchall()]
        partners = self.env["res.partner"].search(
            [("email_normalized", "in", emails), ("mailchimp_sync", "=", False)]
        )
        # a contact kept in an audience the user may not read (another
        # company's) is left alone: ticked, it would be synced there
        readable = partners.mailchimp_audience_id._filtered_access("read")
        partners = partners.filtered(
            lambda p: not p.mailchimp_audience_id or p.mailchimp_audience_id in readable
        )
        partners.filtered(lambda p: not p.mailchimp_audience_id).write(
            {"mailchimp_audience_id": self.audience_id.id}
        )
        partners.write({"mailchimp_sync": True})
