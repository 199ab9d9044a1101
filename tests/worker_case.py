"""Tests with real processes and real transactions: Mailchimp is the
benchmark's fake served over HTTP in a process of its own
(``benchmark/bench_server.py``, Odoo's client pointed at it with the system
parameter ``mailchimp_sync.api_host``), and the sync runs in cron worker
processes (``cron_worker.py``) that a test may kill with SIGKILL.

The workers only see committed data: the fixtures are committed through
separate cursors and removed after, like ``test_two_workers.py``."""

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import odoo
import odoo.release
from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import get_db_name

from ..compat import PGAPPNAME_VARIABLE
from .common import API_KEY

_logger = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARK = os.path.join(os.path.dirname(HERE), "benchmark")
SERVER_FILE = os.path.join(BENCHMARK, "bench_server.py")
WORKER_FILE = os.path.join(HERE, "cron_worker.py")
API_HOST_PARAM = "mailchimp_sync.api_host"  # models/mailchimp_account.py
APP_NAME = "mcs-cron-worker-{pid}"  # the workers' PostgreSQL application_name
ODOO_OPTIONS = ("db_host", "db_port", "db_user", "db_password", "addons_path")
READY_TIMEOUT_S = 90  # a worker loads Odoo's registry
RUN_TIMEOUT_S = 120  # a worker's calls until the run is over
POLL_S = 0.05


class Worker:
    """A cron worker process; its JSON events are read as they come."""

    def __init__(self, dbname, fake, budget=None, wait_go=False):
        command = [sys.executable, WORKER_FILE, dbname, fake.base]
        if budget is not None:
            command += ["--budget", str(budget)]
        if wait_go:
            command.append("--wait-go")
        options = {key: odoo.tools.config[key] for key in ODOO_OPTIONS}
        env = dict(
            os.environ,
            MCS_WORKER_ODOO_OPTIONS=json.dumps(options),
            **{PGAPPNAME_VARIABLE: APP_NAME},
            PYTHONPATH=os.pathsep.join(
                # Odoo's source folder (odoo is a namespace package on 19)
                [os.path.dirname(os.path.dirname(odoo.release.__file__))]
                + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
            ),
        )
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            text=True,
        )
        self.events = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.events.append(json.loads(line))

    def of_kind(self, event):
        return [e for e in self.events if e["event"] == event]

    def log_tail(self):
        self.stderr.seek(0)
        return self.stderr.read()[-3000:]

    def wait_for(self, condition, what, timeout=RUN_TIMEOUT_S):
        """Poll ``condition`` (never a fixed sleep alone)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None and not condition():
                raise AssertionError(
                    f"the worker ended ({self.process.returncode}) before "
                    f"{what}: {self.events}\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s: {self.events}")
            time.sleep(POLL_S)

    def wait_ready(self):
        self.wait_for(lambda: self.of_kind("ready"), "ready", READY_TIMEOUT_S)

    def go(self):
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def finish(self):
        """Wait for the worker's end: its exit status."""
        try:
            status = self.process.wait(RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(
                f"the worker did not finish: {self.events}\n{self.log_tail()}"
            ) from None
        self._reader.join(10)
        return status

    def kill(self, dbname):
        """SIGKILL, as the OOM killer or a container stop does; returns once
        PostgreSQL has ended its sessions (their locks released)."""
        pid = self.process.pid
        os.kill(pid, signal.SIGKILL)
        self.process.wait(RUN_TIMEOUT_S)
        deadline = time.monotonic() + RUN_TIMEOUT_S
        with db_connect(dbname).cursor() as cr:
            while True:
                cr.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                    [APP_NAME.format(pid=pid)],
                )
                sessions = cr.fetchone()[0]
                cr.rollback()  # a fresh snapshot for the next look
                if not sessions:
                    break
                if time.monotonic() > deadline:
                    raise AssertionError("the killed worker's sessions are still open")
                time.sleep(POLL_S)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


@tagged("post_install", "-at_install")  # workers load a registry: modules ready
class WorkerCase(TransactionCase):
    """An account and an audience connected to the fake served over HTTP
    (committed), and cron workers started on request."""

    DOMAIN = None  # the email domain of the class's contacts (removed after)
    CONNECTIONS = 1  # the account's parallel connections

    @classmethod
    def setUpClass(cls):
        if not os.path.isfile(SERVER_FILE):
            raise unittest.SkipTest(
                f"Tests with worker processes SKIPPED: {SERVER_FILE} is absent "
                "(the fake Mailchimp served over HTTP)"
            )
        # Odoo's test case patches requests first: the fake's redirection of
        # Mailchimp's S3 goes on top of it, and off before it (LIFO)
        super().setUpClass()
        sys.path.insert(0, BENCHMARK)
        from bench_remote import RemoteFake  # pylint: disable=import-outside-toplevel

        cls.dbname = get_db_name()
        cls.workers = []
        cls.fake = RemoteFake(0, API_KEY).__enter__()
        cls.addClassCleanup(cls.fake.__exit__, None, None, None)
        cls.list_id = cls.fake.add_list(cls.__name__)
        with db_connect(cls.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            cr.execute("SELECT max(id) FROM ir_cron_progress")
            cls.progress_before = cr.fetchone()[0] or 0
            cr.execute("SELECT max(id) FROM ir_cron_trigger")
            cls.triggers_before = cr.fetchone()[0] or 0
            env["ir.config_parameter"].set_param(API_HOST_PARAM, cls.fake.api_host)
            account = env["mailchimp.account"].create(
                {
                    "name": cls.__name__,
                    "api_key": API_KEY,
                    "parallel_connections": cls.CONNECTIONS,
                }
            )
            account.state = "connected"
            audience = env["mailchimp.audience"].create(
                {
                    "name": cls.__name__,
                    "account_id": account.id,
                    "mailchimp_id": cls.list_id,
                }
            )
            cls.account_id, cls.audience_id = account.id, audience.id
            cr.commit()  # pylint: disable=invalid-commit
        cls.addClassCleanup(cls.remove_fixtures)
        cls.addClassCleanup(cls.stop_workers)
        with db_connect(cls.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            cls.fixtures(env, env["mailchimp.audience"].browse(cls.audience_id))
            cr.commit()  # pylint: disable=invalid-commit

    @classmethod
    def fixtures(cls, env, audience):
        """The class's own committed data."""

    @classmethod
    def stop_workers(cls):
        for worker in cls.workers:
            worker.close()
        cls.fake.release()

    @classmethod
    def remove_fixtures(cls):
        with db_connect(cls.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env["res.partner"].with_context(active_test=False).search(
                [("email", "like", cls.DOMAIN)]
            ).unlink()
            env["mailchimp.account"].browse(cls.account_id).unlink()
            env["mailchimp.push.intent"].search(
                [("audience_id", "=", cls.audience_id)]
            ).unlink()
            env["ir.config_parameter"].search([("key", "=", API_HOST_PARAM)]).unlink()
            cr.execute(
                "DELETE FROM ir_cron_progress WHERE id > %s", [cls.progress_before]
            )
            cr.execute(
                "DELETE FROM ir_cron_trigger WHERE id > %s", [cls.triggers_before]
            )
            cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------ helpers
    def start_worker(self, budget=None, wait_go=False):
        worker = Worker(self.dbname, self.fake, budget=budget, wait_go=wait_go)
        self.workers.append(worker)
        return worker

    def next_worker(self):
        """The cron worker of the next run: started now (Odoo loaded while
        the test goes on, as a server's cron worker is already up); its run
        starts with :meth:`run_to_the_end`."""
        return self.start_worker(wait_go=True)

    def run_to_the_end(self, worker):
        """The worker's calls until the run is over, without error."""
        worker.wait_ready()
        worker.go()
        status = worker.finish()
        self.assertEqual(status, 0, f"{worker.events}\n{worker.log_tail()}")
        self.assertFalse(worker.of_kind("error"))
        return worker

    def report(self, title, figures):
        """The figures of a scenario, in the test log."""
        _logger.info("%s: %s", title, figures)

    def committed(self, query, *params):
        """Rows of ``query`` as committed now (a transaction of its own)."""
        with db_connect(self.dbname).cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def audience_state(self):
        """What a user of the audience would see: its runs, its members."""
        [(running, runs, logs_with_errors)] = self.committed(
            """SELECT count(*) FILTER (WHERE state = 'running'),
                      count(*) FILTER (WHERE kind IN ('sync', 'full')),
                      count(*) FILTER (WHERE errors > 0 OR state = 'failed')
                 FROM mailchimp_sync_log WHERE audience_id = %s""",
            self.audience_id,
        )
        [(members, flagged, unknown, ids)] = self.committed(
            """SELECT count(*), count(*) FILTER (WHERE need_sync),
                      count(*) FILTER (WHERE mailchimp_id IS NULL),
                      count(DISTINCT mailchimp_id)
                 FROM mailchimp_member WHERE audience_id = %s""",
            self.audience_id,
        )
        return {
            "logs running": running,
            "runs": runs,
            "logs with errors": logs_with_errors,
            "members in Odoo": members,
            "members flagged": flagged,
            "members without Mailchimp id": unknown,
            "distinct Mailchimp ids": ids,
        }
