"""Mailchimp → Settings, for Mailchimp managers: the company's default
audience and the two-way sync's interval, without Odoo's administration
rights (Settings is for administrators). Saved by the code after checking
the role, the company and the audience: exactly those two settings are
written as superuser. The interval IS the scheduled action's (shared with
Settings → Mailchimp, res_config_settings.py)."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .mailchimp_access import check_manager

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
# The audiences a company's default may be: of a connected account of that
# company (never the demo audience, never another company's).
DEFAULT_AUDIENCE_DOMAIN = (
    "[('account_id.state', '=', 'connected'), ('company_id', '=', company_id)]"
)


def sync_cron(env):
    """The two-way sync's scheduled action (as superuser), or an empty one."""
    cron = env.ref(SYNC_CRON, raise_if_not_found=False)
    return cron.sudo() if cron else env["ir.cron"].sudo()


def sync_schedule(env):
    """``(number, unit)`` of the two-way sync's interval."""
    cron = sync_cron(env)
    return (cron.interval_number, cron.interval_type) if cron else DEFAULT_INTERVAL


def set_sync_schedule(env, number, unit):
    """Write the interval on the scheduled action, only when it changed."""
    cron = sync_cron(env)
    if not cron:
        return
    wanted = {"interval_number": number, "interval_type": unit}
    changed = {key: value for key, value in wanted.items() if cron[key] != value}
    if not changed:
        return  # saving for another reason leaves the cron alone
    if number < 1 or not unit:
        raise UserError(env._("The synchronization interval must be at least 1."))
    cron.write(changed)


class MailchimpSettings(models.TransientModel):
    _name = "mailchimp.settings"
    _description = "Mailchimp settings of a company"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    audience_id = fields.Many2one(
        "mailchimp.audience",
        "Default audience",
        domain=DEFAULT_AUDIENCE_DOMAIN,
        default=lambda s: s.env.company.mailchimp_audience_id,
        help="Where this company's contacts ticked “Sync with Mailchimp” are "
        "sent when they have no audience of their own.",
    )
    interval_number = fields.Integer(
        "Synchronize every", default=lambda s: sync_schedule(s.env)[0]
    )
    interval_type = fields.Selection(
        INTERVAL_TYPES, "Unit", default=lambda s: sync_schedule(s.env)[1]
    )
    lastcall = fields.Datetime("Last run", compute="_compute_calls")
    nextcall = fields.Datetime("Next run", compute="_compute_calls")

    @api.depends("company_id")
    def _compute_calls(self):
        cron = sync_cron(self.env)
        for settings in self:
            settings.lastcall = cron.lastcall
            settings.nextcall = cron.nextcall

    def action_save(self):
        self.ensure_one()
        check_manager(self.audience_id, "read")
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(self.env._("This company is not one of yours."))
        if self.audience_id and self.audience_id.company_id != self.company_id:
            raise UserError(
                self.env._("Choose an audience of %s.", self.company_id.name)
            )
        if self.company_id.mailchimp_audience_id != self.audience_id:
            self.company_id.sudo().mailchimp_audience_id = self.audience_id
        set_sync_schedule(self.env, self.interval_number, self.interval_type)
        return self.env["mailchimp.account"]._notify(
            self.env._("Mailchimp settings saved."), "success"
        )
