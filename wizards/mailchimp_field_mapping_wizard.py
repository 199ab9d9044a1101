import re

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models.mailchimp_access import check_manager
from ..models.mailchimp_errors import mailchimp_user_errors
from ..models.mailchimp_field_mapping import (
    COMPATIBLE_TYPES,
    DEFAULT_MAPPINGS,
)
from ..models.mailchimp_merge_field import MERGE_TYPES
from ..services import InvalidItem, RemoteMergeField
from .mailchimp_field_mapping_wizard_line import direction_for

TAG_RE = re.compile(r"^[A-Z0-9_]{1,10}$")
MAX_MERGE_FIELDS = 30
# contact field types some merge field type can hold (the table of types)
PARTNER_FIELD_TYPES = sorted(set().union(*COMPATIBLE_TYPES.values()))


class MailchimpFieldMappingWizard(models.TransientModel):
    _name = "mailchimp.field.mapping.wizard"
    _description = "Map Mailchimp merge fields to contact fields"

    audience_id = fields.Many2one("mailchimp.audience", required=True)
    line_ids = fields.One2many("mailchimp.field.mapping.wizard.line", "wizard_id")
    group_ids = fields.Many2many(
        "mailchimp.interest.category",
        string="Groups",
        compute="_compute_group_ids",
        help="The audience's groups and the contact field each one maps; the "
        "preview shows the group names a contact would be in.",
    )
    required_warning = fields.Char(compute="_compute_required_warning")
    new_tag = fields.Char("Tag", help="Up to 10 characters: A-Z, 0-9 and _.")
    new_name = fields.Char("Label")
    new_type = fields.Selection(MERGE_TYPES, "Type", default="text")
    new_field_id = fields.Many2one(
        "ir.model.fields",
        "Contact field",
        domain=[("model", "=", "res.partner"), ("ttype", "in", PARTNER_FIELD_TYPES)],
    )

    @api.model
    def _suggest(self, merge_field):
        """Default mapping for a merge field: the usual tags first (FNAME,
        ADDRESS, PHONE...), then a compatible contact field of the same name
        or label (CITY -> city, JOBTITLE -> "Job Title")."""
        if merge_field.tag in DEFAULT_MAPPINGS:
            return DEFAULT_MAPPINGS[merge_field.tag]
        wanted = merge_field.tag.replace("_", "")
        allowed = COMPATIBLE_TYPES.get(merge_field.type, set())
        for name, field in self.env["res.partner"]._fields.items():
            if field.type not in allowed or not field.store or name.startswith("_"):
                continue
            keys = {
                name.replace("_", "").upper(),
                field.string.replace(" ", "").upper(),
            }
            if wanted in {key[:10] for key in keys}:
                probe = self.env["mailchimp.field.mapping"].new(
                    {"merge_field_id": merge_field.id, "field_name": name}
                )
                try:
                    probe._check_compatible()
                except ValidationError:
                    continue
                return ("field", name)
        return ("none", False)

    @api.model
    def _line_vals(self, audience):
        mapped = {m.merge_field_id: m for m in audience.mapping_ids}
        Fields = self.env["ir.model.fields"]
        lines = []
        for merge_field in audience.merge_field_ids:
            mapping = mapped.get(merge_field)
            if mapping:
                source, fname = mapping.source, mapping.field_name
                direction = mapping.direction
            else:
                source, fname = self._suggest(merge_field)
                direction = direction_for(self.env, source, fname, "both")
            lines.append(
                {
                    "merge_field_id": merge_field.id,
                    "source": source,
                    "field_id": fname
                    and Fields._get("res.partner", fname.split(".")[0]).id,
                    "direction": direction,
                }
            )
        return lines

    @api.model
    def _open(self, audience):
        check_manager(audience)
        # Mailchimp's merge fields, stored by the code after the check
        audience.sudo()._refresh_merge_fields()
        wizard = self.create(
            {
                "audience_id": audience.id,
                "line_ids": [(0, 0, v) for v in self._line_vals(audience)],
                "preview_partner_ids": [
                    (6, 0, self._default_preview_partners(audience).ids)
                ],
            }
        )
        return wizard._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Map %s", self.audience_id.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.depends("line_ids.source", "line_ids.merge_field_id")
    def _compute_required_warning(self):
        for wizard in self:
            unmapped = wizard.line_ids.filtered(
                lambda line: line.required and line.source == "none"
            ).merge_field_id
            policy = dict(
                wizard.audience_id._fields["required_policy"]._description_selection(
                    self.env
                )
            ).get(wizard.audience_id.required_policy)
            wizard.required_warning = bool(unmapped) and self.env._(
                "Required in Mailchimp and not mapped: %(tags)s. For these, the "
                "audience's setting applies: “%(policy)s”.",
                tags=", ".join(unmapped.mapped("tag")),
                policy=policy,
            )

    def _unmapped_required(self, mappings):
        return self.audience_id.merge_field_ids.filtered(
            lambda f: f.required and f not in mappings.merge_field_id
        )

    def _pseudo_mappings(self):
        Mapping = self.env["mailchimp.field.mapping"]
        mappings = Mapping
        for line in self.line_ids.filtered(lambda line: line.source != "none"):
            mappings |= Mapping.new(line._mapping_vals())
        return mappings

    @api.depends("audience_id")
    def _compute_group_ids(self):
        for wizard in self:
            wizard.group_ids = wizard.audience_id.interest_category_ids

    def action_add_merge_field(self):
        """Create a merge field in Mailchimp and map it."""
        self.ensure_one()
        check_manager(self.audience_id)
        tag = (self.new_tag or "").strip()
        self._check_new_merge_field(tag)
        with mailchimp_user_errors(self.env):
            answer = self.audience_id.account_id._get_client().add_merge_field(
                self.audience_id.mailchimp_id,
                {"tag": tag, "name": self.new_name or tag, "type": self.new_type},
            )
        try:
            remote = RemoteMergeField.from_api(answer)
        except InvalidItem as reason:
            raise UserError(
                self.env._("Mailchimp sent a malformed merge field: %s", reason)
            ) from None
        # Mailchimp's answer, stored by the code after the check
        MergeField = self.env["mailchimp.merge.field"].sudo()
        merge_field = MergeField.create(
            dict(MergeField._vals_from_remote(remote), audience_id=self.audience_id.id)
        )
        self.line_ids = [
            (
                0,
                0,
                {
                    "merge_field_id": merge_field.id,
                    "source": "field" if self.new_field_id else "none",
                    "field_id": self.new_field_id.id,
                },
            )
        ]
        self.write({"new_tag": False, "new_name": False, "new_field_id": False})
        return self._reopen()

    def _check_new_merge_field(self, tag):
        """Refuse, before calling Mailchimp, a merge field it would refuse or
        the chosen contact field cannot fill."""
        if not TAG_RE.match(tag):
            raise UserError(
                self.env._(
                    "“%s” is not a valid merge tag: at most 10 characters, upper-case "
                    "letters, digits and underscores.",
                    tag,
                )
            )
        if len(self.audience_id.merge_field_ids) >= MAX_MERGE_FIELDS:
            raise UserError(
                self.env._(
                    "Mailchimp allows %s merge fields per audience.", MAX_MERGE_FIELDS
                )
            )
        if tag in self.audience_id.merge_field_ids.mapped("tag"):
            raise UserError(self.env._("The audience already has a %s field.", tag))
        if self.new_field_id:
            probe = self.env["mailchimp.field.mapping"].new(
                {
                    "merge_field_id": self.env["mailchimp.merge.field"].new(
                        {"tag": tag, "type": self.new_type}
                    ),
                    "source": "field",
                    "field_name": self.new_field_id.name,
                }
            )
            probe._check_compatible()

    def action_apply(self):
        """Save the mappings that changed (the mapping model flags the
        audience's contacts for the next push)."""
        self.ensure_one()
        if (self.new_tag or "").strip():  # typed, never sent: not dropped silently
            raise UserError(
                self.env._(
                    "The merge field “%s” is not in Mailchimp yet: click “Add to "
                    "Mailchimp”, or clear its tag, then save.",
                    self.new_tag.strip(),
                )
            )
        Mapping = self.env["mailchimp.field.mapping"]
        existing = {m.merge_field_id: m for m in self.audience_id.mapping_ids}
        changed = False
        for line in self.line_ids:
            mapping = existing.get(line.merge_field_id)
            if line.source == "none":
                if mapping:
                    mapping.unlink()
                    changed = True
                continue
            vals = line._mapping_vals()
            if not mapping:
                Mapping.create(vals)
                changed = True
            elif (mapping.source, mapping.field_name or False, mapping.direction) != (
                vals["source"],
                vals["field_name"] or False,
                vals["direction"],
            ):
                mapping.write(vals)
                changed = True
        return self._saved_notification(changed)

    def _saved_notification(self, changed):
        """What saving did, said once the dialog closes."""
        if not changed:
            return self.env["mailchimp.account"]._notify(
                self.env._(
                    "The field mapping of “%s” is unchanged.", self.audience_id.name
                ),
                "info",
            )
        return self.env["mailchimp.account"]._notify(
            self.env._(
                "Field mapping of “%s” saved: its contacts are sent again at the "
                "next synchronization.",
                self.audience_id.name,
            ),
            "success",
        )
