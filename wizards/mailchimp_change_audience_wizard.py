"""Move many contacts to another Mailchimp audience at once: the old audience
gets its un-tick policy on the next run, only the new one is kept in sync."""

from odoo import fields, models
from odoo.exceptions import AccessError

MANAGER_GROUP = "mailchimp_sync.group_mailchimp_manager"


class MailchimpChangeAudienceWizard(models.TransientModel):
    _name = "mailchimp.change.audience.wizard"
    _description = "Change the Mailchimp audience of contacts"

    partner_ids = fields.Many2many(
        "res.partner", default=lambda self: self._default_partners()
    )
    audience_id = fields.Many2one("mailchimp.audience", required=True)

    def _default_partners(self):
        if self.env.context.get("active_model") == "res.partner":
            return self.env["res.partner"].browse(self.env.context.get("active_ids"))
        return self.env["res.partner"]

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only Mailchimp managers can do this."))
        moved = self.partner_ids.filtered(
            lambda p: p.mailchimp_audience_id != self.audience_id
        )
        moved.write({"mailchimp_audience_id": self.audience_id.id})
        return self.env["mailchimp.account"]._notify(
            self.env._(
                "%(count)s contacts moved to %(audience)s: the next sync sends them "
                "there and applies “%(policy)s” in their former audience.",
                count=len(moved),
                audience=self.audience_id.display_name,
                policy=dict(
                    self.env["mailchimp.audience"]
                    ._fields["untick_policy"]
                    ._description_selection(self.env)
                ).get("archive"),
            ),
            "success",
        )
