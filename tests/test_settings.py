"""Settings → Mailchimp: the schedule shown IS the scheduled action's; every
setting has a title and a one-line help; it leads to a connection, and the
key field's placeholder is no key."""

from datetime import datetime
from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form

from .common import MailchimpCase
from .views import arch_of

OAUTH_DOCS = (
    "https://mailchimp.com/developer/marketing/guides/access-user-data-oauth-2/"
)


class TestSettings(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.cron = self.env.ref("mailchimp_sync.ir_cron_mailchimp_sync")
        # as an administrator would set it in Settings → Technical
        self.cron.write(
            {
                "interval_number": 12,
                "interval_type": "hours",
                "lastcall": datetime(2026, 11, 20, 8, 0),
                "nextcall": datetime(2026, 11, 20, 20, 0),
            }
        )

    def cron_writes(self):
        """The values written on the sync's cron while the spy is active."""
        IrCron = self.registry["ir.cron"]
        original = IrCron.write
        writes = []
        cron = self.cron

        def spy(records, vals):
            if cron in records:
                writes.append(vals)
            return original(records, vals)

        return writes, patch.object(IrCron, "write", spy)

    def test_item2_settings_show_the_scheduled_action(self):
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.mailchimp_sync_interval_number, 12)
        self.assertEqual(settings.mailchimp_sync_interval_type, "hours")
        self.assertEqual(settings.mailchimp_sync_lastcall, datetime(2026, 11, 20, 8))
        self.assertEqual(settings.mailchimp_sync_nextcall, datetime(2026, 11, 20, 20))

    def test_item2_saving_settings_for_another_reason_leaves_the_cron_alone(self):
        writes, spy = self.cron_writes()
        with spy:
            settings = Form(self.env["res.config.settings"])
            settings.mailchimp_audience_id = self.env["mailchimp.audience"]
            settings.save().execute()
        self.assertEqual(writes, [], "the scheduled action is not written")
        self.assertEqual(
            (self.cron.interval_number, self.cron.interval_type), (12, "hours")
        )
        self.assertEqual(self.cron.nextcall, datetime(2026, 11, 20, 20))

    def test_item2_changing_the_interval_changes_the_cron(self):
        writes, spy = self.cron_writes()
        with spy:
            settings = Form(self.env["res.config.settings"])
            settings.mailchimp_sync_interval_number = 2
            settings.mailchimp_sync_interval_type = "days"
            settings.save().execute()
        self.assertEqual(writes, [{"interval_number": 2, "interval_type": "days"}])
        self.assertEqual(
            (self.cron.interval_number, self.cron.interval_type), (2, "days")
        )
        self.assertEqual(
            Form(self.env["res.config.settings"]).mailchimp_sync_interval_number, 2
        )

    def test_item2_an_interval_below_one_is_refused(self):
        settings = Form(self.env["res.config.settings"])
        settings.mailchimp_sync_interval_number = 0
        with self.assertRaises(UserError):
            settings.save().execute()
        self.assertEqual(self.cron.interval_number, 12)

    def test_item2_a_button_opens_the_scheduled_action(self):
        action = (
            self.env["res.config.settings"].create({}).action_mailchimp_open_sync_cron()
        )
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("ir.cron", self.cron.id)
        )
        button = self.app().xpath("//button[@name='action_mailchimp_open_sync_cron']")
        self.assertEqual(button[0].get("string"), "Open the scheduled action")

    def app(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        return etree.fromstring(arch).xpath("//app[@name='mailchimp_sync']")[0]

    def test_item16_every_setting_has_a_title_and_a_one_line_help(self):
        app = self.app()
        settings = app.xpath(".//setting")
        self.assertGreaterEqual(len(settings), 4)
        for setting in settings:
            self.assertTrue(setting.get("string"), setting.get("id"))
            help_text = setting.get("help") or ""
            self.assertTrue(help_text, setting.get("id"))
            self.assertNotIn("\n", help_text)
            self.assertLess(len(help_text), 80, "one line")
        for block in app.xpath(".//block"):
            self.assertTrue(block.get("title"))
        titles = [block.get("title") for block in app.xpath(".//block")]
        self.assertIn("Synchronization", titles)
        self.assertIn("Connect with Mailchimp (OAuth)", titles)
        (oauth,) = app.xpath(".//setting[@id='mailchimp_oauth_app']")
        self.assertEqual(oauth.get("documentation"), OAUTH_DOCS)
        fields = {field.get("name") for field in app.xpath(".//field")}
        self.assertLessEqual(
            {
                "mailchimp_sync_interval_number",
                "mailchimp_sync_interval_type",
                "mailchimp_sync_lastcall",
                "mailchimp_sync_nextcall",
            },
            fields,
        )


class TestSettingsConnect(MailchimpCase):
    def app(self):
        form = arch_of(self.env["res.config.settings"])
        return form.xpath("//app[@name='mailchimp_sync']")[0]

    def test_item12_settings_lead_to_a_new_account_and_show_the_connected_ones(self):
        (setting,) = self.app().xpath(".//setting[@id='mailchimp_connection']")
        buttons = {b.get("string"): b.get("name") for b in setting.iter("button")}
        self.assertIn("Connect an account", buttons)
        self.assertIn("Manage accounts", buttons)
        connect = self.env.ref("mailchimp_sync.mailchimp_account_action_connect")
        self.assertEqual(buttons["Connect an account"], str(connect.id))
        self.assertEqual(
            (connect.res_model, connect.view_mode, connect.res_id),
            ("mailchimp.account", "form", 0),
            "a new account's form: paste the key, test the connection",
        )
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.mailchimp_connected_account_ids, self.account)
        self.account.sudo().state = "draft"
        self.assertFalse(
            self.env["res.config.settings"].create({}).mailchimp_connected_account_ids
        )

    def test_item12_the_key_placeholder_is_no_key(self):
        (key,) = arch_of(self.env["mailchimp.account"]).xpath(
            "//field[@name='api_key']"
        )
        placeholder = key.get("placeholder")
        self.assertIn("API keys", placeholder)
        self.assertNotRegex(
            placeholder, r"[0-9a-f]{8}", "nothing that looks like a key"
        )
