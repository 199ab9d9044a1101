from odoo import fields, models

SYNC_INTERVALS = [
    ("1", "1 hour"),
    ("2", "2 hours"),
    ("4", "4 hours"),
    ("8", "8 hours"),
    ("12", "12 hours"),
    ("24", "24 hours"),
]


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
    mailchimp_sync_interval = fields.Selection(
        SYNC_INTERVALS,
        "Sync every",
        default="1",
        config_parameter="mailchimp_sync.interval_hours",
    )
    mailchimp_oauth_client_id = fields.Char(
        "Mailchimp OAuth Client ID", config_parameter="mailchimp_sync.oauth_client_id"
    )
    mailchimp_oauth_client_secret = fields.Char(
        "Mailchimp OAuth Client Secret",
        config_parameter="mailchimp_sync.oauth_client_secret",
        groups="base.group_system",
    )

    def set_values(self):
        res = super().set_values()
        cron = self.env.ref(
            "mailchimp_sync.ir_cron_mailchimp_sync", raise_if_not_found=False
        )
        hours = int(self.mailchimp_sync_interval or 1)
        if cron and (cron.interval_type, cron.interval_number) != ("hours", hours):
            cron.sudo().write({"interval_type": "hours", "interval_number": hours})
        return res
