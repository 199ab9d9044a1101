"""The browser tours: a user's path (a contact's Mailchimp tab, the sync
logs, the groups) and the set-up path (connecting from Settings, the audience
list's two buttons, a contact ticked before the default audience exists)."""

import base64
import logging
import os
import shutil
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .clock import day, field, stamp
from .common import API_KEY, MailchimpCase

_logger = logging.getLogger(__name__)
# scripts/screenshots.sh sets this to the folder the README's images go to
SCREENSHOTS = os.environ.get("MAILCHIMP_SYNC_SCREENSHOTS")
PREFIX = "mailchimp_sync:screenshot:"


def _capture_on_request(original, folder):
    """Save a PNG when the tour logs ``mailchimp_sync:screenshot:<name>``."""

    def handle(browser, type, args=None, **kw):  # pylint: disable=redefined-builtin
        first = args and browser._from_remoteobject(args[0])
        if type == "log" and isinstance(first, str) and first.startswith(PREFIX):
            path = os.path.join(folder, first[len(PREFIX) :] + ".png")

            def save(future):
                with open(path, "wb") as image:
                    image.write(base64.b64decode(future.result()["data"]))
                _logger.info("Screenshot saved: %s", path)

            browser._websocket_send(
                "Page.captureScreenshot", params={"format": "png"}, with_future=True
            ).add_done_callback(save)
        return original(browser, type, args=args, **kw)

    return handle


class TourCase(MailchimpCase, HttpCase):
    """Tours in headless Chromium, with Mailchimp faked; each key screen can
    be captured (scripts/screenshots.sh)."""

    def setUp(self):
        super().setUp()
        if not (shutil.which("chromium") or shutil.which("google-chrome")):
            self.skipTest(
                "Browser tour SKIPPED: no chromium found (apt-get install chromium)"
            )
        if SCREENSHOTS:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            patcher = patch.object(
                ChromeBrowser,
                "_handle_console",
                _capture_on_request(ChromeBrowser._handle_console, SCREENSHOTS),
            )
            patcher.start()
            self.addCleanup(patcher.stop)

    def _tour_users(self):
        """A Mailchimp manager (with the Contacts and Email Marketing rights a
        marketer has) and a Mailchimp reader."""
        manager = new_test_user(
            self.env,
            login="tour_manager",
            name="Tour Manager",
            groups="base.group_user,base.group_partner_manager,"
            "mass_mailing.group_mass_mailing_user,mailchimp_sync.group_mailchimp_manager",
        )
        reader = new_test_user(
            self.env,
            login="tour_reader",
            name="Tour Reader",
            groups="base.group_user,mailchimp_sync.group_mailchimp_user",
        )
        return manager, reader

    def _add_campaign_history(self, email="tour.contact@example.com"):
        """A sent campaign the tour's contact opened and clicked, in Mailchimp."""
        campaign = self.fake.add_campaign(
            self.list_id,
            "Autumn newsletter",
            subject="Autumn news from Blue Harbour",
            send_time=stamp(day(2, 9)),
            emails_sent=1,
            recipients=[email],
        )
        self.fake.add_email_activity(campaign, email, "open", stamp(day(2, 10, 12)))
        self.fake.add_email_activity(
            campaign,
            email,
            "click",
            stamp(day(2, 10, 13)),
            url="https://www.example.com/autumn",
        )

    def _read_campaigns_now(self):
        """Contacts → Mailchimp → Campaigns → Read campaigns now (issue 28
        item 8), as a Mailchimp manager."""
        self.start_tour(
            "/odoo/contacts", "mailchimp_sync_read_campaigns", login="tour_manager"
        )

    def _tour_mailing_list(self):
        """The mailing list the tour exports: two contacts."""
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
        return mailing_list


@tagged("post_install", "-at_install")
class TestUserPath(TourCase):
    """Settings -> account -> mapping wizard -> contact tab -> list export ->
    sync log."""

    def test_user_path(self):
        """As Mailchimp / Manager (Settings as the administrator)."""
        self._tour_users()
        self.start_tour(
            "/odoo/settings#mailchimp_sync", "mailchimp_sync_settings", login="admin"
        )
        self.assertEqual(self.account.state, "connected")
        self.start_tour(
            f"/odoo/action-mailchimp_sync.mailchimp_account_action/{self.account.id}",
            "mailchimp_sync_account",
            login="tour_manager",
        )
        self.start_tour(
            "/odoo/action-mailchimp_sync.mailchimp_audience_action",
            "mailchimp_sync_mapping",
            login="tour_manager",
        )
        self.assertEqual(
            self.fake.calls[-1].path,
            f"/lists/{self.list_id}/merge-fields",
            "the wizard read the merge fields; the preview sent nothing",
        )
        partner = self._tour_contact_path()
        self.assertTrue(partner.mailchimp_sync)
        mailing_list = self._tour_mailing_list()
        self.start_tour(
            f"/odoo/action-mass_mailing.action_view_mass_mailing_lists/{mailing_list.id}",
            "mailchimp_sync_export",
            login="tour_manager",
        )
        self.assertEqual(
            self.fake.tag_names(self.list_id, "list.one@example.com"), ["Tour list"]
        )
        self.start_tour(
            "/odoo/action-mailchimp_sync.mailchimp_sync_log_action",
            "mailchimp_sync_logs",
            login="tour_manager",
        )

    def _tour_contact_path(self):
        # a phone Mailchimp would refuse: the sync history says it was left out
        partner = self.env["res.partner"].create(
            {"name": "Tour Contact", "email": "tour.contact@example.com", "phone": "12"}
        )
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "mailchimp_sync_contact",
            login="tour_manager",
        )
        member = self.fake.member(self.list_id, "tour.contact@example.com")
        self.assertEqual(member["merge_fields"]["FNAME"], "Tour")
        # the contact's campaign history, read from the campaign list
        self._add_campaign_history()
        self._read_campaigns_now()
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "mailchimp_sync_contact_tab",
            login="tour_manager",
        )
        self.assertTrue(partner.mailchimp_log_line_ids)
        self._tour_campaign_figures(partner)
        return partner

    def _tour_campaign_figures(self, partner):
        """The campaign's figures, with a customer it won (seeded: the test
        database has no Sales app)."""
        campaign = self.env["mailchimp.campaign"].search(
            [("audience_id", "=", self.audience.id)], limit=1
        )
        self.env["mailchimp.conversion"].create(
            {
                "campaign_id": campaign.id,
                "audience_id": self.audience.id,
                "partner_id": partner.id,
                "touch_date": field(day(2, 10, 13)),
                "conversion_date": field(day(6, 15)),
                "revenue": 1250.0,
            }
        )
        self.start_tour(
            f"/odoo/action-mailchimp_sync.mailchimp_campaign_action/{campaign.id}",
            "mailchimp_sync_campaign",
            login="tour_manager",
        )

    def test_read_only_path(self):
        """As Mailchimp / User: the menus lead to the screens, nothing can be
        changed."""
        _manager, reader = self._tour_users()
        partner = self.env["res.partner"].create(
            {
                "name": "Read Contact",
                "email": "read.contact@example.com",
                "mailchimp_sync": True,
            }
        )
        self.sync()
        self.start_tour(
            "/odoo/contacts", "mailchimp_sync_read_only", login="tour_reader"
        )
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "mailchimp_sync_read_only_contact",
            login="tour_reader",
        )
        self.assertEqual(reader.login, "tour_reader")

    def test_marketer_and_plain_user_path(self):
        """Issue 28 item 4: a Mailchimp manager without the right to change
        contacts enrols one and sets the interval; issue 27 item 9: a user
        without a Mailchimp role still edits contacts."""
        new_test_user(
            self.env,
            login="tour_marketer",
            groups="base.group_user,mailchimp_sync.group_mailchimp_manager",
        )
        new_test_user(
            self.env,
            login="tour_plain",
            groups="base.group_user,base.group_partner_manager",
        )
        partner = self.env["res.partner"].create(
            {"name": "Marketer Contact", "email": "marketer.contact@example.com"}
        )
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "mailchimp_sync_marketer_contact",
            login="tour_marketer",
        )
        self.assertTrue(partner.mailchimp_sync)
        cron = self.env.ref("mailchimp_sync.ir_cron_mailchimp_sync")
        self.assertEqual(cron.interval_number, 2)
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "mailchimp_sync_plain_contact",
            login="tour_plain",
        )
        self.assertEqual(partner.function, "Buyer")

    def test_contact_life_path(self):
        """Ask to subscribe again, then Forget in Mailchimp (GDPR) a contact
        with a campaign history, from the contact."""
        partner = self.env["res.partner"].create(
            {
                "name": "Life Contact",
                "email": "life.contact@example.com",
                "mailchimp_sync": True,
            }
        )
        self.sync()
        self._add_campaign_history("life.contact@example.com")
        self.audience._sync_campaigns()
        self.assertTrue(partner.mailchimp_history_ids)
        self.fake.set_status(self.list_id, partner.email, "unsubscribed")
        self.sync()
        self.start_tour(
            f"/odoo/contacts/{partner.id}", "mailchimp_sync_lifecycle", login="admin"
        )
        # Mailchimp is called once the button's transaction is saved, by the
        # erasures cron (no cron thread in tests: run it here)
        self.assertIsNotNone(self.fake.member(self.list_id, "life.contact@example.com"))
        self.env["mailchimp.erasure"]._cron_erase()
        self.assertIsNone(self.fake.member(self.list_id, "life.contact@example.com"))
        self.assertIn("life.contact@example.com", self.fake.forgotten)
        self.assertFalse(partner.mailchimp_history_ids)
        self.assertTrue(
            self.env["mailchimp.suppression"]._suppressed(
                self.audience, ["life.contact@example.com"]
            )
        )

    def test_targeting_path(self):
        """A segment's filter and its live preview; the audience's groups (as
        Mailchimp / Manager)."""
        self._tour_users()
        vip = self.env["res.partner.category"].create({"name": "VIP"})
        self.make_partners(3, prefix="vip", category_id=[(6, 0, vip.ids)])
        self.make_partners(2, prefix="other")
        self.fake.add_interest_category(
            self.list_id, "Interests", ["VIP", "Newsletter"]
        )
        self.audience.action_refresh_groups()
        group = self.audience.interest_category_ids
        group.field_id = self.env.ref("base.field_res_partner__category_id")
        group.action_match_by_name()
        segment = self.env["mailchimp.segment"].create(
            {
                "name": "VIP customers",
                "audience_id": self.audience.id,
                "domain": f"[('category_id', 'in', [{vip.id}])]",
            }
        )
        self.start_tour(
            f"/odoo/action-mailchimp_sync.mailchimp_segment_action/{segment.id}",
            "mailchimp_sync_segment",
            login="tour_manager",
        )
        self.start_tour(
            f"/odoo/action-mailchimp_sync.mailchimp_audience_action/{self.audience.id}",
            "mailchimp_sync_groups",
            login="tour_manager",
        )


@tagged("post_install", "-at_install")
class TestSetUpPath(TourCase):
    def test_connect_from_settings(self):
        """Settings → Mailchimp → Connect an account, as the
        administrator, with nothing connected yet."""
        self.account.sudo().state = "draft"
        self.start_tour(
            "/odoo/settings#mailchimp_sync", "mailchimp_sync_connect", login="admin"
        )
        account = self.env["mailchimp.account"].search(
            [("name", "=", "Newsletter account")]
        )
        self.assertEqual(account.state, "connected")
        self.assertEqual(account.sudo().api_key, API_KEY)

    def test_audience_list_buttons(self):
        """Create in Mailchimp (country and language as in Odoo), its
        mapping saved, then Import from Mailchimp, as a Mailchimp manager."""
        self._tour_users()
        self.env.company.write(
            {
                "street": "12 Quay Street",
                "city": "Albany",
                "country_id": self.country_us.id,
                "email": "news@example.com",
            }
        )
        self.fake.add_list("Customers in Mailchimp")
        self.start_tour(
            "/odoo/action-mailchimp_sync.mailchimp_audience_action",
            "mailchimp_sync_audience_list",
            login="tour_manager",
        )
        (created,) = [v for v in self.fake.lists.values() if v["name"] == "Customers"]
        self.assertEqual(created["contact"]["country"], "BE")
        self.assertEqual(created["campaign_defaults"]["language"], "en")
        self.assertEqual(
            sorted(self.account.audience_ids.mapped("name")),
            ["Customers", "Customers in Mailchimp", "Newsletter"],
        )

    def test_ticked_before_the_default_audience(self):
        """Ticked without any audience, then the manager sets the
        company's default audience: the contact takes it."""
        self._tour_users()
        self.env.company.mailchimp_audience_id = False
        partner = self.env["res.partner"].create(
            {
                "name": "Early Contact",
                "email": "early.contact@example.com",
                "mailchimp_sync": True,
            }
        )
        self.assertFalse(partner.mailchimp_audience_id)
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "mailchimp_sync_ticked_without_audience",
            login="tour_manager",
        )
        self.assertEqual(self.env.company.mailchimp_audience_id, self.audience)
        self.assertEqual(partner.mailchimp_audience_id, self.audience)
        self.sync()
        self.assertIsNotNone(self.fake.member(self.list_id, partner.email))
