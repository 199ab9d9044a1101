"""Ask an unsubscribed person to subscribe again: the only way Mailchimp
allows is a confirmation email (status ``pending``), asked by a manager, with
the consent source written down, at most once per contact per 30 days."""

from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError

ASK_AGAIN_AFTER = timedelta(days=30)
ASKABLE_STATUSES = ("unsubscribed", "archived")


class MailchimpResubscribeWizard(models.TransientModel):
    _name = "mailchimp.resubscribe.wizard"
    _inherit = "mailchimp.contacts.wizard.mixin"
    _description = "Ask contacts to subscribe again in Mailchimp"

    consent_source = fields.Char(
        required=True,
        help="How the person asked to receive emails again (e.g. phone call "
        "of 12 May, signed form): kept on their Mailchimp membership.",
    )

    def action_confirm(self):
        self._check_manager()
        asked, refused = self.env["mailchimp.member"], []
        now = fields.Datetime.now()
        for partner in self.partner_ids.sudo():
            # only in audiences the manager may read: never another company's
            members = partner.mailchimp_member_ids.with_env(self.env)
            members = members._filtered_access("read").sudo()
            if not members:
                refused.append(f"{partner.display_name}: {self._not_in_mailchimp()}")
            for member in members:
                reason = self._refusal(member, now)
                if reason:
                    # a member not sent yet has no email of its own
                    refused.append(f"{member.email or partner.display_name}: {reason}")
                    continue
                try:
                    member._ask_to_resubscribe(self.consent_source, now)
                except UserError as error:
                    # said, and what Mailchimp already sent for the others is kept
                    refused.append(error.args[0])
                    continue
                asked |= member
        if not asked and refused:
            raise UserError("\n".join(refused))
        if len(asked) == 1:
            message = self.env._(
                "Confirmation email requested for %(email)s (“%(how)s”): "
                "Mailchimp sends it; the contact is pending until they confirm.",
                email=asked.email,
                how=self.consent_source,
            )
        else:
            message = self.env._(
                "%(count)s confirmation emails requested (“%(how)s”): "
                "Mailchimp sends them; the contacts are pending until they "
                "confirm.",
                count=len(asked),
                how=self.consent_source,
            )
        if refused:
            message += " " + self.env._("Not asked: %s", "; ".join(refused))
        return self.env["mailchimp.account"]._notify(
            message, "warning" if refused else "success"
        )

    def _not_in_mailchimp(self):
        return self.env._("not in Mailchimp")

    def _refusal(self, member, now):
        if not member.mailchimp_id:
            return self._not_in_mailchimp()
        if member.status == "cleaned":
            return self.env._("the address bounced (cleaned): it cannot be asked")
        if member.status not in ASKABLE_STATUSES:
            return self.env._("not unsubscribed (%s)", member.status or "-")
        if (
            member.resubscribe_asked_at
            and member.resubscribe_asked_at > now - ASK_AGAIN_AFTER
        ):
            return self.env._(
                "already asked on %s (at most once every 30 days)",
                fields.Date.to_string(member.resubscribe_asked_at),
            )
        return None
