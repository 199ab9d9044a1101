"""The mapped values of a push batch, read in bulk: one SQL query for the
500 contacts' own columns (name, address, company name, phones and the plain
fields mapped), the ORM only for what a column does not hold (a path, a
relation's name, a selection's label, a translated field). A phone is
formatted by ``phone_validation`` only when it changed: the member keeps the
E.164 form of each number it sent (``phones_sent``)."""

import json

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.phone_validation.tools import phone_validation

from ..services import split_name
from .mailchimp_mapper import Mapper, Unparsable

# field types a plain mapping reads from the contact's own column
COLUMN_TYPES = ("char", "text", "integer", "float", "boolean", "date")
COLUMNS = SQL(
    """p.id, p.name, p.is_company, p.street, p.street2, p.city, p.zip,
       p.commercial_company_name, p.company_name, p.country_id,
       s.code AS state_code, c.code AS country_code, c.phone_code"""
)


class MailchimpMember(models.Model):
    _inherit = "mailchimp.member"

    phones_sent = fields.Json(
        copy=False, help="The E.164 form of each phone number last sent."
    )

    def _push_values(self, mapper):
        """``{partner id: ({tag: plain value}, region)}`` for these members'
        contacts, as :meth:`Mapper._partner_values` reads them one by one."""
        partners = self.partner_id
        if not partners:
            return {}
        plain = _column_specs(partners, mapper.specs)
        partners.flush_recordset()
        self.env.cr.execute(
            SQL(
                """SELECT %s%s FROM res_partner p
                LEFT JOIN res_country_state s ON s.id = p.state_id
                LEFT JOIN res_country c ON c.id = p.country_id
                    WHERE p.id = ANY(%s)""",
                COLUMNS,
                SQL("").join(SQL(", %s", SQL.identifier("p", f)) for f in plain),
                partners.ids,
            )
        )
        names = [d.name for d in self.env.cr.description]
        rows = {r[0]: dict(zip(names, r, strict=True)) for r in self.env.cr.fetchall()}
        phones = _Phones(self)
        result = {}
        for member in self:
            row = rows.get(member.partner_id.id)
            if row:
                values = {}
                for spec in mapper.specs:
                    values[spec[0]] = _value(mapper, member, row, spec, plain, phones)
                result[row["id"]] = (values, row["country_code"] or None)
        phones.store()
        return result


def _column_specs(partners, specs):
    """The plain fields mapped that are a column of the contact's own."""
    names = set()
    for _tag, source, field_name, _mtype in specs:
        field = partners._fields.get(field_name or "")
        if (
            source == "field"
            and field is not None
            and field.store
            and field.type in COLUMN_TYPES
            and not getattr(field, "translate", False)
        ):
            names.add(field_name)
    return sorted(names)


def _value(mapper, member, row, spec, plain, phones):
    tag, source, field_name, mtype = spec
    if source in ("first_name", "last_name"):
        if row["is_company"]:
            return False  # a company is not a person: COMPANY has it
        return split_name(row["name"])[source == "last_name"]
    if source == "address":
        if not (row["street"] or row["city"] or row["zip"]):
            return False
        return {
            "addr1": row["street"] or "",
            "addr2": row["street2"] or "",
            "city": row["city"] or "",
            "state": row["state_code"] or "",
            "zip": row["zip"] or "",
            "country": row["country_code"] or "",
        }
    if source == "company":
        return row["commercial_company_name"] or row["company_name"] or False
    if field_name in plain:
        number = row[field_name]
        return phones.format(member, row, number) if mtype == "phone" else number
    partner = member.partner_id
    if mtype == "phone":
        return mapper._phone(partner, partner[field_name])
    return mapper._read_path(partner, field_name)


class _Phones:
    """Phones formatted once: the member's stored E.164 form of a number is
    reused; the new ones are stored with one UPDATE."""

    def __init__(self, members):
        self.members = members
        self.used = {}  # member id -> {country|number: E.164 or False}

    def format(self, member, row, number):
        if not number:
            return False
        if not row["country_id"]:  # Odoo's fallbacks: the company's country
            return Mapper._phone(member.partner_id, number)
        key = f"{row['country_code']}|{number}"
        sent = member.phones_sent or {}
        if key in sent:
            formatted = sent[key]
        else:  # phonenumbers through phone_validation, as Odoo formats
            try:
                formatted = phone_validation.phone_format(
                    number,
                    row["country_code"],
                    row["phone_code"],
                    force_format="E164",
                    raise_exception=True,
                )
            except UserError:
                formatted = False
        self.used.setdefault(member, {})[key] = formatted
        return formatted or Unparsable(number)

    def store(self):
        """The numbers each member sent now, where they changed."""
        changed = {
            member.id: used
            for member, used in self.used.items()
            if used != (member.phones_sent or {})
        }
        if not changed:
            return
        self.members.flush_recordset(["phones_sent"])
        self.members.env.cr.execute(
            SQL(
                """UPDATE mailchimp_member m SET phones_sent = v.phones::jsonb
                     FROM (VALUES %s) AS v(id, phones) WHERE m.id = v.id""",
                SQL(", ").join(
                    SQL("(%s, %s)", mid, json.dumps(used))
                    for mid, used in changed.items()
                ),
            )
        )
        self.members.invalidate_recordset(["phones_sent"])
