"""The one two-way mapper of an audience: its field mappings read once per
batch, ``to_mailchimp`` (a contact or a mailing contact → merge fields) and
``to_odoo`` (a :class:`RemoteMember` → contact values) side by side, each
with the audience's groups and mapped tags (``mailchimp_mapper_groups.py``),
and the one rule on which contact owns an email (``owner_of``, in the sync
rules' company scope), used by the push, the pull and the list export."""

from odoo import fields, models
from odoo.tools import SQL

from ..services import REQUIRED_EMPTY, build_merge_fields, split_name
from ..services.payload import MERGE_FIELD_TYPES, address_body
from .mailchimp_mapping_policy import mapping_path_error, writable_field_error
from .mailchimp_sync_rules import company_sql

TO_MAILCHIMP = "to_mailchimp"
TO_ODOO = "to_odoo"
# mapping directions a mapper of each direction leaves out
LEFT_OUT = {TO_MAILCHIMP: "mc_to_odoo", TO_ODOO: "odoo_to_mc"}
ADDRESS_PARTS = ("addr1", "addr2", "city", "state", "zip", "country")
COMPANY_SOURCES = ("commercial_company_name", "company_name", "parent_name")


class Unparsable(str):
    """A phone number phone_validation could not parse."""


class Mapper:
    """The mappings of one audience in one direction.

    :param mappings: ``mailchimp.field.mapping`` records (saved, or the
        wizard's unsaved ones for a preview)
    :param required: merge fields sent with no value (required ones nobody
        maps get their type's default)
    :param direction: TO_MAILCHIMP or TO_ODOO, for the groups it maps
    """

    def __init__(self, audience, mappings, required=None, direction=TO_MAILCHIMP):
        from .mailchimp_mapper_groups import GroupMapper  # noqa: PLC0415 (cycle)

        env = audience.env
        self.env = env
        self.audience = audience
        self.mappings = mappings
        self._groups = GroupMapper(audience, direction)
        self.required = required or env["mailchimp.merge.field"]
        self.field_dicts = [
            f._as_dict() for f in mappings.merge_field_id | self.required
        ]
        self.field_types = {f["tag"]: f["type"] for f in self.field_dicts}
        self.required_values = dict.fromkeys(self.required.mapped("tag"))
        self.specs = [
            (m.merge_field_id.tag, m.source, m.field_name, m.merge_field_id.type)
            for m in mappings
            if m.source != "field"
            # checked again at run time: the cron reads as superuser
            or not mapping_path_error(env, m.field_name, as_user=False)
        ]

    @classmethod
    def of(cls, audience, direction):
        """The mapper of ``audience`` for ``direction`` (TO_MAILCHIMP sends
        the required fields nobody maps with their default)."""
        mappings = audience.mapping_ids.filtered(
            lambda m: m.direction != LEFT_OUT[direction]
        )
        required = None
        if direction == TO_MAILCHIMP:
            required = audience.merge_field_ids.filtered(
                lambda f: f.required and f not in mappings.merge_field_id
            )
        return cls(audience, mappings, required, direction)

    @property
    def reads_back(self):
        """Whether anything (a merge field, a group, a tag) is read back."""
        return bool(self.mappings or self._groups)

    # ------------------------------------------------------------ owner
    def owner_of(self, emails):
        """``{email: partner id}``: the contact whose data is sent for an
        email: among active contacts of the audience's company (or shared),
        the lowest id ticked for the audience, else the one already linked to
        it, else the lowest id. One query for the whole batch."""
        if not emails:
            return {}
        audience = self.audience
        self.env["res.partner"].flush_model(
            ["email_normalized", "mailchimp_sync", "mailchimp_audience_id", "active"]
        )
        self.env["mailchimp.member"].flush_model(["partner_id", "audience_id"])
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT ON (p.email_normalized) p.email_normalized, p.id
                     FROM res_partner p
                    WHERE p.active AND p.email_normalized = ANY(%(emails)s)
                      AND %(company)s
                 ORDER BY p.email_normalized,
                          COALESCE(p.mailchimp_sync AND
                                   p.mailchimp_audience_id = %(audience)s,
                                   FALSE) DESC,
                          EXISTS(SELECT 1 FROM mailchimp_member m
                                  WHERE m.partner_id = p.id
                                    AND m.audience_id = %(audience)s) DESC,
                          p.id""",
                emails=list(emails),
                company=company_sql(audience),
                audience=audience.id,
            )
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------ to Mailchimp
    def to_mailchimp(self, record, prepared=None):
        """``(merge_fields, [(tag, reason left out)])`` for a contact
        (``res.partner``) or a mailing contact (``mailing.contact``);
        ``prepared``: the contact's ``(values, region)`` read in bulk
        (``mailchimp_member_push.py``)."""
        if record._name == "mailing.contact":
            return build_merge_fields(
                self.field_dicts,
                self._contact_values(record),
                default_region=record.country_id.code or None,
            )
        values, region = prepared or (self._partner_values(record), None)
        if not prepared:
            region = record.country_id.code or None
        values.update(self.required_values)
        skipped = []
        for tag, value in values.items():
            if isinstance(value, Unparsable):
                values[tag] = None
                skipped.append((tag, f"phone '{value}' cannot be parsed"))
        merge, refused = build_merge_fields(
            self.field_dicts,
            values,
            default_region=region,
            required=self.audience.required_policy or REQUIRED_EMPTY,
        )
        return merge, skipped + refused

    def _partner_values(self, partner):
        """``{tag: plain value}`` for one partner; batch-prefetched by the ORM."""
        values = {}
        for tag, source, field_name, mtype in self.specs:
            if source in ("first_name", "last_name") and partner.is_company:
                values[tag] = False  # a company is not a person: COMPANY has it
            elif source in ("first_name", "last_name"):
                values[tag] = split_name(partner.name)[source == "last_name"]
            elif source == "address":
                values[tag] = _partner_address(partner)
            elif source == "company":
                values[tag] = (
                    partner.commercial_company_name or partner.company_name or False
                )
            elif mtype == "phone":
                values[tag] = self._phone(partner, partner[field_name])
            else:
                values[tag] = self._read_path(partner, field_name)
        return values

    @staticmethod
    def _phone(partner, number):
        if not number:
            return False
        return partner._phone_format(
            number=number,
            country=partner.country_id,
            force_format="E164",
            raise_exception=False,
        ) or Unparsable(number)

    def _read_path(self, record, path):
        value = record
        for part in path.split("."):
            if not value:
                return False
            value = value[part]
        if isinstance(value, models.BaseModel):
            return value.display_name if value else False
        field = record._fields.get(path)
        if field is not None and field.type == "selection" and value:
            return dict(field._description_selection(self.env)).get(value, value)
        return value

    def _contact_values(self, contact):
        """What a mailing contact (no partner) has of the mapped fields."""
        first, last = split_name(contact.name)
        values = {}
        for tag, source, field_name, _mtype in self.specs:
            root = (field_name or "").split(".")[0]
            if source == "first_name":
                values[tag] = contact.first_name or first
            elif source == "last_name":
                values[tag] = contact.last_name or last
            elif source == "address":
                # a mailing contact has a country only: Mailchimp needs more
                country = contact.country_id.code
                values[tag] = {"country": country} if country else False
            elif source == "company" or root in COMPANY_SOURCES:
                values[tag] = contact.company_name or False
            elif root == "country_id":
                values[tag] = contact.country_id.name or False
            elif root in ("name", "email"):
                values[tag] = contact[root] or False
        return values

    def interests(self, partner):
        """``{interest id: bool}`` for the group names Odoo maps (sent with the
        merge fields)."""
        return self._groups.to_mailchimp(partner)

    # ----------------------------------------------------------- to Odoo
    def brake_tag_removals(self, pairs, share, minimum):
        """See :meth:`GroupMapper.brake_tag_removals`."""
        return self._groups.brake_tag_removals(pairs, share, minimum)

    def changes(self, remote, partner):
        """What the member would change on ``partner``: merge values that
        differ other than in format (E.164 phones, address parts...), then
        groups and mapped tags."""
        tags = self.changed_tags(remote, partner) if self.mappings else ()
        diff = {
            fname: value
            for fname, value in (
                self._merge_vals(remote, partner, tags).items() if tags else ()
            )
            if _differs(partner, fname, value)
        }
        return diff | self._groups.to_odoo(remote, partner)

    def to_odoo(self, remote, partner):
        """Contact values of a member: merge fields, groups and mapped tags;
        ``partner`` may be empty (a contact to create)."""
        return self._merge_vals(remote, partner) | self._groups.to_odoo(remote, partner)

    def changed_tags(self, remote, partner):
        """Tags whose value in Mailchimp differs from what Odoo would send
        (compared as sent: E.164 phones, address parts...)."""
        merge = remote.merge_fields
        sent, _skipped = self.to_mailchimp(partner)
        return {
            tag
            for tag in self.mappings.merge_field_id.mapped("tag")
            if tag in merge and not same_merge_value(merge[tag], sent.get(tag))
        }

    def _merge_vals(self, remote, partner, tags=None):
        """Contact values from the member's merge fields (``tags`` only, when
        given). No address for a person under a company (see
        :func:`without_address`)."""
        merge = remote.merge_fields
        vals = {}
        first = last = None
        for mapping in self.mappings:
            tag = mapping.merge_field_id.tag
            if tag not in merge or (tags is not None and tag not in tags):
                continue
            value = merge[tag]
            if mapping.source == "first_name":
                first = value or ""
            elif mapping.source == "last_name":
                last = value or ""
            elif mapping.source == "address":
                vals.update(self._address_vals(value))
            elif mapping.field_name and not writable_field_error(
                self.env, mapping.field_name
            ):
                converted = self._field_value(partner, mapping, value)
                if converted is not None:
                    vals[mapping.field_name] = converted
        if partner.is_company:
            first = last = None  # a company's name is not a person's name
        if first is not None or last is not None:
            current_first, current_last = split_name(partner.name)
            parts = (
                current_first if first is None else first,
                current_last if last is None else last,
            )
            name = " ".join(p for p in parts if p)
            if name:
                vals["name"] = name
        if partner.parent_id:
            without_address(partner, vals)
        return vals

    def _field_value(self, partner, mapping, value):
        """The Odoo value of one merge value, or None when it cannot be read."""
        fname, merge_field = mapping.field_name, mapping.merge_field_id
        field = partner._fields[fname]
        kind = MERGE_FIELD_TYPES.get(merge_field.type)
        if not (kind and kind.read):
            return _plain_value(self.env, field, value)
        if field.type not in kind.odoo_types:
            return None
        if not value:
            return False
        known = partner[fname] if partner else False
        return kind.read(
            value,
            merge_field.type,
            merge_field.date_format,
            known=fields.Date.to_date(known) if known else None,
        )

    def _address_vals(self, address):
        if not isinstance(address, dict) or not address.get("addr1"):
            return {}
        code = str(address.get("country") or "").upper()
        country = self.env["res.country"]
        if code:
            country = country.search([("code", "=", code)], limit=1)
        vals = {
            key: address.get(part) or False
            for key, part in (
                ("street", "addr1"),
                ("street2", "addr2"),
                ("city", "city"),
                ("zip", "zip"),
            )
        }
        if country:
            vals["country_id"] = country.id
        if address.get("state"):
            state = self.env["res.country.state"].search(
                [("code", "=", address["state"])]
                + ([("country_id", "=", country.id)] if country else []),
                limit=1,
            )
            if state:
                vals["state_id"] = state.id
        return vals


def without_address(partner, vals):
    """``vals`` less the address fields. Mailchimp never writes the address of
    a person who belongs to a company: Odoo keeps a company's address on its
    people (and Odoo 19 copies a person's address up to the company), so the
    address of one subscriber would become the company's."""
    for fname in partner._address_fields():
        vals.pop(fname, None)
    return vals


def _differs(partner, fname, value):
    current = partner[fname]
    if hasattr(current, "_name"):
        current = current.id
    return (current or False) != (value or False)


def _partner_address(partner):
    return address_body(
        partner.street,
        partner.street2,
        partner.city,
        partner.state_id.code,  # required on every state
        partner.zip,
        partner.country_id.code,
    )


def _plain_value(env, field, value):
    """A merge value for a char, number, date, selection or many2one field;
    None when it cannot be read."""
    if field.type in ("char", "text", "html"):
        return value or False
    try:
        if field.type == "integer":
            return int(float(value or 0))
        if field.type in ("float", "monetary"):
            return float(value or 0)
        if field.type in ("date", "datetime"):
            return fields.Date.to_date(value) if value else False
    except (TypeError, ValueError):
        return None
    if field.type == "selection":
        for key, label in field._description_selection(env):
            if value in (key, label):
                return key
        return None
    if field.type == "many2one":
        if not value:
            return False
        found = env[field.comodel_name].name_search(value, operator="=", limit=1)
        return found[0][0] if found else None
    return None


def same_merge_value(remote, sent):
    """Whether a merge value read from Mailchimp equals the one Odoo sends."""
    if isinstance(remote, dict) or isinstance(sent, dict):
        remote, sent = remote or {}, sent or {}
        if not isinstance(remote, dict) or not isinstance(sent, dict):
            return False
        return all(
            str(remote.get(k) or "").strip() == str(sent.get(k) or "").strip()
            for k in ADDRESS_PARTS
        )
    if remote in (None, "", False) and sent in (None, "", False, "-"):
        return True
    if isinstance(remote, int | float) or isinstance(sent, int | float):
        try:
            return float(remote) == float(sent)
        except (TypeError, ValueError):
            return False
    return str(remote).strip() == str(sent).strip()
