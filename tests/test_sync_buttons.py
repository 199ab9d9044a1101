"""Every run started by hand ends with a notification carrying its counts, at
once or, when it goes on in the background, when it is done."""

from unittest.mock import patch

from odoo.exceptions import UserError

from ..compat import GROUPS
from .common import MailchimpCase

BUTTONS = "odoo.addons.mailchimp_sync.models.mailchimp_audience"


class TestSyncButtonsSayWhatTheyDid(MailchimpCase):
    def test_sync_now_reports_its_counts(self):
        self.make_partners(3)
        action = self.audience.action_sync_now()
        params = action["params"]
        self.assertEqual(params["type"], "success")
        self.assertIn("3 sent", params["message"])
        self.assertIn(self.audience.name, params["message"])

    def test_a_failed_sync_says_why(self):
        self.make_partners(1)
        self.fake.fail("POST", r"/lists/[^/]+", status=500, times=10)
        action = self.audience.action_sync_now()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("stopped", action["params"]["message"])

    def test_a_sync_in_the_background_notifies_when_done(self):
        self.make_partners(2)
        with patch(f"{BUTTONS}.MANUAL_TIME_BUDGET", -1):  # out of time at once
            action = self.audience.action_sync_now()
        self.assertIn("you will be notified", action["params"]["message"])
        log = self.audience.current_log_id
        self.assertTrue(log.notify_when_done)
        self.env["bus.bus"].search([]).unlink()
        self.env["mailchimp.audience"]._cron_sync()
        self.assertFalse(self.audience.current_log_id, "the cron finished it")
        self.env.cr.precommit.run()  # the bus sends at commit
        notes = self.env["bus.bus"].search([]).mapped("message")
        self.assertTrue(
            any("2 sent" in note and "simple_notification" in note for note in notes),
            notes,
        )

    def test_full_resync_reports_its_counts(self):
        self.make_partners(2)
        self.sync()
        action = self.audience.action_full_resync()
        self.assertIn("2 sent", action["params"]["message"])
        self.assertIn("read from Mailchimp", action["params"]["message"])


class TestAudienceScreens(MailchimpCase):
    def test_import_from_mailchimp_on_the_audience_list(self):
        self.fake.add_list("Second list")
        action = self.env["mailchimp.audience"].action_import_from_mailchimp()
        self.assertIn(
            "Audiences imported from Mailchimp: Newsletter, Second list",
            action["params"]["message"],
        )
        self.assertIn("new: 1", action["params"]["message"])
        self.assertEqual(len(self.account.audience_ids), 2)
        # the list the button is on reloads with them: not a second list
        # "Audiences" stacked in the breadcrumb at each click
        self.assertEqual(action["params"]["next"]["tag"], "soft_reload")

    def test_import_without_a_connected_account_says_what_to_do(self):
        self.account.state = "draft"
        with self.assertRaisesRegex(UserError, "Connect a Mailchimp account first"):
            self.env["mailchimp.audience"].action_import_from_mailchimp()

    def test_no_raw_audience_id_form_and_internals_for_administrators(self):
        arch = self.env["mailchimp.audience"].get_view(view_type="form")["arch"]
        self.assertIn('create="0"', arch)
        listing = self.env["mailchimp.audience"].get_view(view_type="list")["arch"]
        self.assertIn("action_create_in_mailchimp", listing)
        self.assertIn("action_import_from_mailchimp", listing)
        reader = self.env["res.users"].create(
            {
                "name": "Reader",
                "login": "reader_adv",
                GROUPS: [
                    (6, 0, [self.env.ref("mailchimp_sync.group_mailchimp_manager").id])
                ],
            }
        )
        arch = (
            self.env["mailchimp.audience"]
            .with_user(reader)
            .get_view(view_type="form")["arch"]
        )
        self.assertNotIn("pull_overlap_minutes", arch, "Advanced: administrators only")


class TestButtonsOfAnAccountWithoutKey(MailchimpCase):
    """An administrator removed the account's key: every button the screens
    still show says so (a user error), never a server error."""

    def test_each_button_says_the_key_is_missing(self):
        self.env["ir.config_parameter"].set_param(
            "web.base.url", "https://odoo.example.com"
        )
        person = self.make_partners(1)
        self.sync()
        self.fake.set_status(self.list_id, person.email, "unsubscribed")
        self.sync()
        category = (
            self.env["mailchimp.interest.category"]
            .sudo()
            .create(
                {
                    "audience_id": self.audience.id,
                    "mailchimp_id": "abc123",
                    "name": "Interests",
                    "field_id": self.env.ref("base.field_res_partner__category_id").id,
                }
            )
        )
        self.env["res.partner.category"].create({"name": "VIP"})
        person.category_id = self.env["res.partner.category"].search([], limit=1)
        self.account.api_key = False
        self.fake.reset_calls()
        resubscribe = (
            self.env["mailchimp.resubscribe.wizard"]
            .with_context(active_model="res.partner", active_ids=person.ids)
            .create({"consent_source": "Phone call"})
        )
        for button in (
            person.action_mailchimp_refresh,
            self.audience.action_refresh_groups,
            self.audience.action_webhook_register,
            category.action_add_to_mailchimp,
            resubscribe.action_confirm,
        ):
            with (
                self.subTest(button=button.__name__),
                self.assertRaisesRegex(UserError, "No Mailchimp API key is set"),
            ):
                button()
        self.assertFalse(self.fake.calls)
