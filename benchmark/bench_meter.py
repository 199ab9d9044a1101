"""What the benchmark measures: a meter around each scenario, and the cron."""

import gc
import threading
import time

import psutil

from odoo import SUPERUSER_ID, api

from bench_remote import Call
from bench_server import MAX_CONNECTIONS as MODEL_CONNECTIONS

SAMPLE_INTERVAL_S = 0.02  # how often the memory is sampled
MB = 2**20
LOG_FIELDS = ["pushed", "created", "updated", "pulled", "errors"]
NO_TIME_LIMIT_S = 1e9  # the cron's time budget: the benchmark runs each step whole


class Meter:
    """Wall and CPU time, HTTP calls, SQL queries, and the peak growth of the
    process's resident memory (sampled every 20 ms)."""

    def __init__(self, fake):
        self.fake = fake
        self.process = psutil.Process()

    def _sample(self):
        while not self._stop.wait(SAMPLE_INTERVAL_S):
            self.peak = max(self.peak, self.process.memory_info().rss - self.rss0)

    def __enter__(self):
        self.stats0 = self.fake.stats()
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
        stats = self.fake.stats()
        self.calls = [Call(*c) for c in stats["calls"][len(self.stats0["calls"]) :]]
        # Mailchimp's work (another process): its handling of the calls, and
        # the time the latency model gives them
        self.fake_s = stats["busy"] - self.stats0["busy"]
        self.model_s = stats["model_s"] - self.stats0["model_s"]
        self.refused = stats["refused"] - self.stats0["refused"]


def measured_row(n, scenario, meter, log, floor):
    """One row of the results from a meter."""
    return {
        "N": n,
        "scenario": scenario,
        "wall_s": meter.wall,
        "fake_s": meter.fake_s,
        "cpu_s": meter.cpu,
        "http": len(meter.calls),
        "upserts": sum(1 for c in meter.calls if c.method == "POST"),
        "pages": sum(1 for c in meter.calls if c.method == "GET"),
        "sql": meter.queries,
        "peak_mb": meter.peak / MB,
        # the model's limit: every call's time spread on 10 connections
        "limit_s": meter.model_s / MODEL_CONNECTIONS,
        "sequential_s": meter.model_s,
        "refused_429": meter.refused,
        "log": log,
        "floor": floor,
    }


def run_cron(registry, meter, audience_id, full=False):
    """Start a run, then call the cron step by step as Odoo's scheduler would."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["mailchimp.audience"].browse(audience_id)._start_run(
            trigger="cron", full=full
        )
        meter.queries += cr.sql_log_count
    unfinished = True
    while unfinished:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            remaining = env["mailchimp.audience"]._cron_sync(
                time_budget=NO_TIME_LIMIT_S
            )
            # a run waiting for Mailchimp's batch is no work left for the
            # scheduler, which comes back for it later: called again at once
            audience = env["mailchimp.audience"].browse(audience_id)
            unfinished = bool(
                remaining or audience.current_log_id or audience._log_with_batch()
            )
            meter.queries += cr.sql_log_count
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        return (
            env["mailchimp.audience"]
            .browse(audience_id)
            ._last_log()
            .read(LOG_FIELDS)[0]
        )
