"""Two sync crons on one audience at the same moment. One runs the audience,
the other skips it (the audience's row is locked ``FOR NO KEY UPDATE SKIP
LOCKED``): each contact is created once in Mailchimp, no error.

Real processes and transactions (``worker_case.py``)."""

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect

from .worker_case import WorkerCase

CONTACTS = 600  # two batch subscribe calls: one worker's push, not shared


def partners(domain, audience, count):
    return [
        {
            "name": f"Cron Contact {i}",
            "email": f"contact{i}{domain}",
            "mailchimp_sync": True,
            "mailchimp_audience_id": audience.id,
        }
        for i in range(count)
    ]


class TestTwoSyncCrons(WorkerCase):
    DOMAIN = "@two-crons.example.com"

    @classmethod
    def fixtures(cls, env, audience):
        env["res.partner"].create(partners(cls.DOMAIN, audience, CONTACTS))

    def test_started_together_one_runs_the_audience_the_other_skips_it(self):
        workers = [self.next_worker(), self.next_worker()]
        for worker in workers:
            worker.wait_ready()
        for worker in workers:  # at the same moment
            worker.go()
        for worker in workers:
            self.assertEqual(worker.finish(), 0, f"{worker.events}{worker.log_tail()}")
            self.assertFalse(worker.of_kind("error"))
        done = [sum(call["done"] for call in w.of_kind("call")) for w in workers]
        stats, state = self.fake.stats(), self.audience_state()
        figures = {
            "work done by each worker": done,
            "contacts sent": stats["sent"],
            "created in Mailchimp": stats["created"],
            "created twice": stats["created_twice"],
            "answered 'already a member'": stats["already_members"],
            **state,
        }
        self.report(f"Two sync crons at once on {CONTACTS} contacts", figures)
        self.assertEqual(
            sorted(bool(units) for units in done),
            [False, True],
            f"one runs the audience, the other skips it: {figures}",
        )
        self.assertEqual(stats["sent"], CONTACTS, "each contact sent once")
        self.assertEqual(stats["created"], CONTACTS)
        self.assertEqual(stats["created_twice"], 0)
        self.assertEqual(stats["members"][self.list_id], CONTACTS)
        self.assertEqual(state["runs"], 1, figures)
        self.assertEqual(state["logs running"], 0)
        self.assertEqual(state["logs with errors"], 0)
        self.assertEqual(state["members flagged"], 0)


class TestSyncCronBehindARun(WorkerCase):
    """Odoo's transactions are REPEATABLE READ: a sync cron whose transaction
    began before another run committed cannot lock the audience (PostgreSQL
    raises a serialization failure). That run has it: this one skips it."""

    DOMAIN = "@behind-a-run.example.com"

    @classmethod
    def fixtures(cls, env, audience):
        env["res.partner"].create(partners(cls.DOMAIN, audience, 3))

    def test_a_cron_that_began_before_a_run_committed_skips_the_audience(self):
        Audience = "mailchimp.audience"
        with db_connect(self.dbname).cursor() as late:
            late_env = api.Environment(late, SUPERUSER_ID, {})
            late_env[Audience].search_count([])  # its transaction's snapshot
            self.run_to_the_end(self.next_worker())  # a run, committed
            sent = self.fake.stats()["sent"]
            self.assertEqual(late_env[Audience]._cron_sync(), 0, "no error")
            self.assertEqual(self.fake.stats()["sent"], sent, "nothing sent twice")
            late.rollback()
        state = self.audience_state()
        self.assertEqual(state["runs"], 1)
        self.assertEqual(state["members flagged"], 0)
        self.assertEqual(self.fake.stats()["created"], 3)
