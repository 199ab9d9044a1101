"""The benchmark's data: N flagged contacts with realistic names, addresses and
phones, 5 mailing lists, and a mailing list to export as a tag."""

import os
import random

from odoo import SUPERUSER_ID, api

API_KEY = "0123456789abcdef0123456789abcdef-us6"
API_HOST_PARAM = "mailchimp_sync.api_host"  # models/mailchimp_account.py
FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hugo", "Inès"]
LAST = ["Lee", "Martin", "Nowak", "O'Brien", "Pérez", "Quinn", "Rossi", "Smith"]
CITIES = [
    ("Albany", "NY", "12207"),
    ("Austin", "TX", "73301"),
    ("Boise", "ID", "83702"),
]
CHUNK = 2000  # records created (and committed) per call
MAILING_LISTS = 5
LIST_MEMBERS_PER_CHUNK = 200  # contacts of each chunk also put in a mailing list
PHONE_NUMBERS = 10000  # the last 4 digits of the phone numbers
# from this size on, the contacts and their members are created by SQL in
# bulk (the ORM would take hours at 1,000,000): the same values, no mailing
# lists (the list export makes its own)
SQL_FROM = int(os.environ.get("MCS_BENCH_SQL_FROM", "200000"))
SQL_CHUNK = 100000  # rows inserted per statement


def _partner_vals(rnd, i, audience_id, country, states):
    city, state, zip_code = CITIES[i % len(CITIES)]
    return {
        "name": f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
        "email": f"contact{i}@bench.example.com",
        "street": f"{i} Main Street",
        "city": city,
        "zip": zip_code,
        "state_id": states.get(state),
        "country_id": country.id,
        "phone": f"+1 212 555 {i % PHONE_NUMBERS:04d}",
        "mailchimp_sync": True,
        "mailchimp_audience_id": audience_id,
    }


def _connect(env, list_id, api_host, connections):
    """The Mailchimp account and the audience of the list ``list_id``."""
    # the benchmark's database only: Odoo's client calls the local server
    env["ir.config_parameter"].set_param(API_HOST_PARAM, api_host)
    account = env["mailchimp.account"].create(
        {"name": "Bench", "api_key": API_KEY, "parallel_connections": connections}
    )
    account.action_test_connection()
    account.action_import_audiences()
    audience = account.audience_ids.filtered(lambda a: a.mailchimp_id == list_id)
    # runs follow each other within seconds here: no clock-skew overlap
    audience.pull_overlap_minutes = 0
    return audience


def _insert_sql(env, audience, n, country, states):
    """N flagged contacts and their members, by SQL, as the ORM makes them."""
    cr = env.cr
    names = [f"{first} {last}" for first in FIRST for last in LAST]
    cities = [(city, states.get(st), zip_code) for city, st, zip_code in CITIES]
    for start in range(0, n, SQL_CHUNK):
        cr.execute(
            """INSERT INTO res_partner (name, complete_name, email, email_normalized,
                   street, city, zip, state_id, country_id, phone, mailchimp_sync,
                   mailchimp_audience_id, active, type, is_company, lang,
                   partner_share, create_date, write_date, create_uid, write_uid)
               SELECT nm, nm, e, e, i || ' Main Street', (%(cities)s)[i %% 3 + 1],
                      (%(zips)s)[i %% 3 + 1], (%(states)s)[i %% 3 + 1], %(country)s,
                      '+1 212 555 ' || lpad((i %% %(phones)s)::text, 4, '0'), TRUE,
                      %(audience)s, TRUE, 'contact', FALSE, 'en_US', TRUE,
                      now() at time zone 'utc', now() at time zone 'utc', 1, 1
                 FROM (SELECT i, 'contact' || i || '@bench.example.com' AS e,
                              (%(names)s)[i %% %(n_names)s + 1] AS nm
                         FROM generate_series(%(start)s, %(stop)s) AS i) AS g""",
            {
                "cities": [c[0] for c in cities],
                "zips": [c[2] for c in cities],
                "states": [c[1] for c in cities],
                "country": country.id,
                "phones": PHONE_NUMBERS,
                "audience": audience.id,
                "names": names,
                "n_names": len(names),
                "start": start,
                "stop": min(n, start + SQL_CHUNK) - 1,
            },
        )
        cr.commit()  # pylint: disable=invalid-commit
    _link_members(env, audience)


def _link_members(env, audience):
    """The members of the contacts made by SQL, as the ORM links them."""
    cr = env.cr
    cr.execute(
        """UPDATE res_partner SET commercial_partner_id = id
            WHERE commercial_partner_id IS NULL;
           INSERT INTO mailchimp_member (audience_id, company_id, partner_id,
                  need_sync, odoo_changed_at, create_date, write_date,
                  create_uid, write_uid)
           SELECT %(audience)s, %(company)s, p.id, TRUE, now() at time zone 'utc',
                  now() at time zone 'utc', now() at time zone 'utc', 1, 1
             FROM res_partner p
            WHERE p.mailchimp_audience_id = %(audience)s AND p.mailchimp_sync
              AND NOT EXISTS (SELECT 1 FROM mailchimp_member m
                               WHERE m.partner_id = p.id);
           -- the planner must know the members are there: taken as empty, it
           -- scans them once per contact (a set-up that never ended)
           ANALYZE mailchimp_member;
           UPDATE res_partner p SET mailchimp_member_id = m.id
             FROM mailchimp_member m
            WHERE m.partner_id = p.id AND m.audience_id = %(audience)s;
           ANALYZE res_partner; ANALYZE mailchimp_member;""",
        {"audience": audience.id, "company": audience.company_id.id or None},
    )
    cr.commit()  # pylint: disable=invalid-commit
    env.invalidate_all()


def setup(registry, fake, n, connections):
    rnd = random.Random(n)
    list_id = fake.add_list("Benchmark")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        audience = _connect(env, list_id, fake.api_host, connections)
        if n >= SQL_FROM:
            country = env.ref("base.us")
            states = {s.code: s.id for s in country.state_ids}
            _insert_sql(env, audience, n, country, states)
            return audience.id, list_id
        country = env.ref("base.us")
        states = {s.code: s.id for s in country.state_ids}
        lists = env["mailing.list"].create(
            [{"name": f"Bench list {i}"} for i in range(MAILING_LISTS)]
        )
        for start in range(0, n, CHUNK):
            vals = [
                _partner_vals(rnd, i, audience.id, country, states)
                for i in range(start, min(n, start + CHUNK))
            ]
            partners = env["res.partner"].create(vals)
            lists[start // CHUNK % MAILING_LISTS].contact_ids = [
                (0, 0, {"name": p.name, "email": p.email})
                for p in partners[:LIST_MEMBERS_PER_CHUNK]
            ]
            cr.commit()  # pylint: disable=invalid-commit
            env.invalidate_all()
        cr.commit()  # pylint: disable=invalid-commit
        return audience.id, list_id


def make_export(env, audience_id, size):
    """A mailing list of ``size`` contacts and its export to the audience."""
    mailing_list = env["mailing.list"].create({"name": "Bench export"})
    for start in range(0, size, CHUNK):
        env["mailing.contact"].create(
            [
                {
                    "name": f"Guest {i}",
                    "email": f"guest{i}@export.example.com",
                    "list_ids": [(4, mailing_list.id)],
                }
                for i in range(start, min(size, start + CHUNK))
            ]
        )
    return env["mailchimp.list.export"].create(
        {
            "mailing_list_id": mailing_list.id,
            "audience_id": audience_id,
            "tag_name": "Bench export",
        }
    )
