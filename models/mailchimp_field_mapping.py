from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Partner values that are not a single field.
SPECIAL_SOURCES = {
    "first_name": ("name",),
    "last_name": ("name",),
    "address": ("street", "street2", "city", "zip", "state_id", "country_id"),
}

# Merge field tag -> default source, used when an audience is created or imported.
DEFAULT_MAPPINGS = {
    "FNAME": ("first_name", False),
    "LNAME": ("last_name", False),
    "ADDRESS": ("address", False),
    "PHONE": ("field", "phone"),
    "COMPANY": ("field", "commercial_company_name"),
}


class MailchimpFieldMapping(models.Model):
    _name = "mailchimp.field.mapping"
    _description = "Mailchimp Field Mapping"
    _order = "audience_id, sequence, id"

    sequence = fields.Integer(default=10)
    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    merge_field_id = fields.Many2one(
        "mailchimp.merge.field",
        required=True,
        ondelete="cascade",
        domain="[('audience_id', '=', audience_id)]",
    )
    merge_tag = fields.Char(related="merge_field_id.tag")
    merge_type = fields.Selection(related="merge_field_id.type")
    source = fields.Selection(
        [
            ("field", "Contact field"),
            ("first_name", "First name (from the contact name)"),
            ("last_name", "Last name (from the contact name)"),
            ("address", "Contact address"),
        ],
        default="field",
        required=True,
    )
    field_name = fields.Char(
        "Contact Field",
        help="Technical name of the res.partner field, or a related path such as "
        "parent_id.name.",
    )
    direction = fields.Selection(
        [
            ("both", "Both ways"),
            ("odoo_to_mc", "Odoo → Mailchimp only"),
            ("mc_to_odoo", "Mailchimp → Odoo only"),
        ],
        default="both",
        required=True,
    )

    _sql_constraints = [
        (
            "merge_field_uniq",
            "unique(audience_id, merge_field_id)",
            "A merge field is mapped once per audience.",
        )
    ]

    @api.constrains("source", "field_name")
    def _check_field_name(self):
        partner_model = self.env["res.partner"]
        for mapping in self:
            if mapping.source != "field":
                continue
            if not mapping.field_name:
                raise ValidationError(
                    self.env._(
                        "Choose the contact field mapped to %s.", mapping.merge_tag
                    )
                )
            model = partner_model
            for part in mapping.field_name.split("."):
                field = model._fields.get(part)
                if field is None:
                    raise ValidationError(
                        self.env._(
                            "“%(path)s” is not a field of contacts.",
                            path=mapping.field_name,
                        )
                    )
                if field.relational:
                    model = self.env[field.comodel_name]

    def _partner_fields(self):
        """Root partner fields whose change must be pushed."""
        names = set()
        for mapping in self:
            if mapping.source == "field" and mapping.field_name:
                names.add(mapping.field_name.split(".")[0])
            else:
                names.update(SPECIAL_SOURCES.get(mapping.source, ()))
        return names

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        self.env.registry.clear_cache()
        return mappings

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res
