"""The account form as the user sees it: one error report, the next step
highlighted, OAuth offered only when configured, and a confirmation after
importing audiences or enabling the sync of contacts."""

from lxml import etree

from odoo.tools.safe_eval import safe_eval

from .common import API_KEY, MailchimpCase

HEADER_FIELDS = ("state", "audience_count", "oauth_available", "auth_method")


class TestAccountForm(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.admin = self.env.ref("base.user_admin")
        arch = (
            self.env["mailchimp.account"]
            .with_user(self.admin)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.form = etree.fromstring(arch)

    def new_account(self, key=API_KEY):
        return self.env["mailchimp.account"].create({"name": "Other", "api_key": key})

    def header(self, account):
        """The header buttons shown for ``account``: ``[(name, primary)]``."""
        account.invalidate_recordset()
        values = {name: account[name] for name in HEADER_FIELDS}
        return [
            (button.get("name"), "btn-primary" in (button.get("class") or ""))
            for button in self.form.xpath("//header/button")
            if not safe_eval(button.get("invisible") or "False", values)
        ]

    def primary(self, account):
        return [name for name, primary in self.header(account) if primary]

    def banner_shown(self, account):
        (banner,) = self.form.xpath("//div[hasclass('alert-danger')]")
        return not safe_eval(banner.get("invisible"), {"state": account.state})

    def test_item14_a_failed_connection_is_reported_once(self):
        account = self.new_account("ffffffffffffffffffffffffffffffff-us6")
        action = account.action_test_connection()
        self.assertTrue(self.banner_shown(account))
        self.assertIn("401", account.last_error)
        self.assertNotIsInstance(action, dict, "no notification on top of the banner")

    def test_item14_the_next_step_is_highlighted(self):
        account = self.new_account()
        self.assertEqual(self.primary(account), ["action_test_connection"])
        account.action_test_connection()
        self.assertEqual(account.state, "connected")
        self.assertFalse(self.banner_shown(account))
        self.assertEqual(self.primary(account), ["action_import_audiences"])
        names = [name for name, _primary in self.header(account)]
        self.assertIn("action_test_connection", names, "still offered, not primary")
        account.action_import_audiences()
        self.assertEqual(self.primary(account), [], "set up: nothing more to do")
        self.assertEqual(names.count("action_import_audiences"), 1)

    def test_item14_connect_with_mailchimp_only_when_oauth_is_configured(self):
        account = self.new_account()
        names = [name for name, _primary in self.header(account)]
        self.assertNotIn("action_oauth_connect", names)
        self.env["ir.config_parameter"].set_param(
            "mailchimp_sync.oauth_client_id", "cid"
        )
        names = [name for name, _primary in self.header(account)]
        self.assertIn("action_oauth_connect", names)
        oauth = self.env["mailchimp.account"].create(
            {"name": "OAuth", "auth_method": "oauth"}
        )
        self.assertEqual(self.primary(oauth), ["action_oauth_connect"])

    def test_item14_importing_audiences_says_how_many(self):
        self.fake.add_list("Customers")
        action = self.account.action_import_audiences()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(
            action["params"]["message"],
            "Audiences imported from Mailchimp: Newsletter, Customers (new: 1).",
        )
        follow = action["params"]["next"]
        self.assertEqual(follow["res_model"], "mailchimp.audience")
        self.assertEqual(len(follow["domain"][0][2]), 2)

    def test_item14_enabling_the_sync_of_contacts_says_how_many(self):
        partners = self.make_partners(3, flagged=False)
        action = partners.action_mailchimp_enable()
        self.assertTrue(all(partners.mapped("mailchimp_sync")))
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("enabled on 3 contacts", action["params"]["message"])
        self.env.company.mailchimp_audience_id = False
        others = self.make_partners(2, flagged=False, prefix="other")
        action = others.action_mailchimp_enable()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("enabled on 2 contacts", action["params"]["message"])
        self.assertIn("2 have no audience", action["params"]["message"])
