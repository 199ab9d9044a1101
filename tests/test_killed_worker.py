"""Issue 27: a sync worker killed (SIGKILL) in the middle of a run, then the
next scheduled run: every contact in Mailchimp exactly once, in Odoo exactly
once, no log left running, nothing flagged forever.

Real processes and transactions (``worker_case.py``): the fake Mailchimp
does a call's work, then holds its answer while the test kills the worker
that made it."""

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect

from .worker_case import WorkerCase

PUSHED = 1500  # three batch subscribe calls of 500
PULLED = 2500  # three pages of 1,000
BATCH = 500
PAGE = 1000
# shorter than a page's round trip under the server's latency model (0.65 s
# for 1,000 members): each cron call reads one page and commits it
ONE_PAGE_BUDGET_S = 0.3


class KilledPushCase(WorkerCase):
    """1,500 contacts to send; the worker is killed in the first batch
    subscribe call."""

    @classmethod
    def fixtures(cls, env, audience):
        env["res.partner"].create(
            [
                {
                    "name": f"Pushed Contact {i}",
                    "email": f"contact{i}{cls.DOMAIN}",
                    "mailchimp_sync": True,
                    "mailchimp_audience_id": audience.id,
                }
                for i in range(PUSHED)
            ]
        )

    def kill_in_the_first_batch_subscribe(self):
        """Mailchimp creates the first 500 members, the worker never hears
        it; the next run's worker is returned, loaded."""
        self.fake.hold("POST", rf"/lists/{self.list_id}")
        next_run = self.next_worker()
        killed = self.start_worker()
        killed.wait_for(lambda: self.fake.stats()["held"], "batch subscribe call")
        killed.kill(self.dbname)
        self.fake.release()
        return next_run


class TestWorkerKilledInAPush(KilledPushCase):
    DOMAIN = "@killed-push.example.com"

    def test_killed_in_a_batch_subscribe_call_then_the_next_run_completes(self):
        next_run = self.kill_in_the_first_batch_subscribe()
        at_kill = self.fake.stats()
        left = self.audience_state()
        self.assertEqual(at_kill["created"], BATCH, "the call reached Mailchimp")
        # a cron call is one transaction: the killed call left nothing behind
        self.assertEqual(left["logs running"], 0, "the killed call rolled back")

        self.run_to_the_end(next_run)  # the next scheduled run
        stats, state = self.fake.stats(), self.audience_state()
        figures = {
            "contacts sent": stats["sent"],
            "created in Mailchimp": stats["created"],
            "re-sent, answered 'already a member'": stats["already_members"],
            "created twice": stats["created_twice"],
            "members in Mailchimp": stats["members"][self.list_id],
            **state,
        }
        self.report(f"Worker killed in a push of {PUSHED}", figures)
        self.assertEqual(stats["members"][self.list_id], PUSHED)
        self.assertEqual(stats["created"], PUSHED, "each contact created once")
        self.assertEqual(stats["created_twice"], 0, figures)
        # the next run's first read (a full one) found the members the killed
        # call created: none sent again
        self.assertEqual(stats["already_members"], 0, figures)
        self.assertEqual(stats["sent"], PUSHED, figures)
        self.assertEqual(state["logs running"], 0, figures)
        self.assertEqual(state["runs"], 1, "one run: the killed call left none")
        self.assertEqual(state["logs with errors"], 0, figures)
        self.assertEqual(state["members in Odoo"], PUSHED)
        self.assertEqual(state["members flagged"], 0, "nothing flagged forever")
        self.assertEqual(state["members without Mailchimp id"], 0)
        self.assertEqual(state["distinct Mailchimp ids"], PUSHED)


class TestContactLeavingAfterAKill(KilledPushCase):
    DOMAIN = "@left-after-kill.example.com"

    def test_a_contact_unticked_or_deleted_before_the_next_run_is_not_left(self):
        """The cron's call is one transaction, rolled back by the kill: a
        contact unticked, or deleted, before the next run had its member
        created by the killed call. The intent written before the call
        (``mailchimp.push.intent``, its own transaction) makes the next run
        take it as known to Mailchimp: archived, as without the kill."""
        next_run = self.kill_in_the_first_batch_subscribe()
        unticked, deleted = (f"contact{i}{self.DOMAIN}" for i in (0, 1))
        with db_connect(self.dbname).cursor() as cr:
            contacts = api.Environment(cr, SUPERUSER_ID, {})["res.partner"]
            contacts.search([("email", "=", unticked)]).mailchimp_sync = False
            contacts.search([("email", "=", deleted)]).unlink()
            cr.commit()  # pylint: disable=invalid-commit
        self.run_to_the_end(next_run)
        statuses = [self.fake.status(self.list_id, e) for e in (unticked, deleted)]
        self.report("Left the sync after a kill (their statuses)", statuses)
        self.assertEqual(statuses, ["archived", "archived"])


class TestWorkerKilledInAPull(WorkerCase):
    DOMAIN = "@killed-pull.example.com"

    @classmethod
    def fixtures(cls, env, audience):
        audience.create_partners = True
        emails = [f"member{i}{cls.DOMAIN}" for i in range(PULLED)]
        merge = [{"FNAME": f"First{i}", "LNAME": f"Last{i}"} for i in range(PULLED)]
        cls.fake.add_members(cls.list_id, emails, merge)

    def contacts(self):
        """Contacts with the class's emails, and the emails held twice."""
        [(contacts, emails)] = self.committed(
            """SELECT count(*), count(DISTINCT email_normalized) FROM res_partner
                WHERE email_normalized LIKE %s""",
            f"%{self.DOMAIN}",
        )
        return contacts, contacts - emails

    def test_killed_after_the_first_page_then_the_next_run_completes(self):
        # the second page is served, its answer never reaches the worker
        self.fake.hold("GET", rf"/lists/{self.list_id}/members", nth=2)
        next_run = self.next_worker()
        killed = self.start_worker(budget=ONE_PAGE_BUDGET_S)
        killed.wait_for(lambda: self.fake.stats()["held"], "second page")
        killed.kill(self.dbname)
        self.fake.release()
        left = self.audience_state()
        self.assertEqual(left["logs running"], 1, "the run was under way")
        self.assertEqual(self.contacts()[0], PAGE, "the first page was committed")

        self.run_to_the_end(next_run)  # the next scheduled run
        stats, state = self.fake.stats(), self.audience_state()
        contacts, twice = self.contacts()
        [(pulled, created)] = self.committed(
            """SELECT pulled, partners_created FROM mailchimp_sync_log
                WHERE audience_id = %s AND kind IN ('sync', 'full')""",
            self.audience_id,
        )
        figures = {
            "members read by the run": pulled,
            "contacts created": created,
            "contacts in Odoo": contacts,
            "emails held by two contacts": twice,
            "members created in Mailchimp": stats["created"],
            "members in Mailchimp": stats["members"][self.list_id],
            **state,
        }
        self.report(f"Worker killed in a pull of {PULLED}", figures)
        self.assertEqual(contacts, PULLED, figures)
        self.assertEqual(twice, 0, "no contact created twice")
        self.assertEqual(created, PULLED, figures)
        self.assertEqual(stats["members"][self.list_id], PULLED)
        self.assertEqual(stats["created"], 0, "nothing sent back as new")
        self.assertEqual(state["logs running"], 0, figures)
        self.assertEqual(state["runs"], 1, "the run went on, not a new one")
        self.assertEqual(state["logs with errors"], 0, figures)
        self.assertEqual(state["members in Odoo"], PULLED)
        self.assertEqual(state["members flagged"], 0, "nothing flagged forever")
        self.assertEqual(state["distinct Mailchimp ids"], PULLED)
