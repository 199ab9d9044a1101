"""The full push on two cron worker processes: the sync cron in the
benchmark's process, its helper cron in another, on the same database (as
Odoo's multi-process server runs them with ``--max-cron-threads 2``)."""

import multiprocessing
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

from bench_meter import LOG_FIELDS, NO_TIME_LIMIT_S

POLL_S = 0.05  # the helper with nothing to take looks again this soon
MAIN_WAIT_S = 0.2  # the sync cron waiting for the helper (5 s in Odoo)
RESET_MEMBERS = """UPDATE mailchimp_member
                      SET need_sync = TRUE, mailchimp_id = NULL, status = NULL,
                          web_id = NULL, remote_hash = NULL, last_changed = NULL
                    WHERE audience_id = %s"""


def reset_audience(registry, fake, list_id, audience_id, connections):
    """Mailchimp's list emptied, every member to send again; each worker
    gets ``connections``."""
    fake.clear_list(list_id)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute(RESET_MEMBERS, [audience_id])
        audience = env["mailchimp.audience"].browse(audience_id)
        previous = audience.account_id.parallel_connections
        audience.account_id.parallel_connections = connections
    return previous


def set_connections(registry, audience_id, connections):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["mailchimp.audience"].browse(audience_id).account_id.write(
            {"parallel_connections": connections}
        )


def helper_worker(config_file, dbname, audience_id, results):
    """The helper cron's process: called until the run is over."""
    odoo.tools.config.parse_config(["-c", config_file, "--log-level=warn"])
    registry = Registry(dbname)
    results.put("ready")
    cpu0, queries, seen = time.process_time(), 0, False
    while True:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sent = env["mailchimp.audience"]._cron_sync_helper(
                time_budget=NO_TIME_LIMIT_S
            )
            if sent:  # the calls that found nothing to take: a real cron's are
                queries += cr.sql_log_count  # minutes apart, not 50 ms
            running = env["mailchimp.audience"].browse(audience_id).current_log_id
        if running:
            seen = True
        elif seen:
            break
        time.sleep(POLL_S)
    results.put((time.process_time() - cpu0, queries))


def start_helper(registry, audience_id):
    """The helper cron's process, started (and its registry loaded) before
    the measure, as a server's cron worker is already running."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    helper = context.Process(
        target=helper_worker,
        args=(odoo.tools.config.rcfile, registry.db_name, audience_id, results),
    )
    helper.start()
    if results.get() != "ready":
        raise RuntimeError("the helper worker did not start")
    return helper, results


def run_two_workers(registry, meter, audience_id, helper, results):
    """Start a scheduled run, then call the sync cron here until the run is
    over, while the ``helper`` process calls its cron; the helper's CPU and
    queries are added to the meter's (returns the log and the helper's CPU)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["mailchimp.audience"].browse(audience_id)._start_run(trigger="cron")
        meter.queries += cr.sql_log_count
    remaining = 1
    while remaining:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            remaining = env["mailchimp.audience"]._cron_sync(
                time_budget=NO_TIME_LIMIT_S
            )
            meter.queries += cr.sql_log_count
        if remaining:
            time.sleep(MAIN_WAIT_S)
    helper_cpu, helper_queries = results.get()
    helper.join()
    meter.queries += helper_queries
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        log = env["mailchimp.audience"].browse(audience_id)._last_log()
        return log.read(LOG_FIELDS)[0], helper_cpu
