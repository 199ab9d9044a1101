from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..compat import PARTNER_PHONE_FIELDS, Constraint
from ..services.payload import CHOICE_TYPES, MERGE_FIELD_TYPES
from .mailchimp_mapping_policy import (
    mapping_path_error,
    path_fields,
    writable_field_error,
)

# Partner values that are not a single field.
SPECIAL_SOURCES = {
    "first_name": ("name",),
    "last_name": ("name",),
    "address": ("street", "street2", "city", "zip", "state_id", "country_id"),
    "company": ("parent_id", "company_name", "is_company", "name"),
}
# sources Mailchimp never writes back (a value made of several fields)
ONE_WAY_SOURCES = ("company",)

# Merge field tag -> default source, used when an audience is created or imported.
DEFAULT_MAPPINGS = {
    "FNAME": ("first_name", False),
    "LNAME": ("last_name", False),
    "ADDRESS": ("address", False),
    "PHONE": ("field", "phone"),
    "COMPANY": ("company", False),
    "WEBSITE": ("field", "website"),
}
if "mobile" in PARTNER_PHONE_FIELDS:  # Odoo 19 has none: MOBILE is left to map
    DEFAULT_MAPPINGS["MOBILE"] = ("field", "mobile")
SOURCES = [
    ("field", "Contact field"),
    ("first_name", "First name (from the contact name)"),
    ("last_name", "Last name (from the contact name)"),
    ("address", "Contact address"),
    ("company", "Company (the contact's company name)"),
]
DIRECTIONS = [
    ("both", "Both ways"),
    ("odoo_to_mc", "Odoo → Mailchimp only"),
    ("mc_to_odoo", "Mailchimp → Odoo only"),
]
# Merge field type -> partner field types it can hold (the table of types).
COMPATIBLE_TYPES = {key: kind.odoo_types for key, kind in MERGE_FIELD_TYPES.items()}


class MailchimpFieldMapping(models.Model):
    _name = "mailchimp.field.mapping"
    _inherit = ["mailchimp.mapping.reflag"]
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
        SOURCES,
        default="field",
        required=True,
    )
    field_name = fields.Char(
        "Contact Field",
        help="Technical name of the res.partner field, or a related path such as "
        "parent_id.name.",
    )
    direction = fields.Selection(
        DIRECTIONS,
        default="both",
        required=True,
    )

    _merge_field_uniq = Constraint(
        "unique(audience_id, merge_field_id)",
        "A merge field is mapped once per audience.",
    )

    field_label = fields.Char(
        "Contact value", compute="_compute_field_label", help="What is sent."
    )

    @api.depends("source", "field_name")
    def _compute_field_label(self):
        sources = dict(self._fields["source"]._description_selection(self.env))
        for mapping in self:
            if mapping.source != "field":
                mapping.field_label = sources.get(mapping.source)
                continue
            mapping.field_label = " → ".join(
                field._description_string(self.env) if field else name
                for _model, name, field in path_fields(
                    self.env, mapping.field_name or ""
                )
            )

    @api.constrains("source", "field_name", "direction")
    def _check_field_name(self):
        for mapping in self:
            if mapping.source != "field":
                continue
            if not mapping.field_name:
                raise ValidationError(
                    self.env._(
                        "Choose the contact field mapped to %s.", mapping.merge_tag
                    )
                )
            error = mapping_path_error(self.env, mapping.field_name)
            if error:
                raise ValidationError(error)
            if mapping.direction != "odoo_to_mc" and "." not in mapping.field_name:
                reason = writable_field_error(self.env, mapping.field_name)
                if reason:
                    raise ValidationError(
                        self.env._(
                            "Mailchimp cannot write “%(field)s” (%(reason)s): map it "
                            "“Odoo → Mailchimp only”.",
                            field=mapping.field_name,
                            reason=reason,
                        )
                    )

    @api.constrains("source", "field_name", "merge_field_id")
    def _check_compatible(self):
        """Refuse a contact field that cannot hold the merge field's values."""
        for mapping in self:
            mtype = mapping.merge_field_id.type
            if mapping.source == "address" or mtype == "address":
                mapping._check_address_source()
            elif mapping.source in ("first_name", "last_name", "company"):
                mapping._check_name_source()
            else:
                # the field the path ends at
                *_way, (_m, _n, field) = path_fields(self.env, mapping.field_name or "")
                if field is None:
                    continue  # reported by _check_field_name
                mapping._check_field_type(field)
                if mtype in CHOICE_TYPES and field.type == "selection":
                    mapping._check_selection_choices(field)

    def _check_address_source(self):
        """Only an address merge field takes the contact address."""
        mtype = self.merge_field_id.type
        if self.source != "address" or mtype != "address":
            raise ValidationError(
                self.env._(
                    "%(tag)s is a %(type)s field: only an address merge field "
                    "takes the contact address.",
                    tag=self.merge_field_id.tag,
                    type=mtype,
                )
            )

    def _check_name_source(self):
        if self.merge_field_id.type != "text":
            raise ValidationError(
                self.env._(
                    "%s is not a text field: it cannot take a name.",
                    self.merge_field_id.tag,
                )
            )

    def _check_field_type(self, field):
        """The contact field's type can hold the merge field's values (a phone
        merge field takes the phone or mobile only)."""
        mtype = self.merge_field_id.type
        allowed = COMPATIBLE_TYPES.get(mtype, set())
        if field.type not in allowed or (
            mtype == "phone" and self.field_name not in PARTNER_PHONE_FIELDS
        ):
            raise ValidationError(
                self.env._(
                    "The contact field “%(field)s” (%(ftype)s) cannot be mapped to "
                    "the %(mtype)s merge field %(tag)s.",
                    field=field.string,
                    ftype=field.type,
                    mtype=mtype,
                    tag=self.merge_field_id.tag,
                )
            )

    def _check_selection_choices(self, field):
        """Every label of the selection is a choice of the merge field."""
        labels = {label for _key, label in field._description_selection(self.env)}
        choices = set(self.merge_field_id._choice_list())
        if not labels <= choices:
            raise ValidationError(
                self.env._(
                    "The values of “%(field)s” are not all choices of %(tag)s "
                    "(missing: %(missing)s).",
                    field=field.string,
                    tag=self.merge_field_id.tag,
                    missing=", ".join(sorted(labels - choices)),
                )
            )

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
        for vals in vals_list:
            # a field Mailchimp may not write is mapped one way by default
            fname = vals.get("field_name")
            if vals.get("source") in ONE_WAY_SOURCES:
                vals["direction"] = "odoo_to_mc"
            elif (
                "direction" not in vals
                and vals.get("source", "field") == "field"
                and fname
                and ("." in fname or writable_field_error(self.env, fname))
            ):
                vals["direction"] = "odoo_to_mc"
        return super().create(vals_list)
