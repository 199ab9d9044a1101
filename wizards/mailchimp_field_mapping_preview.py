"""The mapping wizard's preview: for contacts the user picks (three ticked
contacts of the audience by default), a table of what a push would send,
merge field by merge field and group by group, with the reason for anything
left out. Nothing is sent."""

import json

from markupsafe import Markup, escape

from odoo import fields, models

from ..models.mailchimp_mapper import TO_MAILCHIMP, Mapper

PREVIEW_CONTACTS = 3
NOT_SENT = "—"


def _shown(value):
    """A merge value as the user reads it (an address on one line)."""
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v)
    if value in (None, "", False):
        return NOT_SENT
    return value if isinstance(value, str) else json.dumps(value)


class MailchimpFieldMappingWizard(models.TransientModel):
    _inherit = "mailchimp.field.mapping.wizard"

    preview_partner_ids = fields.Many2many(
        "res.partner",
        string="Contacts to preview",
        domain="[('email', '!=', False)]",
        help="The contacts whose values the preview shows (three contacts "
        "ticked for this audience by default).",
    )
    preview = fields.Html(readonly=True, sanitize=True)

    def _default_preview_partners(self, audience):
        """Three contacts ticked for the audience, else three with an email
        (a new audience has none ticked yet)."""
        Partner = self.env["res.partner"]
        return Partner.search(
            [
                ("mailchimp_sync", "=", True),
                ("mailchimp_audience_id", "=", audience.id),
                ("email", "!=", False),
            ],
            limit=PREVIEW_CONTACTS,
        ) or Partner.search([("email", "!=", False)], limit=PREVIEW_CONTACTS)

    def _preview_rows(self):
        """``[(contact, what, value sent, note)]`` for the chosen contacts."""
        self.ensure_one()
        mappings = self._pseudo_mappings()
        mappings._check_compatible()
        sent = mappings.filtered(lambda m: m.direction != "mc_to_odoo")
        required = self._unmapped_required(sent)
        mapper = Mapper(self.audience_id, sent, required, TO_MAILCHIMP)
        names = {
            i.mailchimp_id: f"{i.category_id.name}: {i.name}"
            for i in self.audience_id.interest_category_ids.interest_ids
        }
        tags = (sent.merge_field_id | required).mapped("tag")
        rows = []
        for partner in self.preview_partner_ids:
            contact = f"{partner.display_name} <{partner.email}>"
            merge, skipped = mapper.to_mailchimp(partner)
            notes = dict(skipped)
            for tag in tags:
                note = notes.get(tag) or (
                    "required: the audience's default"
                    if tag in required.mapped("tag")
                    else ""
                )
                rows.append((contact, tag, _shown(merge.get(tag)), note))
            for iid, on in mapper.interests(partner).items():
                rows.append(
                    (contact, names.get(iid, iid), "yes" if on else "no", "group")
                )
        return rows

    def action_preview(self):
        """Show what would be sent for the chosen contacts (nothing is sent)."""
        self.ensure_one()
        if not self.preview_partner_ids:
            self.preview_partner_ids = self._default_preview_partners(self.audience_id)
        rows = self._preview_rows()
        if not rows:
            self.preview = Markup("<p>%s</p>") % self.env._(
                "No contact to preview: choose contacts with an email."
            )
            return self._reopen()
        self.preview = self._preview_table(rows)
        return self._reopen()

    def _preview_table(self, rows):
        """Merge fields and groups down, the chosen contacts across: what
        each contact sends reads at a glance; a note under a value says why
        it is left out or where it comes from."""
        contacts = list(dict.fromkeys(row[0] for row in rows))
        whats = list(dict.fromkeys(row[1] for row in rows))
        cells = {(row[0], row[1]): (row[2], row[3]) for row in rows}
        head = Markup("<th>%s</th>") % self.env._("Merge field or group")
        head += Markup("").join(Markup("<th>%s</th>") % c for c in contacts)
        body = Markup("")
        for what in whats:
            line = Markup("<th>%s</th>") % what
            for contact in contacts:
                value, note = cells.get((contact, what), (NOT_SENT, ""))
                cell = escape(value)
                if note:
                    cell += Markup('<br/><small class="text-muted">%s</small>') % note
                line += Markup("<td>%s</td>") % cell
            body += Markup("<tr>%s</tr>") % line
        return (
            Markup('<table class="table table-sm"><thead><tr>%s</tr></thead>') % head
            + Markup("<tbody>%s</tbody></table>") % body
        )
