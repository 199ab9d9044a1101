"""A cron worker: a process of its own running the scheduled two-way sync
against a database the way Odoo's cron runner does (``ir.cron._run_job``):
each call of the scheduled action in its own transaction, committed, called
again while it reports work remaining.

Started, and killed, by the tests of ``worker_case.py``:

    python3 cron_worker.py DBNAME FAKE_BASE_URL [--budget S] [--wait-go]

Odoo's options (database connection, addons path) come as a JSON object in
the environment variable ``MCS_WORKER_ODOO_OPTIONS``. Each event is a JSON
line on stdout: ``ready`` (the registry is loaded; with ``--wait-go`` the
worker then waits for a line on stdin, so that two workers start at the same
moment), ``call`` (the figures the call reported through
``compat.cron_progress``), ``error`` (the call failed: the worker ends
with status 1, as Odoo's runner ends the job), ``finished``."""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "benchmark"))

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402

from bench_remote import redirect_s3  # noqa: E402

SYNC_CRON = "mailchimp_sync.ir_cron_mailchimp_sync"
OPTIONS_VARIABLE = "MCS_WORKER_ODOO_OPTIONS"
MAX_CALLS = 100  # a run that needs more calls than this is stuck
# a call that did nothing while work remains (the push shared with another
# worker): Odoo's cron comes back 5 s later (a trigger), this one sooner
WAIT_S = 0.2
STARTED = time.monotonic()


def say(event, **figures):
    """One event, with the seconds since the worker started."""
    elapsed = round(time.monotonic() - STARTED, 2)
    sys.stdout.write(json.dumps(dict(figures, event=event, s=elapsed)) + "\n")
    sys.stdout.flush()


def call_once(registry, budget):
    """One call of the scheduled action; its ``(done, remaining)``."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cron = env.ref(SYNC_CRON)
        # as Odoo's runner calls it: as its user, its id in the context
        cron = cron.with_user(cron.user_id).with_context(cron_id=cron.id)
        cron, progress = cron._add_progress()
        cr.commit()  # pylint: disable=invalid-commit
        if budget is None:  # the scheduled action's code, as the runner calls it
            cron._callback(cron.cron_name, cron.ir_actions_server_id.id)
        else:  # the cron entry point with a shorter time budget
            audiences = cron.env["mailchimp.audience"]
            audiences._cron_sync(time_budget=budget)
        cr.commit()  # pylint: disable=invalid-commit
        return progress.done, progress.remaining


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dbname")
    parser.add_argument("fake_base_url")
    parser.add_argument("--budget", type=float)
    parser.add_argument("--wait-go", action="store_true")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["--log-level=warn"])
    for key, value in json.loads(os.environ[OPTIONS_VARIABLE]).items():
        odoo.tools.config[key] = value
    redirect_s3(args.fake_base_url)
    registry = Registry(args.dbname)
    say("ready", pid=os.getpid())
    if args.wait_go and not sys.stdin.readline():
        return  # the test that started it is gone
    for _call in range(MAX_CALLS):
        try:
            done, remaining = call_once(registry, args.budget)
        except Exception as error:  # noqa: BLE001 - reported, as Odoo's runner logs it
            say("error", error=f"{type(error).__name__}: {error}")
            sys.exit(1)
        say("call", done=done, remaining=remaining)
        if not remaining:
            break
        if not done:
            time.sleep(WAIT_S)
    say("finished")


if __name__ == "__main__":
    main()
