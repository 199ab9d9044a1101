import json

from odoo import api, fields, models

from ..compat import Constraint
from ..services.payload import MERGE_FIELD_TYPES

# the selection of merge field types, from the one table of types
MERGE_TYPES = [(key, kind.label) for key, kind in MERGE_FIELD_TYPES.items()]


class MailchimpMergeField(models.Model):
    _name = "mailchimp.merge.field"
    _description = "Mailchimp Merge Field"
    _order = "audience_id, display_order, id"
    _rec_name = "tag"

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    merge_id = fields.Integer(help="Mailchimp's immutable id of the field.")
    tag = fields.Char(required=True)
    name = fields.Char()
    type = fields.Selection(MERGE_TYPES, required=True, default="text")
    required = fields.Boolean()
    display_order = fields.Integer()
    choices = fields.Text(
        "Choices (JSON)", help="JSON list of the choices of a radio or drop-down field."
    )
    choices_display = fields.Char(compute="_compute_choices_display", string="Choices")
    phone_format = fields.Char(help="US or none (international).")
    date_format = fields.Char(
        help="Mailchimp's format of a date (YYYY-MM-DD, MM/DD/YYYY, DD/MM/YYYY) or "
        "birthday (MM/DD, DD/MM) field: values are sent and read in it."
    )
    default_value = fields.Char()

    _tag_audience_uniq = Constraint(
        "unique(audience_id, tag)",
        "A merge field tag is unique in an audience.",
    )

    @api.depends("choices")
    def _compute_choices_display(self):
        for field in self:
            field.choices_display = ", ".join(field._choice_list())

    def _choice_list(self):
        self.ensure_one()
        try:
            return json.loads(self.choices or "[]")
        except ValueError:
            return []

    def _as_dict(self):
        """Plain description used by the pure payload rules."""
        self.ensure_one()
        return {
            "tag": self.tag,
            "type": self.type,
            "required": self.required,
            "choices": self._choice_list(),
            "phone_format": self.phone_format,
            "date_format": self.date_format,
        }

    @api.model
    def _vals_from_remote(self, remote):
        """:param remote: a :class:`RemoteMergeField`"""
        return {
            "merge_id": remote.merge_id,
            "tag": remote.tag,
            "name": remote.name,
            "type": remote.type,
            "required": remote.required,
            "display_order": remote.display_order,
            "choices": json.dumps(list(remote.choices)),
            "phone_format": remote.phone_format or False,
            "date_format": remote.date_format or False,
            "default_value": remote.default_value or False,
        }
