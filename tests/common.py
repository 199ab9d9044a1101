import json
from contextlib import nullcontext
from unittest.mock import patch

from odoo.tests import TransactionCase

from ..models.mailchimp_sync_run import AudienceRun
from .fake_mailchimp import FakeMailchimp

API_KEY = "0123456789abcdef0123456789abcdef-us6"
USER_GROUPS = (
    "base.group_user,base.group_partner_manager,mailchimp_sync.group_mailchimp_user"
)
MANAGER_GROUPS = (
    "base.group_user,base.group_partner_manager,mailchimp_sync.group_mailchimp_manager"
)


class MailchimpCase(TransactionCase):
    """An account connected to a stateful fake Mailchimp with one audience.

    Mailchimp is faked at the HTTP level under the real SDK; no request leaves
    the machine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, tracking_disable=True, mail_notrack=True)
        )
        with (
            FakeMailchimp(api_key=API_KEY) as fake,
            patch("odoo.addons.mailchimp_sync.services.client._sleep"),
        ):
            cls.list_id = fake.add_list("Newsletter")
            cls.account = cls.env["mailchimp.account"].create(
                {"name": "Test account", "api_key": API_KEY}
            )
            cls.account.action_test_connection()
            cls.account.action_import_audiences()
        cls.audience = cls.account.audience_ids
        cls.env.company.mailchimp_audience_id = cls.audience
        cls.country_us = cls.env.ref("base.us")
        cls.state_ny = cls.env.ref("base.state_us_27")

    def setUp(self):
        super().setUp()
        # A fresh Mailchimp for each test: the database is rolled back after
        # each test, so Mailchimp's state must start over too.
        self.fake = FakeMailchimp(api_key=API_KEY)
        self.fake.start()
        self.addCleanup(self.fake.stop)
        self.fake.add_list("Newsletter", list_id=self.list_id)
        # Backoff pauses are recorded instead of slept.
        self.sleeps = []
        patcher = patch(
            "odoo.addons.mailchimp_sync.services.client._sleep", self.sleeps.append
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        # the push's record of intent goes in the test's transaction
        intent = patch.object(
            type(self.env["mailchimp.push.intent"]),
            "_cursor",
            lambda model: nullcontext(model.env.cr),
        )
        intent.start()
        self.addCleanup(intent.stop)

    def make_partners(self, count, flagged=True, prefix="contact", **vals):
        return self.env["res.partner"].create(
            [
                dict(
                    {
                        "name": f"First{i} Last{i}",
                        "email": f"{prefix}{i}@example.com",
                        "mailchimp_sync": flagged,
                    },
                    **vals,
                )
                for i in range(count)
            ]
        )

    def step(self, audience=None):
        """One step of the audience's run under way, as the run loop
        (``drive``) does it: ``(units done, finished)``."""
        run = AudienceRun(audience or self.audience)
        try:
            return run.step()
        finally:
            run.close()

    def sync(self, audience=None):
        audience = audience or self.audience
        audience._run_sync()
        return audience._last_log()

    def upserts(self):
        """Member write calls: batch subscribes and batch operations."""
        return self.fake.count("POST", r"/lists/[^/]+") + self.fake.count(
            "POST", r"/batches"
        )

    def batch_operations(self, method=None):
        """The operations sent through ``POST /batches`` (body decoded)."""
        ops = []
        for call in self.fake.calls:
            if call.method == "POST" and call.path == "/batches":
                for op in call.body["operations"]:
                    if method is None or op["method"] == method:
                        ops.append(dict(op, body=json.loads(op.get("body") or "null")))
        return ops
