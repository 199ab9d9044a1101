"""Issue 18: two cron workers share one large audience's push; every contact
is sent exactly once.

Real concurrent transactions are needed, so the fixtures are committed
through separate cursors (and removed after), like ``test_cron.py``."""

import json
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase
from odoo.tests.common import get_db_name

from .common import API_KEY
from .fake_mailchimp import FakeMailchimp

LIST_ID = "share1"
CONTACTS = 1500  # three chunks of 500
DOMAIN = "@two-workers.example.com"
PLANNING_STEPS = 5  # the read of an empty audience, then the push planned
CHUNK_MODULE = "odoo.addons.mailchimp_sync.models.mailchimp_push_chunk"


class TestTwoWorkers(TransactionCase):
    @classmethod
    def setUpClass(cls):
        cls.dbname = get_db_name()
        with db_connect(cls.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            account = env["mailchimp.account"].create(
                {"name": "Two workers", "api_key": API_KEY, "parallel_connections": 1}
            )
            account.state = "connected"
            audience = env["mailchimp.audience"].create(
                {
                    "name": "Two workers",
                    "account_id": account.id,
                    "mailchimp_id": LIST_ID,
                }
            )
            env["res.partner"].create(
                [
                    {
                        "name": f"Worker Contact {i}",
                        "email": f"contact{i}{DOMAIN}",
                        "mailchimp_sync": True,
                        "mailchimp_audience_id": audience.id,
                    }
                    for i in range(CONTACTS)
                ]
            )
            cls.account_id, cls.audience_id = account.id, audience.id
            cr.commit()  # pylint: disable=invalid-commit
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        with db_connect(cls.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["res.partner"].search([("email", "like", DOMAIN)]).unlink()
            env["mailchimp.account"].browse(cls.account_id).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def worker(self):
        """A cron worker's transaction: its own connection, never waiting
        more than a few seconds for a lock (a test must not hang)."""
        cr = db_connect(self.dbname).cursor()
        cr.execute("SET LOCAL lock_timeout = '5s'")
        return cr, api.Environment(cr, SUPERUSER_ID, {})

    def audience(self, env):
        return env["mailchimp.audience"].browse(self.audience_id)

    def sent_emails(self, fake):
        """Every email of every batch subscribe call, in the order sent."""
        emails = []
        for call in fake.calls:
            if call.method == "POST" and call.path == f"/lists/{LIST_ID}":
                body = call.body
                if not isinstance(body, dict):
                    body = json.loads(body)
                emails += [m["email_address"] for m in body["members"]]
        return emails

    def assert_run_ends_with_everyone_sent(self, log_id):
        """The next cron call ends the run, with the helper's figures."""
        cr, env = self.worker()
        with cr:
            env["mailchimp.audience"]._cron_sync()
            cr.commit()  # pylint: disable=invalid-commit
            log = env["mailchimp.sync.log"].browse(log_id)
            self.assertEqual(log.state, "done", log.error_message)
            self.assertEqual(log.pushed, CONTACTS)
            self.assertEqual(log.created, CONTACTS)
            self.assertFalse(log._helper_logs(), "merged into the run's log")
            members = self.audience(env).member_ids
            self.assertEqual(len(members), CONTACTS)
            self.assertFalse(members.filtered("need_sync"))
            self.assertFalse(members.filtered(lambda m: not m.mailchimp_id))

    def test_two_workers_send_every_contact_once(self):
        with (
            FakeMailchimp(api_key=API_KEY) as fake,
            patch(f"{CHUNK_MODULE}.CHUNKS_PER_CLAIM", 1),  # a chunk a claim
        ):
            fake.add_list("Two workers", list_id=LIST_ID)
            # the run reads Mailchimp, then plans its push in chunks: committed
            cr, env = self.worker()
            with cr:
                log = self.audience(env)._start_run(trigger="cron")
                for _step in range(PLANNING_STEPS):
                    _done, finished = self.audience(env)._sync_step()
                    if finished is not False:
                        break
                self.assertIsNone(finished, "the push waits for the helper to see")
                self.assertTrue(log.push_shared)
                cr.commit()  # pylint: disable=invalid-commit
            # the run's worker takes the first chunk and keeps its
            # transaction open while the helper cron takes the others
            main_cr, main_env = self.worker()
            with main_cr:
                main = self.audience(main_env)
                client = main.account_id._get_client()
                self.assertEqual(main._sync_step(client), (500, False))
                helper_cr, helper_env = self.worker()
                with helper_cr:
                    helper_env["mailchimp.audience"]._cron_sync_helper()
                    helper_cr.commit()  # pylint: disable=invalid-commit
                # the helper's chunks were taken after this transaction began:
                # skipped (a serialization failure), never sent twice
                self.assertEqual(main._sync_step(client), (0, None))
                main_cr.commit()  # pylint: disable=invalid-commit
            self.assert_run_ends_with_everyone_sent(log.id)
        sent = self.sent_emails(fake)
        self.assertEqual(len(sent), CONTACTS, "every contact sent exactly once")
        self.assertEqual(len(set(sent)), CONTACTS)
        self.assertEqual(fake.count("POST", f"/lists/{LIST_ID}"), 3)
        self.assertEqual(len(fake.members[LIST_ID]), CONTACTS)
