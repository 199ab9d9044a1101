from odoo import api, fields, models
from odoo.exceptions import UserError

from .mailchimp_settings import (
    DEFAULT_AUDIENCE_DOMAIN,
    INTERVAL_TYPES,
    set_sync_schedule,
    sync_cron,
    sync_schedule,
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mailchimp_account_id = fields.Many2one(
        "mailchimp.account",
        "Default Mailchimp Account",
        config_parameter="mailchimp_sync.default_account_id",
    )
    mailchimp_audience_id = fields.Many2one(
        related="company_id.mailchimp_audience_id",
        readonly=False,
        domain=DEFAULT_AUDIENCE_DOMAIN,
    )
    mailchimp_connected_account_ids = fields.Many2many(
        "mailchimp.account",
        string="Connected accounts",
        compute="_compute_mailchimp_connected_accounts",
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

    @api.depends("company_id")
    def _compute_mailchimp_sync_schedule(self):
        number, unit = sync_schedule(self.env)
        for settings in self:
            settings.mailchimp_sync_interval_number = number
            settings.mailchimp_sync_interval_type = unit

    @api.depends("company_id")
    def _compute_mailchimp_connected_accounts(self):
        connected = self.env["mailchimp.account"].search([("state", "=", "connected")])
        for settings in self:
            settings.mailchimp_connected_account_ids = connected

    @api.depends("company_id")
    def _compute_mailchimp_sync_calls(self):
        cron = sync_cron(self.env)
        for settings in self:
            settings.mailchimp_sync_lastcall = cron.lastcall
            settings.mailchimp_sync_nextcall = cron.nextcall

    def set_values(self):
        res = super().set_values()
        set_sync_schedule(
            self.env,
            self.mailchimp_sync_interval_number,
            self.mailchimp_sync_interval_type,
        )
        return res

    def action_mailchimp_open_sync_cron(self):
        """The scheduled action of the two-way sync (administrators)."""
        cron = sync_cron(self.env)
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
