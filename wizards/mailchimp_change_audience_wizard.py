"""Move many contacts to another Mailchimp audience at once: the old audience
gets its un-tick policy on the next run, only the new one is kept in sync."""

from odoo import fields, models
from odoo.exceptions import UserError


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
        if not moved:
            raise UserError(
                self.env._(
                    "These contacts are already in %s.", self.audience_id.display_name
                )
            )
        # each former audience applies its own un-tick policy, named as the
        # audience form shows it; one of a company the user is not in stays
        # unnamed (reading it would refuse the whole move)
        former = moved.mailchimp_audience_id._filtered_access("read")
        moved.write({"mailchimp_audience_id": self.audience_id.id})
        message = self._moved_message(moved)
        policies = dict(
            former._fields["untick_policy"]._description_selection(self.env)
        )
        for audience in former:
            message += " " + self.env._(
                "In %(audience)s it applies “%(policy)s”.",
                audience=audience.display_name,
                policy=policies[audience.untick_policy],
            )
        return self.env["mailchimp.account"]._notify(message, "success")

    def _moved_message(self, moved):
        """What the next sync does with the contacts moved: an unticked one
        is not sent."""
        unticked = moved.filtered(lambda p: not p.mailchimp_sync)
        audience = self.audience_id.display_name
        if len(moved) == 1 and unticked:
            return self.env._(
                "%(contact)s moved to %(audience)s: not sent until “Sync with "
                "Mailchimp” is ticked.",
                contact=moved.display_name,
                audience=audience,
            )
        if len(moved) == 1:
            return self.env._(
                "%(contact)s moved to %(audience)s: the next sync sends it there.",
                contact=moved.display_name,
                audience=audience,
            )
        message = self.env._(
            "%(count)s contacts moved to %(audience)s: the next sync sends them there.",
            count=len(moved),
            audience=audience,
        )
        if unticked:
            message += " " + self.env._(
                "%s of them not sent until “Sync with Mailchimp” is ticked.",
                len(unticked),
            )
        return message
