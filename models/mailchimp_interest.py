"""An audience's groups (Mailchimp's interest categories and interests),
each mapped to a multi-value contact field (contact tags, or any many2many,
many2one or selection field of contacts) with a value-to-interest table, and a
direction, as merge fields are (Maximizer's "Enable Groups")."""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..compat import Constraint
from ..services import InvalidItem, RemoteCategory, RemoteInterest
from ..services.interests import CATEGORY_TYPES, checked
from .mailchimp_access import check_manager
from .mailchimp_errors import mailchimp_user_errors
from .mailchimp_field_mapping import DIRECTIONS
from .mailchimp_mapping_policy import WRITABLE_COMODELS, mapping_path_error

_logger = logging.getLogger(__name__)

GROUP_FIELD_TYPES = ("many2many", "many2one", "selection")
MAX_INTERESTS = 60  # group names Mailchimp allows in one audience


def group_field_error(env, field_record, direction, as_user=True):
    """Why a contact field may not hold a group, or None."""
    if not field_record:
        return None
    field = env["res.partner"]._fields.get(field_record.name)
    if field is None or field.type not in GROUP_FIELD_TYPES:
        return env._("A group maps to a many2many, many2one or selection field.")
    error = mapping_path_error(env, field.name, as_user=as_user)
    if error:
        return error
    writes = direction != "odoo_to_mc"
    if writes and (field.readonly or field.related or field.compute):
        return env._(
            "“%s” is computed or read-only: Mailchimp cannot fill it.", field.string
        )
    if (
        writes
        and field.type == "many2one"
        and field.comodel_name not in (WRITABLE_COMODELS)
    ):
        # subscribers choose their groups: never a link (company, salesperson…)
        return env._(
            "“%s” is a link Mailchimp may not change: map it Odoo → Mailchimp only.",
            field.string,
        )
    return None


class MailchimpInterestCategory(models.Model):
    _name = "mailchimp.interest.category"
    _inherit = ["mailchimp.sync.owned", "mailchimp.mapping.reflag"]
    _description = "Mailchimp Group"
    _order = "audience_id, display_order, id"
    # users map a group to a contact field; the group is Mailchimp's
    _mailchimp_user_fields = frozenset({"field_id", "direction"})
    _mailchimp_reflag_fields = _mailchimp_user_fields
    _mailchimp_sync_records = True

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    mailchimp_id = fields.Char("Mailchimp ID", required=True, readonly=True)
    name = fields.Char("Group", required=True, readonly=True)
    type = fields.Selection(
        list(CATEGORY_TYPES.items()), readonly=True, default="checkboxes"
    )
    display_order = fields.Integer(readonly=True)
    field_id = fields.Many2one(
        "ir.model.fields",
        string="Contact field",
        ondelete="set null",
        domain=[("model", "=", "res.partner"), ("ttype", "in", GROUP_FIELD_TYPES)],
        help="The contact field whose values are this group's names, e.g. Tags.",
    )
    direction = fields.Selection(DIRECTIONS, default="both", required=True)
    interest_ids = fields.One2many("mailchimp.interest", "category_id")
    unmapped_count = fields.Integer(compute="_compute_unmapped_count")

    _audience_mailchimp_id_uniq = Constraint(
        "unique(audience_id, mailchimp_id)",
        "A Mailchimp group is imported once per audience.",
    )

    @api.depends("interest_ids.value_ref")
    def _compute_unmapped_count(self):
        for category in self:
            category.unmapped_count = len(
                category.interest_ids.filtered(lambda i: not i.value_ref)
            )

    @api.constrains("field_id", "direction")
    def _check_field(self):
        for category in self:
            error = group_field_error(self.env, category.field_id, category.direction)
            if error:
                raise ValidationError(error)

    def write(self, vals):
        if "field_id" in vals:
            # the values of another field mean nothing to the new one
            self.filtered(
                lambda c: c.field_id.id != vals["field_id"]
            ).interest_ids.value_ref = False
        return super().write(vals)

    # ------------------------------------------------------------ values
    def _partner_field(self):
        self.ensure_one()
        if not self.field_id:
            return None
        return self.env["res.partner"]._fields.get(self.field_id.name)

    def _odoo_values(self):
        """``[(value, label)]`` of the mapped field: selection keys, or the
        records of the field's model used by this audience's contacts."""
        self.ensure_one()
        field = self.env["res.partner"]._fields[self.field_id.name]
        if field.type == "selection":
            return list(field._description_selection(self.env))
        contacts = self.env["res.partner"].search(
            [
                ("mailchimp_sync", "=", True),
                ("mailchimp_audience_id", "=", self.audience_id.id),
                (field.name, "!=", False),
            ]
        )
        return [(r.id, r.display_name) for r in contacts[field.name]]

    def action_match_by_name(self):
        """Fill the value table: each group name gets the Odoo value of the
        same name (case does not matter), when there is one."""
        check_manager(self)
        for interest in self.filtered("field_id").interest_ids:
            if interest.value_ref:
                continue
            try:
                interest.value_ref = interest._ref_of(interest.name)
            except ValidationError:
                continue  # no Odoo value of that name: left to the user
        return True

    def action_add_to_mailchimp(self):
        """Create in Mailchimp a group name for each Odoo value that has none
        (Mailchimp allows 60 group names per audience)."""
        check_manager(self)
        self.ensure_one()
        if not self.field_id:
            raise UserError(self.env._("Choose the contact field first."))
        known = set(self.interest_ids.mapped("value_ref"))
        missing = [(v, n) for v, n in self._odoo_values() if str(v) not in known]
        total = self.env["mailchimp.interest"].search_count(
            [("audience_id", "=", self.audience_id.id)]
        )
        if total + len(missing) > MAX_INTERESTS:
            raise UserError(
                self.env._(
                    "Mailchimp allows %(max)s group names per audience: %(count)s "
                    "would be too many.",
                    max=MAX_INTERESTS,
                    count=total + len(missing),
                )
            )
        audience = self.audience_id
        with mailchimp_user_errors(self.env):
            client = audience.account_id._get_client()
        for value, label in missing:
            with mailchimp_user_errors(self.env):
                answer = client.create_interest(
                    audience.mailchimp_id, self.mailchimp_id, str(label)
                )
            try:
                remote = RemoteInterest.from_api(answer, self.mailchimp_id)
            except InvalidItem as reason:
                raise UserError(
                    self.env._("Mailchimp sent a malformed group name: %s", reason)
                ) from None
            self.env["mailchimp.interest"].sudo().create(
                dict(self._interest_vals(remote), value_ref=str(value))
            )
        return audience.account_id._notify(
            self.env._("%s group names added in Mailchimp.", len(missing)), "success"
        )

    def _interest_vals(self, remote):
        return {
            "category_id": self.id,
            "mailchimp_id": remote.id,
            "name": remote.name,
            "subscriber_count": remote.subscriber_count,
            "display_order": remote.display_order,
        }

    @api.model
    def _refresh(self, audiences):
        """Read the groups and group names of ``audiences`` from Mailchimp
        (every page: Mailchimp lists 10 by default)."""
        for audience in audiences:
            rejected = []
            with mailchimp_user_errors(self.env):
                client = audience.account_id._get_client()
                categories = checked(
                    client.iter_interest_categories(audience.mailchimp_id),
                    RemoteCategory.from_api,
                    rejected,
                )
                interests = {
                    c.id: checked(
                        client.iter_interests(audience.mailchimp_id, c.id),
                        lambda item, cid=c.id: RemoteInterest.from_api(item, cid),
                        rejected,
                    )
                    for c in categories
                }
            for reason in rejected:
                _logger.info("Group of audience %s skipped: %s", audience.id, reason)
            # a malformed item: keep what Odoo has (never delete on a partial read)
            self._store(audience, categories, interests, complete=not rejected)

    @api.model
    def _store(self, audience, categories, interests, complete=True):
        known = {c.mailchimp_id: c for c in audience.interest_category_ids}
        for remote in categories:
            vals = {
                "name": remote.title,
                "type": remote.type,
                "display_order": remote.display_order,
            }
            category = known.pop(remote.id, None)
            if category:
                category.write(vals)
            else:
                category = self.create(
                    dict(vals, audience_id=audience.id, mailchimp_id=remote.id)
                )
            category._store_interests(interests[remote.id], complete)
        if complete:
            self.union(*known.values()).unlink()

    def _store_interests(self, remotes, complete=True):
        known = {i.mailchimp_id: i for i in self.interest_ids}
        for remote in remotes:
            interest = known.pop(remote.id, None)
            vals = self._interest_vals(remote)
            if interest:
                vals.pop("category_id")
                interest.write({k: v for k, v in vals.items() if interest[k] != v})
            else:
                self.env["mailchimp.interest"].create(vals)
        if complete:
            self.env["mailchimp.interest"].union(*known.values()).unlink()


class MailchimpInterest(models.Model):
    _name = "mailchimp.interest"
    _inherit = ["mailchimp.sync.owned", "mailchimp.mapping.reflag"]
    _description = "Mailchimp Group Name"
    _order = "category_id, display_order, id"
    # users give a group name its Odoo value; the name is Mailchimp's
    _mailchimp_user_fields = frozenset({"value_ref"})
    _mailchimp_reflag_fields = _mailchimp_user_fields
    _mailchimp_sync_records = True

    category_id = fields.Many2one(
        "mailchimp.interest.category", required=True, ondelete="cascade", index=True
    )
    audience_id = fields.Many2one(
        related="category_id.audience_id", store=True, index=True
    )
    company_id = fields.Many2one(related="category_id.company_id", store=True)
    mailchimp_id = fields.Char("Mailchimp ID", required=True, readonly=True)
    name = fields.Char("Group name", required=True, readonly=True)
    subscriber_count = fields.Integer("Members in Mailchimp", readonly=True)
    display_order = fields.Integer(readonly=True)
    # the Odoo value: a selection key, or the id of a record of the field's model
    value_ref = fields.Char("Odoo value reference", readonly=True)
    value_name = fields.Char(
        "Odoo value",
        compute="_compute_value_name",
        inverse="_inverse_value_name",
        help="The value of the contact field that means this group name; type "
        "its name.",
    )

    @api.depends("value_ref", "category_id.field_id")
    def _compute_value_name(self):
        for interest in self:
            interest.value_name = interest._label_of(interest.value_ref)

    def _label_of(self, ref):
        field = self.category_id._partner_field()
        if not ref or field is None:
            return False
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(ref, ref)
        record = self.env[field.comodel_name].browse(int(ref)).exists()
        return record.display_name if record else False

    def _inverse_value_name(self):
        for interest in self:
            interest.value_ref = interest._ref_of(interest.value_name)

    def _ref_of(self, name):
        """The Odoo value called ``name`` (case does not matter), or an error."""
        field = self.category_id._partner_field()
        name = (name or "").strip()
        if not name or field is None:
            return False
        if field.type == "selection":
            for key, label in field._description_selection(self.env):
                if name.lower() in (str(key).lower(), str(label).lower()):
                    return key
        else:
            found = self.env[field.comodel_name].name_search(
                name, operator="=ilike", limit=1
            )
            if found:
                return str(found[0][0])
        raise ValidationError(
            self.env._(
                "“%(name)s” is not a value of %(field)s.",
                name=name,
                field=field.string,
            )
        )
