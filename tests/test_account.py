import logging

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import API_KEY, MailchimpCase


class TestAccountConnection(MailchimpCase):
    def new_account(self, key):
        return self.env["mailchimp.account"].create({"name": "Other", "api_key": key})

    def test_connect_reads_account(self):
        account = self.new_account(API_KEY)
        self.assertEqual(account.data_center, "us6")
        action = account.action_test_connection()
        self.assertEqual(account.state, "connected")
        self.assertTrue(account.account_name)
        self.assertTrue(account.login_email)
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.fake.count("GET", "/ping"), 1)
        self.assertEqual(self.fake.count("GET", "/"), 1)

    def assertFailedConnection(self, account, expected):
        with self.assertLogs("odoo.addons.mailchimp_sync", level=logging.DEBUG) as logs:
            action = account.action_test_connection()
        self.assertEqual(account.state, "error")
        self.assertIn(expected, account.last_error)
        self.assertIs(action, True, "the form's banner shows the error, no toast")
        self.assertFalse(account.account_name, "a failed test changes nothing else")
        secret = account.sudo().api_key
        for text in [account.last_error, *logs.output]:
            self.assertNotIn(secret.split("-")[0], text)

    def test_wrong_key(self):
        account = self.new_account("ffffffffffffffffffffffffffffffff-us6")
        self.assertFailedConnection(account, "401")
        self.assertEqual(self.fake.count("GET", "/ping"), 1, "a 401 is not retried")

    def test_key_without_data_center(self):
        account = self.new_account("0123456789abcdef0123456789abcdef")
        self.assertFalse(account.data_center)
        self.assertFailedConnection(account, "data center")
        self.assertFalse(
            self.fake.calls, "nothing is sent with a key without a data center"
        )

    def test_unreachable_host(self):
        account = self.new_account("0123456789abcdef0123456789abcdef-us99")
        self.assertFailedConnection(account, "could not be reached")

    def test_timeout(self):
        """Issue 8: a connection that times out says Mailchimp could not be
        reached, after one short retry (not four)."""
        self.fake.timeout("GET", "/ping", times=5)
        self.assertFailedConnection(
            self.new_account(API_KEY), "Mailchimp could not be reached"
        )
        self.assertEqual(len(self.sleeps), 1, "one short retry")
        self.assertLessEqual(sum(self.sleeps), 1.5)

    def test_server_error(self):
        self.fake.fail("GET", "/ping", status=503, times=5)
        self.assertFailedConnection(self.new_account(API_KEY), "server error")

    def test_rate_limited_then_ok(self):
        self.fake.fail("GET", "/ping", status=429, times=1)
        account = self.new_account(API_KEY)
        account.action_test_connection()
        self.assertEqual(account.state, "connected")
        self.assertEqual(self.fake.count("GET", "/ping"), 2)
        self.assertEqual(len(self.sleeps), 1)
        self.assertGreater(self.sleeps[0], 0)

    def test_new_key_resets_state(self):
        account = self.new_account(API_KEY)
        account.action_test_connection()
        account.api_key = " 0123456789abcdef0123456789abcdef-us7 "
        self.assertEqual(account.state, "draft")
        self.assertEqual(account.data_center, "us7")
        self.assertEqual(account.sudo().api_key, "0123456789abcdef0123456789abcdef-us7")

    def test_key_readable_by_administrators_only(self):
        manager = new_test_user(
            self.env,
            login="mc_manager",
            groups="base.group_user,mailchimp_sync.group_mailchimp_manager",
        )
        account = self.account.with_user(manager)
        self.assertEqual(account.name, "Test account")
        with self.assertRaises(AccessError):
            account.read(["api_key"])
        admin = new_test_user(
            self.env,
            login="mc_admin",
            groups="base.group_system,mailchimp_sync.group_mailchimp_manager",
        )
        self.assertEqual(self.account.with_user(admin).api_key, API_KEY)
        # the manager can still test the connection: the key is read as superuser
        account.action_test_connection()
        self.assertEqual(account.state, "connected")

    def test_oauth_connect(self):
        self.fake.oauth_codes["good-code"] = "oauth-token-1"
        self.fake.oauth_tokens.add("oauth-token-1")
        self.env["ir.config_parameter"].set_param(
            "mailchimp_sync.oauth_client_id", "cid"
        )
        account = self.new_account(False)
        action = account.action_oauth_connect()
        self.assertIn("login.mailchimp.com/oauth2/authorize", action["url"])
        state = account._oauth_new_state("session-1")
        self.assertFalse(account._oauth_take_state(state + "x", "session-1"))
        self.assertEqual(account._oauth_take_state(state, "session-1"), account)
        self.assertFalse(account._oauth_take_state(state, "session-1"), "used up")
        self.assertTrue(account._oauth_complete("good-code"))
        self.assertEqual(account.auth_method, "oauth")
        self.assertEqual(account.data_center, "us6")
        self.assertEqual(account.state, "connected")

    def test_oauth_bad_code(self):
        account = self.new_account(False)
        self.assertFalse(account._oauth_complete("bad-code"))
        self.assertEqual(account.state, "error")
        self.assertFalse(account.sudo().api_key)
