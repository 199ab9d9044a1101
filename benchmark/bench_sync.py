"""Benchmark of the sync: HTTP calls, SQL queries, time and memory at N contacts.

Run through ``./scripts/benchmark.sh`` (it prepares a throwaway database):

    ./scripts/benchmark.sh 1000 10000 100000

Mailchimp is faked in-process at the HTTP level (``tests/fake_mailchimp.py``
under the real SDK): batches of 500, pages of 1,000. Each scenario runs the way
the cron does: bounded steps, each in its own transaction, committed.
"""

import argparse
import gc
import hashlib
import json
import os
import random
import sys
import threading
import time

import psutil

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from fake_mailchimp import FakeMailchimp  # noqa: E402

API_KEY = "0123456789abcdef0123456789abcdef-us6"
FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hugo", "Inès"]
LAST = ["Lee", "Martin", "Nowak", "O'Brien", "Pérez", "Quinn", "Rossi", "Smith"]
CITIES = [
    ("Albany", "NY", "12207"),
    ("Austin", "TX", "73301"),
    ("Boise", "ID", "83702"),
]


class Meter:
    """Wall and CPU time, HTTP calls, SQL queries, and the peak growth of the
    process's resident memory (sampled every 20 ms)."""

    def __init__(self, fake):
        self.fake = fake
        self.process = psutil.Process()

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss - self.rss0)

    def __enter__(self):
        self.calls0 = len(self.fake.calls)
        self.busy0 = self.fake.busy
        self.queries = 0
        gc.collect()
        self.rss0 = self.process.memory_info().rss
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
        self._stop.set()
        self._thread.join()
        self.calls = self.fake.calls[self.calls0 :]
        # time spent inside the fake Mailchimp (its servers' work, remote in
        # real life) is not Odoo's cost
        self.fake_s = self.fake.busy - self.busy0


def run_cron(registry, meter, audience_id, full=False):
    """Start a run, then call the cron step by step as Odoo's scheduler would."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["mailchimp.audience"].browse(audience_id)._start_run(
            trigger="cron", full=full
        )
        meter.queries += cr.sql_log_count
    remaining = 1
    while remaining:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            remaining = env["mailchimp.audience"]._cron_sync(time_budget=1e9)
            meter.queries += cr.sql_log_count
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        return (
            env["mailchimp.audience"]
            .browse(audience_id)
            ._last_log()
            .read(["pushed", "created", "updated", "pulled", "errors"])[0]
        )


def setup(registry, fake, n):
    rnd = random.Random(n)
    list_id = fake.add_list("Benchmark")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        account = env["mailchimp.account"].create({"name": "Bench", "api_key": API_KEY})
        account.action_test_connection()
        account.action_import_audiences()
        audience = account.audience_ids.filtered(lambda a: a.mailchimp_id == list_id)
        # runs follow each other within seconds here: no clock-skew overlap
        audience.pull_overlap_minutes = 0
        country = env.ref("base.us")
        states = {s.code: s.id for s in country.state_ids}
        lists = env["mailing.list"].create(
            [{"name": f"Bench list {i}"} for i in range(5)]
        )
        for start in range(0, n, 2000):
            vals = []
            for i in range(start, min(n, start + 2000)):
                city, state, zip_code = CITIES[i % len(CITIES)]
                vals.append(
                    {
                        "name": f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                        "email": f"contact{i}@bench.example.com",
                        "street": f"{i} Main Street",
                        "city": city,
                        "zip": zip_code,
                        "state_id": states.get(state),
                        "country_id": country.id,
                        "phone": f"+1 212 555 {i % 10000:04d}",
                        "mailchimp_sync": True,
                        "mailchimp_audience_id": audience.id,
                    }
                )
            partners = env["res.partner"].create(vals)
            lists[start // 2000 % 5].contact_ids = [
                (0, 0, {"name": p.name, "email": p.email}) for p in partners[:200]
            ]
            cr.commit()  # pylint: disable=invalid-commit
            env.invalidate_all()
        cr.commit()  # pylint: disable=invalid-commit
        return audience.id, list_id


def naive_push(registry, fake, list_id, sample):
    """What other addons do: one PUT per contact (measured on a sample)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        account = env["mailchimp.account"].search([("name", "=", "Bench")], limit=1)
        client = account._get_client()
        partners = env["res.partner"].search(
            [("email", "like", "@bench.example.com")], limit=sample
        )
        meter = Meter(fake)
        with meter:
            for partner in partners:
                client.call(
                    client.sdk.lists.set_list_member,
                    list_id,
                    hashlib.md5(partner.email.lower().encode()).hexdigest(),
                    {
                        "email_address": partner.email,
                        "status_if_new": "subscribed",
                        "merge_fields": {"FNAME": partner.name},
                    },
                )
        return meter, len(partners)


def export_list(registry, fake, audience_id, n, size):
    """Export a mailing list of ``size`` contacts as a tag (first export)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        mailing_list = env["mailing.list"].create({"name": "Bench export"})
        for start in range(0, size, 2000):
            env["mailing.contact"].create(
                [
                    {
                        "name": f"Guest {i}",
                        "email": f"guest{i}@export.example.com",
                        "list_ids": [(4, mailing_list.id)],
                    }
                    for i in range(start, min(size, start + 2000))
                ]
            )
        export = env["mailchimp.list.export"].create(
            {
                "mailing_list_id": mailing_list.id,
                "audience_id": audience_id,
                "tag_name": "Bench export",
            }
        )
        cr.commit()  # pylint: disable=invalid-commit
        env.invalidate_all()
        meter = Meter(fake)
        queries0 = cr.sql_log_count
        with meter:
            log = export._run()
            counts = {"tagged": log.tagged, "created": log.created}
        meter.queries += cr.sql_log_count - queries0
        cr.commit()  # pylint: disable=invalid-commit
    return {
        "N": n,
        "scenario": f"export a {size:,}-contact mailing list as a tag",
        "wall_s": meter.wall,
        "fake_s": meter.fake_s,
        "cpu_s": meter.cpu,
        "http": len(meter.calls),
        "upserts": sum(1 for c in meter.calls if c.method == "POST"),
        "pages": sum(1 for c in meter.calls if c.method == "GET"),
        "sql": meter.queries,
        "peak_mb": meter.peak / 2**20,
        "log": counts,
        "floor": (-(-size // 500), "upserts"),
        "rate_n": size,
    }


def bench(dbname, n):
    registry = Registry(dbname)
    rows = []
    with FakeMailchimp(api_key=API_KEY) as fake:
        t0 = time.perf_counter()
        audience_id, list_id = setup(registry, fake, n)
        print(f"[N={n}] {n} partners created in {time.perf_counter() - t0:.0f}s")

        def scenario(name, prepare=None, full=False, floor=None):
            if prepare:
                prepare()
            meter = Meter(fake)
            with meter:
                log = run_cron(registry, meter, audience_id, full=full)
            upserts = sum(1 for c in meter.calls if c.method == "POST")
            pages = sum(1 for c in meter.calls if c.method == "GET")
            rows.append(
                {
                    "N": n,
                    "scenario": name,
                    "wall_s": meter.wall,
                    "fake_s": meter.fake_s,
                    "cpu_s": meter.cpu,
                    "http": len(meter.calls),
                    "upserts": upserts,
                    "pages": pages,
                    "sql": meter.queries,
                    "peak_mb": meter.peak / 2**20,
                    "log": log,
                    "floor": floor,
                }
            )
            print(f"[N={n}] {name}: {rows[-1]}")

        changed = max(1, n // 100)

        def change_odoo():
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                partners = env["res.partner"].search(
                    [("email", "like", "@bench.example.com")], limit=changed
                )
                for partner in partners:
                    partner.name = partner.name + " Jr"

        def change_mailchimp():
            for i in range(0, changed):
                fake.set_merge(
                    list_id, f"contact{i * 7 % n}@bench.example.com", LNAME="Changed"
                )

        scenario("full push", floor=(-(-n // 500), "upserts"))
        scenario("nothing changed", floor=(0, "upserts"))
        scenario(
            "incremental push (1% changed)",
            change_odoo,
            floor=(-(-changed // 500), "upserts"),
        )
        scenario("full pull", full=True, floor=(-(-n // 1000) or 1, "pages"))
        scenario("incremental pull (1% changed)", change_mailchimp, floor=(1, "pages"))
        export_size = min(n, 10000)
        rows.append(export_list(registry, fake, audience_id, n, export_size))
        print(f"[N={n}] list export: {rows[-1]}")
        meter, sample = naive_push(registry, fake, list_id, min(n, 1000))
        rows.append(
            {
                "N": n,
                "scenario": f"one call per contact ({sample} sampled, scaled to N)",
                "wall_s": meter.wall * n / sample,
                "fake_s": meter.fake_s * n / sample,
                "cpu_s": meter.cpu * n / sample,
                "http": len(meter.calls) * n // sample,
                "upserts": len(meter.calls) * n // sample,
                "pages": 0,
                "sql": 0,
                "peak_mb": meter.peak / 2**20,
                "log": {},
                "floor": None,
            }
        )
    return rows


def markdown(rows):
    out = [
        "| N | scenario | wall s | CPU s | of which fake Mailchimp s | Odoo side s"
        " | partners/s (Odoo side) | HTTP calls | floor | SQL queries"
        " | SQL per call | peak MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        floor = ""
        if r["floor"]:
            value, kind = r["floor"]
            met = r[kind] <= value
            floor = f"{value} {kind}: {'met' if met else 'MISSED'}"
        odoo_s = max(r["wall_s"] - r.get("fake_s", 0), 0)
        rate_n = r.get("rate_n", r["N"])
        per_sec = (
            rate_n / odoo_s
            if odoo_s and ("full" in r["scenario"] or "rate_n" in r)
            else None
        )
        batches = max(1, r["upserts"] + r["pages"])
        out.append(
            f"| {r['N']:,} | {r['scenario']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
            f"{r.get('fake_s', 0):.1f} | {odoo_s:.1f} | "
            f"{per_sec and f'{per_sec:,.0f}' or ''} | {r['http']:,} | {floor} | "
            f"{r['sql']:,} | {r['sql'] / batches:.0f} | {r['peak_mb']:.1f} |"
        )
    return "\n".join(out)


def _odoo_s(row):
    return max(row["wall_s"] - row.get("fake_s", 0), 1e-9)


def targets(rows):
    """The issue's targets, each reported as met or missed."""
    by = {(r["N"], r["scenario"].split(" (")[0]): r for r in rows}
    sizes = sorted({r["N"] for r in rows})
    lines = []

    def report(text, met):
        lines.append(f"- {'met' if met else '**MISSED**'}: {text}")

    floors = [r for r in rows if r["floor"]]
    at_floor = sum(r[r["floor"][1]] <= r["floor"][0] for r in floors)
    report(
        "HTTP calls at the floor (ceil(N/500) upserts per push and list export, "
        "ceil(N/1000) pages per full pull, no upsert when nothing changed): "
        f"{at_floor} of {len(floors)} rows",
        at_floor == len(floors),
    )
    for scenario in ("full push", "full pull"):
        per_call = [
            by[n, scenario]["sql"]
            / max(1, by[n, scenario]["upserts"] + by[n, scenario]["pages"])
            for n in sizes
        ]
        report(
            f"SQL queries per call of the {scenario} constant in N: "
            + ", ".join(f"{q:.0f}" for q in per_call),
            max(per_call) <= 1.5 * min(per_call) + 5,
        )
        rates = [by[n, scenario]["N"] / _odoo_s(by[n, scenario]) for n in sizes]
        report(
            f"{scenario} at 2,000 partners/s or more (Odoo side): "
            + ", ".join(
                f"{n:,}: {rate:,.0f}/s" for n, rate in zip(sizes, rates, strict=False)
            ),
            min(rates) >= 2000,
        )
    for inc, full in (
        ("incremental push", "full push"),
        ("incremental pull", "full pull"),
    ):
        shares = [_odoo_s(by[n, inc]) / _odoo_s(by[n, full]) for n in sizes]
        report(
            f"{inc} with 1% changed at most 2% of the {full}: "
            + ", ".join(
                f"{n:,}: {share:.1%}" for n, share in zip(sizes, shares, strict=False)
            ),
            max(shares) <= 0.02,
        )
    for scenario in ("full push", "full pull"):
        peaks = [by[n, scenario]["peak_mb"] for n in sizes]
        report(
            f"peak memory of the {scenario} (MB, includes the in-process fake "
            "Mailchimp's own store): " + ", ".join(f"{p:.1f}" for p in peaks),
            peaks[-1] <= max(peaks[0], 1) * 4,
        )
    naive = [r for r in rows if r["scenario"].startswith("one call per contact")]
    for row in naive:
        ours = by[row["N"], "full push"]
        lines.append(
            f"- one call per contact at N={row['N']:,}: {row['http']:,} calls against "
            f"{ours['http']:,} ({row['http'] / max(1, ours['http']):,.0f}x)"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db-prefix", default="mailchimp_sync_bench")
    parser.add_argument("--output", default=os.path.join(HERE, "results.md"))
    parser.add_argument("sizes", nargs="+", type=int)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    rows = []
    for n in args.sizes:
        rows += bench(f"{args.db_prefix}_{n}", n)
    table = markdown(rows) + "\n\nTargets:\n\n" + targets(rows)
    print(table)
    with open(os.path.splitext(args.output)[0] + ".json", "w") as handle:
        json.dump(rows, handle, indent=1, default=str)
    with open(args.output, "w") as handle:
        handle.write(table + "\n")


if __name__ == "__main__":
    main()
