"""Tags both ways. Odoo owns the tags it sets (contact tags when the audience
exports them, and the Mailchimp tags mapped to contact tags): a member keeps a
record of them, and only those are ever removed (marked inactive) when the
contact loses them; tags set in Mailchimp by hand or by a journey are never
touched. A Mailchimp tag mapped to a contact tag can also be read back."""

import json

from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import Constraint
from .mailchimp_field_mapping import DIRECTIONS


class MailchimpTagMapping(models.Model):
    _name = "mailchimp.tag.mapping"
    _inherit = ["mailchimp.mapping.reflag"]
    _description = "Mailchimp Tag Mapping"
    _order = "audience_id, name"

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    name = fields.Char("Mailchimp tag", required=True)
    category_id = fields.Many2one(
        "res.partner.category", string="Contact tag", required=True, ondelete="cascade"
    )
    direction = fields.Selection(DIRECTIONS, default="both", required=True)

    _audience_tag_uniq = Constraint(
        "unique(audience_id, name)",
        "A Mailchimp tag is mapped once per audience.",
    )


class MailchimpMember(models.Model):
    _inherit = "mailchimp.member"

    odoo_tags = fields.Char(
        copy=False,
        readonly=True,
        help="The tags Odoo set on this member in Mailchimp (the only ones it "
        "ever removes).",
    )
    odoo_tags_pending = fields.Char(copy=False, readonly=True)

    def _tag_changes(self, partner):
        """``(tags to set, tags to remove)``; ``None`` when the audience
        manages no tags (nothing is sent, nothing is removed). Odoo sets the
        mapped contact tags under their Mailchimp name and, when the audience
        exports them, the other contact tags too."""
        audience = self.audience_id
        renamed = {
            m.category_id: m.name
            for m in audience.tag_mapping_ids
            if m.direction != "mc_to_odoo"
        }
        if not (audience.export_categories or renamed):
            return None
        wanted = {renamed[c] for c in partner.category_id if c in renamed}
        if audience.export_categories:
            wanted |= {renamed.get(c, c.name) for c in partner.category_id}
        owned = set(json.loads(self.odoo_tags or "[]"))
        owned |= set(json.loads(self.odoo_tags_pending or "[]"))
        return sorted(wanted), sorted(owned - wanted)

    @api.model
    def _store_pending_tags(self, rows):
        """``[(member id, [tag names])]`` sent in this batch: one UPDATE."""
        if not rows:
            return
        self.flush_model(["odoo_tags_pending"])
        self.env.cr.execute(
            SQL(
                """UPDATE mailchimp_member m SET odoo_tags_pending = v.tags
                     FROM (VALUES %s) AS v(id, tags) WHERE m.id = v.id""",
                SQL(", ").join(
                    SQL("(%s, %s)", mid, json.dumps(names)) for mid, names in rows
                ),
            )
        )
        self.browse([mid for mid, _n in rows]).invalidate_recordset(
            ["odoo_tags_pending"]
        )

    @api.model
    def _confirm_tags(self, member_ids):
        """Mailchimp applied the tags sent: they are now Odoo's record."""
        if not member_ids:
            return
        self.flush_model(["odoo_tags", "odoo_tags_pending"])
        self.env.cr.execute(
            SQL(
                """UPDATE mailchimp_member SET odoo_tags = odoo_tags_pending,
                          odoo_tags_pending = NULL
                    WHERE id = ANY(%s) AND odoo_tags_pending IS NOT NULL""",
                list(member_ids),
            )
        )
        self.browse(member_ids).invalidate_recordset(["odoo_tags", "odoo_tags_pending"])
