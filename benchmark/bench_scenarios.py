"""The scenarios measured at one size N: the pushes and pulls through the cron,
a mailing list's export, and one call per contact for comparison."""

import cProfile
import hashlib
import io
import os
import pstats
import time

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

from bench_data import API_KEY, make_export, setup
from bench_floor import measure_floor
from bench_meter import Meter, measured_row, run_cron
from bench_remote import RemoteFake

HERE = os.path.dirname(os.path.abspath(__file__))
# MCS_BENCH_PROFILE=1: the full push runs under cProfile (its times are then
# inflated) and its top lines go to .local/profile-<N>.txt
PROFILE = os.environ.get("MCS_BENCH_PROFILE")
PROFILE_LINES = 30

BATCH_SIZE = 500  # members per batch subscribe call
PAGE_SIZE = 1000  # members per page read
CHANGED_DIVISOR = 100  # 1 % of the contacts change
EXPORT_MAX = 10000  # contacts of the exported mailing list, at most
NAIVE_SAMPLE = 100  # contacts sent one by one (15 s), then scaled to N
FLOOR_SCENARIO = "floor: the push's bodies by SQL, no ORM"


def ceil_div(a, b):
    return -(-a // b)


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


def naive_row(n, meter, sample):
    """The row of one call per contact, scaled from the sample to N."""
    row = measured_row(
        n,
        f"one call per contact ({sample} sampled, scaled to N)",
        meter,
        log={},
        floor=None,
    )
    row.update(
        wall_s=meter.wall * n / sample,
        fake_s=meter.fake_s * n / sample,
        cpu_s=meter.cpu * n / sample,
        http=len(meter.calls) * n // sample,
        upserts=len(meter.calls) * n // sample,
        pages=0,
        sql=0,
        limit_s=row["limit_s"] * n / sample,
        sequential_s=row["sequential_s"] * n / sample,
    )
    return row


def export_list(registry, fake, audience_id, n, size):
    """Export a mailing list of ``size`` contacts as a tag (first export)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        export = make_export(env, audience_id, size)
        cr.commit()  # pylint: disable=invalid-commit
        env.invalidate_all()
        meter = Meter(fake)
        queries0 = cr.sql_log_count
        with meter:
            log = export._run()
            counts = {"tagged": log.tagged, "created": log.created}
        meter.queries += cr.sql_log_count - queries0
        cr.commit()  # pylint: disable=invalid-commit
    row = measured_row(
        n,
        f"export a {size:,}-contact mailing list as a tag",
        meter,
        log=counts,
        floor=(ceil_div(size, BATCH_SIZE), "upserts"),
    )
    row["rate_n"] = size
    return row


class Bench:
    """The scenarios at one size N, in one database, with one fake Mailchimp."""

    def __init__(self, registry, fake, n, connections):
        self.registry = registry
        self.fake = fake
        self.connections = connections
        self.n = n
        self.rows = []
        self.changed = max(1, n // CHANGED_DIVISOR)
        self.audience_id = self.list_id = None

    def prepare(self):
        t0 = time.perf_counter()
        self.audience_id, self.list_id = setup(
            self.registry, self.fake, self.n, self.connections
        )
        print(
            f"[N={self.n}] {self.n} partners created in {time.perf_counter() - t0:.0f}s"
        )

    def scenario(self, name, prepare=None, full=False, floor=None):
        if prepare:
            prepare()
        meter = Meter(self.fake)
        profiler = cProfile.Profile() if PROFILE and name == "full push" else None
        with meter:
            if profiler:
                profiler.enable()
            log = run_cron(self.registry, meter, self.audience_id, full=full)
            if profiler:
                profiler.disable()
        if profiler:
            self.write_profile(profiler)
        self.rows.append(measured_row(self.n, name, meter, log, floor))
        print(f"[N={self.n}] {name}: {self.rows[-1]}")

    def write_profile(self, profiler):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(PROFILE_LINES)
        stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
        path = os.path.join(os.path.dirname(HERE), ".local", f"profile-{self.n}.txt")
        with open(path, "w") as handle:
            handle.write(out.getvalue())
        print(f"[N={self.n}] profile of the full push: {path}")

    def change_odoo(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            partners = env["res.partner"].search(
                [("email", "like", "@bench.example.com")], limit=self.changed
            )
            for partner in partners:
                partner.name = partner.name + " Jr"

    def change_mailchimp(self):
        self.fake.set_merge_many(
            self.list_id,
            [
                f"contact{i * 7 % self.n}@bench.example.com"
                for i in range(0, self.changed)
            ],
            LNAME="Changed",
        )

    def run_floor(self):
        """The push's floor, on the contacts the full push is about to send."""
        count, cpu, wall = measure_floor(self.registry, self.audience_id)
        self.rows.append(
            {
                "N": self.n,
                "scenario": FLOOR_SCENARIO,
                "wall_s": wall,
                "cpu_s": cpu,
                "rate_n": count,
                "http": 0,
                "upserts": 0,
                "pages": 0,
                "sql": ceil_div(count, BATCH_SIZE) + 1,  # the ids, then 1 a batch
                "peak_mb": 0.0,
                "floor": None,
                "log": {},
            }
        )
        print(f"[N={self.n}] {FLOOR_SCENARIO}: {self.rows[-1]}")

    def run_syncs(self):
        n = self.n
        self.run_floor()
        self.scenario("full push", floor=(ceil_div(n, BATCH_SIZE), "upserts"))
        self.scenario("nothing changed", floor=(0, "upserts"))
        self.scenario(
            "incremental push (1% changed)",
            self.change_odoo,
            floor=(ceil_div(self.changed, BATCH_SIZE), "upserts"),
        )
        self.scenario(
            "full pull", full=True, floor=(ceil_div(n, PAGE_SIZE) or 1, "pages")
        )
        self.scenario(
            "incremental pull (1% changed)",
            self.change_mailchimp,
            floor=(ceil_div(self.changed, PAGE_SIZE), "pages"),
        )

    def run_export(self):
        export_size = min(self.n, EXPORT_MAX)
        self.rows.append(
            export_list(self.registry, self.fake, self.audience_id, self.n, export_size)
        )
        print(f"[N={self.n}] list export: {self.rows[-1]}")

    def run_naive(self):
        sample = min(self.n, NAIVE_SAMPLE)
        meter, sample = naive_push(self.registry, self.fake, self.list_id, sample)
        self.rows.append(naive_row(self.n, meter, sample))


def bench(dbname, n, port, connections):
    registry = Registry(dbname)
    with RemoteFake(port, API_KEY) as fake:
        run = Bench(registry, fake, n, connections)
        run.prepare()
        run.run_syncs()
        run.run_export()
        run.run_naive()
    return run.rows
