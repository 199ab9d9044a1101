"""Forget in Mailchimp (GDPR) from the contacts' Action menu: the same
question the contact's button asks, before the irreversible erasure."""

from odoo import models


class MailchimpForgetWizard(models.TransientModel):
    _name = "mailchimp.forget.wizard"
    _inherit = "mailchimp.contacts.wizard.mixin"
    _description = "Forget contacts in Mailchimp (GDPR)"

    def action_confirm(self):
        self._check_manager()
        return self.partner_ids.action_mailchimp_forget()
