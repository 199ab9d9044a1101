from odoo import fields, models

from ..models.mailchimp_access import check_manager


class MailchimpContactsWizardMixin(models.AbstractModel):
    """A manager's action on the contacts selected in a list or form."""

    _name = "mailchimp.contacts.wizard.mixin"
    _description = "Mailchimp action on selected contacts"

    partner_ids = fields.Many2many(
        "res.partner", string="Contacts", default=lambda self: self._default_partners()
    )

    def _default_partners(self):
        if self.env.context.get("active_model") == "res.partner":
            return self.env["res.partner"].browse(self.env.context.get("active_ids"))
        return self.env["res.partner"]

    def _check_manager(self):
        self.ensure_one()
        check_manager(self.partner_ids, "read")
