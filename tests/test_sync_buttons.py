"""Issue 17 item 3: every run started by hand ends with a notification
carrying its counts, at once or, when it goes on in the background, when it is
done."""

from unittest.mock import patch

from .common import MailchimpCase

BUTTONS = "odoo.addons.mailchimp_sync.models.mailchimp_sync_buttons"


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
