"""Move many contacts to another Mailchimp audience at once: the old audience
gets its un-tick policy on the next run, only the new one is kept in sync."""

from odoo import fields, models


class MailchimpChangeAudienceWizard(models.TransientModel):
    _name = "mailchimp.change.audience.wizard"
    _inherit = "mailchimp.contacts.wizard.mixin"
    _description = "Change the Mailchimp audience of contacts"

    audience_id = fields.Many2one("mailchimp.audience", required=True)

    def action_confirm(self):
        self._check_manager()
        moved = self.partner_ids.filtered(
            lambda p: p.mailchimp_audience_id != self.audience_id
        )
        moved.write({"mailchimp_audience_id": self.audience_id.id})
        policy = dict(
            self.env["mailchimp.audience"]
            ._fields["untick_policy"]
            ._description_selection(self.env)
        ).get("archive")
        if len(moved) == 1:
            message = self.env._(
                "%(contact)s moved to %(audience)s: the next sync sends it there "
                "and applies “%(policy)s” in its former audience.",
                contact=moved.display_name,
                audience=self.audience_id.display_name,
                policy=policy,
            )
        else:
            message = self.env._(
                "%(count)s contacts moved to %(audience)s: the next sync sends "
                "them there and applies “%(policy)s” in their former audience.",
                count=len(moved),
                audience=self.audience_id.display_name,
                policy=policy,
            )
        return self.env["mailchimp.account"]._notify(message, "success")
