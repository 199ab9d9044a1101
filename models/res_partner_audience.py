"""The audience of a ticked contact: its company's default audience, taken as
soon as one is set (``res.company.write``) and at the start of every run of
that audience (README "A contact's life": ticked without an audience). A log
says why a contact is not synced with an audience, never to tick a ticked one."""

from odoo import api, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _mailchimp_adopt_default_audience(self, companies):
        """Contacts ticked without an audience, of ``companies`` (and shared
        contacts, when the current company is one of them, as
        ``_mailchimp_default_audience`` reads it), take their company's
        default audience; the next push sends them. Returns them."""
        companies = companies.filtered("mailchimp_audience_id")
        if not companies:
            return self.browse()
        company_ids = companies.ids + ([False] if self.env.company in companies else [])
        partners = self.sudo().search(
            [
                ("mailchimp_sync", "=", True),
                ("mailchimp_audience_id", "=", False),
                ("company_id", "in", company_ids),
            ]
        )
        for company, group in partners.grouped(
            lambda p: p.company_id or self.env.company
        ).items():
            group.write({"mailchimp_audience_id": company.mailchimp_audience_id.id})
        return partners

    def _mailchimp_not_synced_message(self, audience):
        """Why this contact, whom Mailchimp's ``audience`` has, is not synced
        with it (a sync log line)."""
        self.ensure_one()
        if not self.mailchimp_sync:
            return self.env._(
                "In Mailchimp, not synced: tick “Sync with Mailchimp” to sync."
            )
        if not self.active:
            return self.env._(
                "In Mailchimp, not synced: the contact is archived in Odoo."
            )
        if not self.mailchimp_audience_id:
            return self.env._(
                "In Mailchimp, not synced: “Sync with Mailchimp” is ticked but the "
                "contact has no audience; choose this one on the contact (or make "
                "it the company's default audience)."
            )
        return self.env._(
            "In Mailchimp, not synced here: the contact is synced with the "
            "audience “%s”.",
            self.mailchimp_audience_id.sudo().display_name,
        )


class ResCompany(models.Model):
    _inherit = "res.company"

    def write(self, vals):
        res = super().write(vals)
        if vals.get("mailchimp_audience_id"):
            self.env["res.partner"]._mailchimp_adopt_default_audience(self)
        return res
