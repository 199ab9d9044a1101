"""Connecting by OAuth cannot be hijacked: admin-only start, a random
single-use state bound to the user and session, valid 10 minutes, and a
failed callback never changes a connected account."""

from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import MailchimpCase

CALLBACK = "/mailchimp/oauth/callback"
# what PostgreSQL raises when a concurrent transaction changed the same row
CONCURRENT_UPDATE = """DO $$ BEGIN RAISE EXCEPTION 'concurrent update'
                       USING ERRCODE = 'serialization_failure'; END $$"""


@tagged("post_install", "-at_install")
class TestOAuthTrust(MailchimpCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(
            "mailchimp_sync.oauth_client_id", "cid"
        )
        self.fake.oauth_codes["good-code"] = "oauth-token-1"
        self.key = self.account.sudo().api_key
        self.session = self.authenticate("admin", "admin")

    def state_for(self, account=None, session=None, user=None):
        account = (account or self.account).with_user(
            user or self.env.ref("base.user_admin")
        )
        return account._oauth_new_state(session or self.session.sid)

    def callback(self, **params):
        with mute_logger("odoo.http"):
            return self.url_open(
                CALLBACK + "?" + "&".join(f"{k}={v}" for k, v in params.items()),
                allow_redirects=False,
            )

    def assertStillConnected(self):
        self.account.invalidate_recordset()
        self.assertEqual(self.account.state, "connected")
        self.assertEqual(self.account.sudo().api_key, self.key)

    def test_item07_only_administrators_start(self):
        manager = new_test_user(
            self.env,
            login="mc_manager",
            groups="base.group_user,mailchimp_sync.group_mailchimp_manager",
        )
        with self.assertRaises(AccessError):
            self.account.with_user(manager).action_oauth_connect()
        self.assertFalse(self.env["mailchimp.oauth.state"].search([]))

    def test_item07_state_is_random_and_single_use(self):
        action = self.account.action_oauth_connect()
        state = parse_qs(urlparse(action["url"]).query)["state"][0]
        self.assertFalse(state.startswith(f"{self.account.id}."), "not the account id")
        self.assertGreaterEqual(len(state), 40)
        state = self.state_for()
        self.assertEqual(self.callback(state=state, code="good-code").status_code, 303)
        self.assertEqual(self.account.auth_method, "oauth")
        # replayed: refused
        self.assertEqual(self.callback(state=state, code="good-code").status_code, 403)

    def test_item07_state_of_another_session_or_user_is_refused(self):
        other_session = self.state_for(session="someone-elses-session")
        self.assertEqual(self.callback(state=other_session, code="x").status_code, 403)
        other_admin = new_test_user(
            self.env, login="admin2", groups="base.group_user,base.group_system"
        )
        other_user = self.state_for(user=other_admin)
        self.assertEqual(self.callback(state=other_user, code="x").status_code, 403)
        self.assertStillConnected()

    def test_item07_expired_state_is_refused(self):
        state = self.state_for()
        self.env["mailchimp.oauth.state"].search([]).expires_at = (
            fields.Datetime.now() - timedelta(seconds=1)
        )
        self.assertEqual(self.callback(state=state, code="good-code").status_code, 403)
        self.assertStillConnected()

    def test_item07_a_failed_callback_leaves_a_connected_account_alone(self):
        state = self.state_for()
        self.assertEqual(
            self.callback(state=state, error="access_denied").status_code, 303
        )
        self.assertStillConnected()
        state = self.state_for()
        self.callback(state=state, code="not-a-code")
        self.assertStillConnected()
        self.assertFalse(self.account.last_error)

    def connect_over_http(self):
        """The account form's "Connect with Mailchimp", clicked in this
        browser session: the ``state`` Mailchimp will send back."""
        action = self.make_jsonrpc_request(
            "/web/dataset/call_kw/mailchimp.account/action_oauth_connect",
            {
                "model": "mailchimp.account",
                "method": "action_oauth_connect",
                "args": [self.account.ids],
                "kwargs": {},
            },
        )
        return parse_qs(urlparse(action["url"]).query)["state"][0]

    def test_item07_a_replayed_state_exchanges_no_code(self):
        state = self.connect_over_http()
        self.assertEqual(self.callback(state=state, code="good-code").status_code, 303)
        self.fake.oauth_codes["second-code"] = "oauth-token-2"
        self.assertEqual(
            self.callback(state=state, code="second-code").status_code, 403
        )
        self.assertEqual(self.fake.token_requests, ["good-code"], "one exchange")
        self.assertEqual(self.account.sudo().api_key, "oauth-token-1")

    def test_item07_a_state_spent_by_a_failed_request_stays_spent(self):
        """The request that exchanged the code fails afterwards (a concurrent
        update of the account: Odoo retries the whole request, from a rolled
        back transaction): the code is never exchanged again."""
        state = self.connect_over_http()
        Account = type(self.env["mailchimp.account"])
        test_connection = Account.action_test_connection
        conflicts = []

        def concurrent_update(account):
            if not conflicts:
                conflicts.append(account.id)
                account.env.cr.execute(CONCURRENT_UPDATE, log_exceptions=False)
            return test_connection(account)

        with (
            patch.object(Account, "action_test_connection", concurrent_update),
            mute_logger("odoo.service.model"),
        ):
            response = self.callback(state=state, code="good-code")
        self.assertEqual(conflicts, self.account.ids, "the request failed once")
        self.assertEqual(self.fake.token_requests, ["good-code"], "one exchange")
        self.assertEqual(response.status_code, 403, "the state was spent")
        self.assertStillConnected()

    def test_item07_a_callback_in_another_users_session_is_refused(self):
        """The state was issued to admin A in A's browser; the callback comes
        back in admin B's session: refused, no code exchanged."""
        state = self.connect_over_http()
        new_test_user(
            self.env, login="admin_b", groups="base.group_user,base.group_system"
        )
        self.authenticate("admin_b", "admin_b")
        self.assertEqual(self.callback(state=state, code="good-code").status_code, 403)
        self.assertEqual(self.fake.token_requests, [], "no exchange")
        self.assertStillConnected()
