import logging
import shutil

from odoo.tests import HttpCase, tagged

from .common import MailchimpCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestUserPath(MailchimpCase, HttpCase):
    """Settings -> account -> mapping wizard -> contact tab -> list export ->
    sync log, in headless Chromium, with Mailchimp faked."""

    def setUp(self):
        super().setUp()
        if not (shutil.which("chromium") or shutil.which("google-chrome")):
            self.skipTest(
                "Browser tour SKIPPED: no chromium found (apt-get install chromium)"
            )

    def test_user_path(self):
        self.start_tour(
            "/odoo/settings#mailchimp_sync", "mailchimp_sync_settings", login="admin"
        )
        self.assertEqual(self.account.state, "connected")

        self.start_tour(
            "/odoo/action-mailchimp_sync.mailchimp_audience_action",
            "mailchimp_sync_mapping",
            login="admin",
        )
        self.assertEqual(
            self.fake.calls[-1].path,
            f"/lists/{self.list_id}/merge-fields",
            "the wizard read the merge fields; the preview sent nothing",
        )

        partner = self.env["res.partner"].create(
            {"name": "Tour Contact", "email": "tour.contact@example.com"}
        )
        self.start_tour(
            f"/odoo/contacts/{partner.id}", "mailchimp_sync_contact", login="admin"
        )
        member = self.fake.member(self.list_id, "tour.contact@example.com")
        self.assertEqual(member["merge_fields"]["FNAME"], "Tour")
        self.assertTrue(partner.mailchimp_sync)

        mailing_list = self.env["mailing.list"].create({"name": "Tour list"})
        self.env["mailing.contact"].create(
            [
                {
                    "name": "List One",
                    "email": "list.one@example.com",
                    "list_ids": [(4, mailing_list.id)],
                },
                {
                    "name": "List Two",
                    "email": "list.two@example.com",
                    "list_ids": [(4, mailing_list.id)],
                },
            ]
        )
        self.start_tour(
            f"/odoo/action-mass_mailing.action_view_mass_mailing_lists/{mailing_list.id}",
            "mailchimp_sync_export",
            login="admin",
        )
        self.assertEqual(
            self.fake.tag_names(self.list_id, "list.one@example.com"), ["Tour list"]
        )

        self.start_tour(
            "/odoo/action-mailchimp_sync.mailchimp_sync_log_action",
            "mailchimp_sync_logs",
            login="admin",
        )
