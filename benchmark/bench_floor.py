"""The floor of a push's CPU: the same contacts and mapping, read with one SQL
query per 500 contacts and turned into the same JSON bodies with the same
value formatting (``services/payload.py``, phones by ``phone_validation``),
without the ORM. Measured in the same run as the push, so the ratio of the
two holds on any machine."""

import json
import time

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

BATCH_SIZE = 500  # contacts read per query and sent per call
# the contact's columns each kind of mapping reads (plain fields: their own)
COLUMNS = """p.id, p.name, p.is_company, p.email_normalized, p.street, p.street2,
    p.city, p.zip, p.commercial_company_name, p.company_name,
    s.code AS state_code, c.code AS country_code,
    c.phone_code"""


def _addon():
    """The addon's modules (importable once the registry is loaded)."""
    # pylint: disable=import-outside-toplevel
    from odoo.addons.mailchimp_sync import services  # noqa: PLC0415
    from odoo.addons.mailchimp_sync.models import mailchimp_mapper  # noqa: PLC0415
    from odoo.addons.phone_validation.tools import phone_validation  # noqa: PLC0415

    return services, mailchimp_mapper, phone_validation


def _phone(row, number):
    if not number:
        return False
    try:
        return _addon()[2].phone_format(
            number, row["country_code"], row["phone_code"], force_format="E164"
        )
    except Exception:  # noqa: BLE001 (phone_validation's UserError)
        return None


def _values(specs, row):
    """``{tag: plain value}`` as the push's mapper reads them."""
    values = {}
    for tag, source, field_name, mtype in specs:
        if source in ("first_name", "last_name"):
            values[tag] = (
                False
                if row["is_company"]
                else _addon()[0].split_name(row["name"])[source == "last_name"]
            )
        elif source == "address":
            values[tag] = _addon()[0].payload.address_row(row)
        elif source == "company":
            values[tag] = row["commercial_company_name"] or row["company_name"] or False
        elif mtype == "phone":
            values[tag] = _phone(row, row[field_name])
        else:
            values[tag] = row[field_name]
    return values


def _plain_columns(specs):
    """The contact's own columns the plain mappings read (``p.phone``...)."""
    names = {f for _t, source, f, _m in specs if source == "field" and f}
    if not names:
        return SQL("NULL")
    for name in names:
        if "." in name:
            raise ValueError(f"the floor reads the contact's own columns: {name}")
    return SQL(", ").join([SQL.identifier("p", name) for name in sorted(names)])


def _bodies(cr, specs, fields, audience, plain):
    """Read the audience's contacts 500 at a time and build each call's JSON
    body; the number of contacts."""
    services = _addon()[0]
    cr.execute(
        SQL(
            "SELECT partner_id FROM mailchimp_member WHERE audience_id = %s"
            " AND partner_id IS NOT NULL ORDER BY partner_id",
            audience.id,
        )
    )
    ids = [r[0] for r in cr.fetchall()]
    for start in range(0, len(ids), BATCH_SIZE):
        cr.execute(
            SQL(
                """SELECT %(columns)s, %(plain)s
                     FROM res_partner p
                LEFT JOIN res_country_state s ON s.id = p.state_id
                LEFT JOIN res_country c ON c.id = p.country_id
                    WHERE p.id = ANY(%(ids)s)""",
                columns=SQL(COLUMNS),
                plain=plain,
                ids=ids[start : start + BATCH_SIZE],
            )
        )
        names = [d.name for d in cr.description]
        members = []
        for values in cr.fetchall():
            row = dict(zip(names, values, strict=True))
            merge, _skipped = services.build_merge_fields(
                fields,
                _values(specs, row),
                default_region=row["country_code"],
                required=audience.required_policy or services.REQUIRED_EMPTY,
            )
            members.append(
                {
                    "email_address": row["email_normalized"],
                    "status": "subscribed",
                    "merge_fields": merge,
                }
            )
        json.dumps({"members": members, "update_existing": False})
    return len(ids)


def measure_floor(registry, audience_id):
    """``(contacts, CPU seconds, wall seconds)`` of the floor."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        audience = env["mailchimp.audience"].browse(audience_id)
        mapper_module = _addon()[1]
        mapper = mapper_module.Mapper.of(audience, mapper_module.TO_MAILCHIMP)
        specs, fields = mapper.specs, mapper.field_dicts
        plain = _plain_columns(specs)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        count = _bodies(cr, specs, fields, audience, plain)
        return count, time.process_time() - cpu0, time.perf_counter() - wall0
