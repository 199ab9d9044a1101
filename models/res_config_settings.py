from odoo import api, fields, models
from odoo.exceptions import UserError

SYNC_CRON = "mailchimp_sync.ir_cron_mailchimp_sync"
# The units a scheduled action offers (ir.cron's own interval types).
INTERVAL_TYPES = [
    ("minutes", "Minutes"),
    ("hours", "Hours"),
    ("days", "Days"),
    ("weeks", "Weeks"),
    ("months", "Months"),
]
DEFAULT_INTERVAL = (1, "hours")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mailchimp_account_id = fields.Many2one(
        "mailchimp.account",
        "Default Mailchimp Account",
        config_parameter="mailchimp_sync.default_account_id",
    )
    mailchimp_audience_id = fields.Many2one(
        related="company_id.mailchimp_audience_id", readonly=False
    )
    # The two-way sync's schedule IS its scheduled action: computed from the
    # cron when Settings open (stored on this transient record only, as Odoo's
    # CRM does for its assignment cron), written back by set_values only when
    # the user changed it.
    mailchimp_sync_interval_number = fields.Integer(
        "Synchronize every",
        compute="_compute_mailchimp_sync_schedule",
        readonly=False,
        store=True,
    )
    mailchimp_sync_interval_type = fields.Selection(
        INTERVAL_TYPES,
        "Synchronization interval unit",
        compute="_compute_mailchimp_sync_schedule",
        readonly=False,
        store=True,
    )
    mailchimp_sync_lastcall = fields.Datetime(
        "Last run", compute="_compute_mailchimp_sync_calls"
    )
    mailchimp_sync_nextcall = fields.Datetime(
        "Next run", compute="_compute_mailchimp_sync_calls"
    )
    mailchimp_oauth_client_id = fields.Char(
        "Mailchimp OAuth Client ID", config_parameter="mailchimp_sync.oauth_client_id"
    )
    mailchimp_oauth_client_secret = fields.Char(
        "Mailchimp OAuth Client Secret",
        config_parameter="mailchimp_sync.oauth_client_secret",
        groups="base.group_system",
    )

    def _mailchimp_sync_cron(self):
        cron = self.env.ref(SYNC_CRON, raise_if_not_found=False)
        return cron.sudo() if cron else self.env["ir.cron"].sudo()

    @api.depends("company_id")
    def _compute_mailchimp_sync_schedule(self):
        cron = self._mailchimp_sync_cron()
        number, unit = (
            (cron.interval_number, cron.interval_type) if cron else DEFAULT_INTERVAL
        )
        for settings in self:
            settings.mailchimp_sync_interval_number = number
            settings.mailchimp_sync_interval_type = unit

    @api.depends("company_id")
    def _compute_mailchimp_sync_calls(self):
        cron = self._mailchimp_sync_cron()
        for settings in self:
            settings.mailchimp_sync_lastcall = cron.lastcall
            settings.mailchimp_sync_nextcall = cron.nextcall

    def set_values(self):
        super().set_values()
        cron = self._mailchimp_sync_cron()
        if not cron:
            return
        wanted = {
            "interval_number": self.mailchimp_sync_interval_number,
            "interval_type": self.mailchimp_sync_interval_type,
        }
        changed = {key: value for key, value in wanted.items() if cron[key] != value}
        if not changed:
            return  # saving Settings for another reason leaves the cron alone
        if wanted["interval_number"] < 1 or not wanted["interval_type"]:
            raise UserError(
                self.env._("The synchronization interval must be at least 1.")
            )
        cron.write(changed)

    def action_mailchimp_open_sync_cron(self):
        """The scheduled action of the two-way sync (administrators)."""
        cron = self._mailchimp_sync_cron()
        if not cron:
            raise UserError(
                self.env._("The scheduled action of the synchronization is missing.")
            )
        return {
            "type": "ir.actions.act_window",
            "name": cron.name,
            "res_model": "ir.cron",
            "res_id": cron.id,
            "view_mode": "form",
            "target": "current",
        }
