"""Who a remote member is in Odoo: matching by Mailchimp id, by the email
last sent, then by the contact that owns the email (the mapper's one rule);
Mailchimp's values written to a contact under the sync rules
(``mailchimp_sync_rules.py``).

Contacts created from Mailchimp, and their companies: when an audience
creates contacts from Mailchimp and its COMPANY merge field is mapped (the
"Company" source, or a contact field holding the company), a new member whose
COMPANY names a company is created as a person under that company contact
(``parent_id``): the company is matched by exact name among the company
contacts of the audience's company or shared ones, else created. Without a
company name the member is an individual. One search for a page's company
names, one create for the companies it lacks."""

from odoo import models
from odoo.tools import email_normalize

from .mailchimp_audience_pull import (
    BRAKE_MIN_CONTACTS,
    BRAKE_SHARE,
    MSG_KNOWN_ELSEWHERE,
    MSG_SUPPRESSED,
)
from .mailchimp_mapper import COMPANY_SOURCES, TO_ODOO, Mapper, without_address
from .mailchimp_sync_rules import company_domain, mailchimp_wins

# contact fields (roots of a mapping's path) that hold a contact's company
COMPANY_FIELDS = (*COMPANY_SOURCES, "parent_id")


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    def _match_rows(self, remotes, emails, log):
        """``({remote id: member row}, {emails Odoo has elsewhere})``: by
        Mailchimp id, then by the email last sent, then by the contact with
        that email in this company (the one already in this audience, else
        the one ticked for it, else the lowest id). A few queries per page,
        none per member."""
        Member = self.env["mailchimp.member"]
        hashes = [remote.id for remote in remotes]
        rows = {
            r.mailchimp_id: r
            for r in Member.search(
                [("audience_id", "=", self.id), ("mailchimp_id", "in", hashes)]
            )
        }
        missing = {emails[h]: h for h in hashes if h not in rows}
        if not missing:
            return rows, set()
        for row in Member.search(
            [("audience_id", "=", self.id), ("email", "in", list(missing))]
        ):
            rows.setdefault(missing.get(email_normalize(row.email or "")), row)
        missing = {e: h for e, h in missing.items() if h not in rows}
        blocked = {
            email: MSG_SUPPRESSED[reason]
            for email, reason in self.env["mailchimp.suppression"]
            ._suppressed(self, list(missing))
            .items()
        }
        forgotten = {
            e for e, msg in blocked.items() if msg == MSG_SUPPRESSED["forgotten"]
        }
        missing = {e: h for e, h in missing.items() if e not in forgotten}
        candidates = {}
        for partner in self.env["res.partner"].search(
            [("email_normalized", "in", list(missing)), *company_domain(self)],
            order="id",
        ):
            candidates.setdefault(partner.email_normalized, []).append(partner)
        unmatched = set(missing) - set(candidates)
        if unmatched:
            for partner in (
                self.env["res.partner"]
                .with_context(active_test=False)
                .search([("email_normalized", "in", list(unmatched))])
            ):
                blocked.setdefault(partner.email_normalized, MSG_KNOWN_ELSEWHERE)
        rows.update(self._link_candidates(missing, candidates, log))
        return rows, blocked

    def _link_candidates(self, missing, candidates, log):
        """New member rows for remote members matched to a contact by email."""
        Member = self.env["mailchimp.member"]
        partner_ids = [p.id for group in candidates.values() for p in group]
        row_by_partner = {
            r.partner_id: r
            for r in Member.search(
                [("audience_id", "=", self.id), ("partner_id", "in", partner_ids)]
            )
        }
        owners = Mapper.of(self, TO_ODOO).owner_of(list(candidates))
        rows, to_create = {}, []
        for email, remote_id in missing.items():
            group = candidates.get(email)
            if not group:
                continue
            partner = next((p for p in group if p.id == owners.get(email)), group[0])
            for other in group:
                if other != partner:
                    log._add_line(
                        Member.new({"partner_id": other.id, "email": email}),
                        "duplicate",
                        f"Same email as “{partner.display_name}”, linked instead.",
                    )
            if partner in row_by_partner:
                rows[remote_id] = row_by_partner[partner]
            else:
                to_create.append((remote_id, partner))
        new_rows = Member.create(
            [
                {"audience_id": self.id, "partner_id": p.id}
                for _remote_id, p in to_create
            ]
        )
        for row in new_rows:
            if not row.partner_id._mailchimp_ticked_for(self):
                log._add_line(
                    row, "info", row.partner_id._mailchimp_not_synced_message(self)
                )
        rows.update(zip([r for r, _p in to_create], new_rows, strict=True))
        return rows

    def _hold_tag_removals(self, remotes, rows, mapper, log):
        """The brake on mapped tags read back: a tag gone from many contacts of
        a page at once removes no contact tag (the log says so)."""
        pairs = [(r, rows[r.id].partner_id) for r in remotes if r.id in rows]
        held = mapper.brake_tag_removals(pairs, BRAKE_SHARE, BRAKE_MIN_CONTACTS)
        for name, count in held.items():
            log._add_line(
                self.env["mailchimp.member"],
                "info",
                f"Mailchimp tag “{name}” gone from {count} contacts at once: their "
                "contact tag is kept (brake); remove it in Odoo if that was meant.",
            )

    def _apply_merge_values(self, row, partner, remote, mapper, changed):
        """Write Mailchimp's changes to the partner when the conflict decision
        lets it; else Odoo's values are sent back."""
        diff = mapper.changes(remote, partner)
        if not diff:
            return
        if mailchimp_wins(self, row.odoo_changed_at, changed):
            partner.write(diff)
        else:
            row._mark_need_sync()

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
