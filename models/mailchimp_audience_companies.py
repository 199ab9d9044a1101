"""Contacts created from Mailchimp, and their companies.

When an audience creates contacts from Mailchimp and its COMPANY merge field
is mapped (the "Company" source, or a contact field holding the company), a
new member whose COMPANY names a company is created as a person under that
company contact (``parent_id``): the company is matched by exact name among
the company contacts of the audience's company or shared ones, else created.
Without a company name the member is an individual. One search for a page's
company names, one create for the companies it lacks.
"""

from odoo import models

from .mailchimp_mapper import COMPANY_SOURCES, without_address
from .mailchimp_sync_rules import company_domain

# contact fields (roots of a mapping's path) that hold a contact's company
COMPANY_FIELDS = (*COMPANY_SOURCES, "parent_id")


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    def _company_merge_tag(self):
        """The merge field tag holding the member's company, or None."""
        for mapping in self.mapping_ids:
            root = (mapping.field_name or "").split(".")[0]
            if mapping.source == "company" or (
                mapping.source == "field" and root in COMPANY_FIELDS
            ):
                return mapping.merge_field_id.tag
        return None

    def _partner_vals_from_remote(self, remotes, mapper):
        """Values of the contacts to create for ``remotes``: mapped fields,
        groups, the email, the sync ticked, and the company contact (found or
        created) as parent when COMPANY names one."""
        Partner = self.env["res.partner"].with_context(mailchimp_no_sync=True)
        tag = self._company_merge_tag()
        names = [_company_name(remote, tag) for remote in remotes]
        companies = self._companies_named({name for name in names if name})
        vals_list = []
        for remote, company_name in zip(remotes, names, strict=True):
            vals = mapper.to_odoo(remote, Partner)
            vals.setdefault("name", remote.email)
            vals.update(
                email=remote.email,
                mailchimp_sync=True,
                mailchimp_audience_id=self.id,
            )
            if company_name:
                for fname in COMPANY_FIELDS:
                    vals.pop(fname, None)
                without_address(Partner, vals)
                vals["parent_id"] = companies[company_name]
            vals_list.append(vals)
        return vals_list

    def _companies_named(self, names):
        """``{name: company contact id}`` for ``names``: the existing company
        contact of that exact name (of the audience's company or shared,
        lowest id), the missing ones created at once."""
        if not names:
            return {}
        Partner = self.env["res.partner"].with_context(mailchimp_no_sync=True)
        found = Partner.search(
            [
                ("is_company", "=", True),
                ("name", "in", list(names)),
                *company_domain(self),
            ],
            order="id desc",
        )
        companies = {company.name: company.id for company in found}
        missing = sorted(names - companies.keys())
        created = Partner.create(
            [{"name": name, "is_company": True} for name in missing]
        )
        companies.update(zip(missing, created.ids, strict=True))
        return companies


def _company_name(remote, tag):
    """The company a member's COMPANY merge value names, or ''."""
    value = remote.merge_fields.get(tag) if tag else None
    return value.strip() if isinstance(value, str) else ""
