"""The benchmark's data: N flagged contacts with realistic names, addresses and
phones, 5 mailing lists, and a mailing list to export as a tag."""

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


def setup(registry, fake, n, connections):
    rnd = random.Random(n)
    list_id = fake.add_list("Benchmark")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        audience = _connect(env, list_id, fake.api_host, connections)
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
