from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase
from odoo.tests.common import get_db_name

from .common import API_KEY
from .fake_mailchimp import FakeMailchimp


class TestCronLock(TransactionCase):
    """Two runs at once: the second skips the audience the first one holds.

    This needs rows committed before the test's snapshot, so the fixtures are
    created (and removed) through separate cursors."""

    @classmethod
    def setUpClass(cls):
        cls.dbname = get_db_name()
        with db_connect(cls.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            account = env["mailchimp.account"].create(
                {"name": "Lock test", "api_key": API_KEY}
            )
            account.state = "connected"
            audience = env["mailchimp.audience"].create(
                {"name": "Lock test", "account_id": account.id, "mailchimp_id": "lock1"}
            )
            env["res.partner"].create(
                {
                    "name": "Locked Contact",
                    "email": "locked@example.com",
                    "mailchimp_sync": True,
                    "mailchimp_audience_id": audience.id,
                }
            )
            cls.account_id, cls.audience_id = account.id, audience.id
            cr.commit()  # pylint: disable=invalid-commit
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        with db_connect(cls.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["res.partner"].search([("email", "=", "locked@example.com")]).unlink()
            env["mailchimp.account"].browse(cls.account_id).unlink()
            env["mailchimp.push.intent"].search(
                [("audience_id", "=", cls.audience_id)]
            ).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def test_parallel_runs_do_not_double_send(self):
        audience = self.env["mailchimp.audience"].browse(self.audience_id)
        with FakeMailchimp(api_key=API_KEY) as fake:
            fake.add_list("Lock test", list_id="lock1")
            # another run holds the audience in its own transaction
            with db_connect(self.dbname).cursor() as other:
                other_env = api.Environment(other, SUPERUSER_ID, {})
                self.assertEqual(
                    other_env["mailchimp.audience"]
                    .browse(self.audience_id)
                    ._lock_for_sync()
                    .ids,
                    [self.audience_id],
                )
                self.assertFalse(audience._lock_for_sync(), "skipped, not waited for")
                self.env["mailchimp.audience"]._cron_sync()
                self.assertEqual(fake.calls, [], "nothing sent twice")
                other.rollback()
            # once the other run is over, the audience is synced
            self.env["mailchimp.audience"]._cron_sync()
            self.assertEqual(fake.count("POST", r"/lists/lock1"), 1)
            self.assertIsNotNone(fake.member("lock1", "locked@example.com"))

    def test_contact_sync_now_during_a_run_leaves_the_contact_to_it(self):
        """A contact's "Sync now" is the run's push step under the same lock:
        while another transaction syncs the audience it sends nothing (no
        second push engine racing the run) and says the run sends it."""
        partner = self.env["res.partner"].search([("email", "=", "locked@example.com")])
        with FakeMailchimp(api_key=API_KEY) as fake:
            fake.add_list("Lock test", list_id="lock1")
            with db_connect(self.dbname).cursor() as other:
                other_env = api.Environment(other, SUPERUSER_ID, {})
                other_env["mailchimp.audience"].browse(
                    self.audience_id
                )._lock_for_sync()
                action = partner.action_mailchimp_sync_now()
                other.rollback()
            self.assertEqual(fake.calls, [], "nothing sent beside the run")
            self.assertIn("it sends these contacts", action["params"]["message"])
            self.assertTrue(partner.mailchimp_need_sync, "left for the run")
            # no run holds the audience: the button sends the contact
            action = partner.action_mailchimp_sync_now()
            self.assertEqual(action["params"]["type"], "success")
            self.assertIsNotNone(fake.member("lock1", "locked@example.com"))
