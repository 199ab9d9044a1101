"""A line of the mapping wizard: one merge field, the contact field it is
mapped to and the direction. Only fields a user recognises are offered, by
their labels: no metadata, no technical or computed fields, nothing the
mapping rules refuse."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..compat import PARTNER_PHONE_FIELDS
from ..models.mailchimp_field_mapping import COMPATIBLE_TYPES, DIRECTIONS, SOURCES
from ..models.mailchimp_mapping_policy import mapping_path_error, writable_field_error
from ..services.payload import CHOICE_TYPES

# contact fields never offered: metadata and the sync's own fields
HIDDEN_FIELDS = frozenset(
    {"id", "create_date", "create_uid", "write_date", "write_uid", "display_name"}
)
HIDDEN_PREFIXES = ("mailchimp_", "message_", "activity_", "website_message", "_")


def offered(env, field):
    """Whether a contact field is one a user would pick for a merge field."""
    if field is None or field.name in HIDDEN_FIELDS:
        return False
    if field.name.startswith(HIDDEN_PREFIXES) or not field.store:
        return False
    if field.compute and not field.inverse and not field.related:
        return False  # technical computed values (commercial_company_name...)
    return not mapping_path_error(env, field.name)


def direction_for(env, source, field_name, wanted):
    """``wanted``, or Odoo to Mailchimp only for a contact field Mailchimp's
    values may not be written to."""
    if source == "field" and writable_field_error(env, field_name or ""):
        return "odoo_to_mc"
    return wanted


class MailchimpFieldMappingWizardLine(models.TransientModel):
    _name = "mailchimp.field.mapping.wizard.line"
    _description = "Merge field mapping line"

    wizard_id = fields.Many2one("mailchimp.field.mapping.wizard", ondelete="cascade")
    merge_field_id = fields.Many2one("mailchimp.merge.field", required=True)
    tag = fields.Char(related="merge_field_id.tag")
    merge_type = fields.Selection(related="merge_field_id.type")
    required = fields.Boolean(related="merge_field_id.required")
    choices = fields.Char(related="merge_field_id.choices_display")
    source = fields.Selection(
        [("none", "Not mapped"), *SOURCES], default="none", required=True
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        "Contact field",
        domain="[('id', 'in', allowed_field_ids)]",
    )
    allowed_field_ids = fields.Many2many(
        "ir.model.fields", compute="_compute_allowed_field_ids"
    )
    direction = fields.Selection(
        DIRECTIONS,
        default="both",
        required=True,
    )

    @api.depends("merge_type")
    def _compute_allowed_field_ids(self):
        """Only contact fields that can hold the merge field's values."""
        Fields = self.env["ir.model.fields"]
        partner_fields = self.env["res.partner"]._fields
        for line in self:
            mtype = line.merge_type
            domain = [
                ("model", "=", "res.partner"),
                ("store", "=", True),
                ("ttype", "in", sorted(COMPATIBLE_TYPES.get(mtype, set()))),
            ]
            if mtype == "phone":
                domain.append(("name", "in", list(PARTNER_PHONE_FIELDS)))
            candidates = Fields.search(domain).filtered(
                lambda record: offered(self.env, partner_fields.get(record.name))
            )
            if mtype in CHOICE_TYPES:
                choices = set(line.merge_field_id._choice_list())
                candidates = candidates.filtered(
                    lambda record, choices=frozenset(choices): self._fits_choices(
                        partner_fields.get(record.name), choices
                    )
                )
            line.allowed_field_ids = candidates

    def _fits_choices(self, field, choices):
        """A selection field fits a radio/dropdown merge field when all its
        labels are choices; other fields are checked when mapped."""
        if not field or field.type != "selection":
            return True
        labels = {label for _k, label in field._description_selection(self.env)}
        return labels <= choices

    def _mapping_vals(self):
        self.ensure_one()
        return {
            "audience_id": self.wizard_id.audience_id.id,
            "merge_field_id": self.merge_field_id.id,
            "source": self.source,
            "field_name": self.source == "field" and self.field_id.name,
            "direction": direction_for(
                self.env, self.source, self.field_id.name, self.direction
            ),
        }

    @api.constrains("source", "field_id")
    def _check_line(self):
        for line in self:
            if line.source == "field" and not line.field_id:
                raise ValidationError(
                    self.env._("Choose the contact field mapped to %s.", line.tag)
                )
