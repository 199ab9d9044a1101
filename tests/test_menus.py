"""Every Mailchimp role reaches its screens through menus (asked over HTTP, as
the web client does), and the read-only role cannot change what is synced."""

import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from ..compat import LOAD_MENUS_URL
from .common import MailchimpCase

MARKETING_ROOT = "mailchimp_sync.mailchimp_marketing_menu_root"
CONTACTS_ROOT = "mailchimp_sync.mailchimp_menu_root"


@tagged("post_install", "-at_install")
class TestMenusByRole(MailchimpCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.reader = new_test_user(
            self.env,
            login="mc_reader",
            groups="base.group_user,base.group_partner_manager,"
            "mailchimp_sync.group_mailchimp_user",
        )
        self.manager = new_test_user(
            self.env,
            login="mc_manager",
            groups="base.group_user,base.group_partner_manager,"
            "mailchimp_sync.group_mailchimp_manager,mass_mailing.group_mass_mailing_user",
        )
        self.outsider = new_test_user(
            self.env, login="mc_outsider", groups="base.group_user"
        )

    def menus(self, login):
        """The menus' xml ids the web client gets for ``login``."""
        self.authenticate(login, login)
        response = self.url_open(LOAD_MENUS_URL)
        self.assertEqual(response.status_code, 200)
        return {menu.get("xmlid") for menu in json.loads(response.content).values()}

    def test_the_read_only_role_reaches_its_screens(self):
        menus = self.menus("mc_reader")
        for xmlid in (
            CONTACTS_ROOT,
            "mailchimp_sync.mailchimp_audience_menu",
            "mailchimp_sync.mailchimp_segment_menu",
            "mailchimp_sync.mailchimp_member_menu",
            "mailchimp_sync.mailchimp_campaign_menu",
            "mailchimp_sync.mailchimp_sync_log_menu",
        ):
            self.assertIn(xmlid, menus)
        self.assertNotIn("mailchimp_sync.mailchimp_account_menu", menus)
        self.assertNotIn("mailchimp_sync.mailchimp_settings_menu", menus)

    def test_the_manager_also_finds_them_in_email_marketing(self):
        menus = self.menus("mc_manager")
        for xmlid in (
            MARKETING_ROOT,
            "mailchimp_sync.mailchimp_marketing_audience_menu",
            "mailchimp_sync.mailchimp_marketing_segment_menu",
            "mailchimp_sync.mailchimp_account_menu",
        ):
            self.assertIn(xmlid, menus)

    def test_other_users_see_no_mailchimp_menu(self):
        menus = self.menus("mc_outsider")
        self.assertFalse({m for m in menus if m and m.startswith("mailchimp_sync.")})

    def test_the_read_only_role_cannot_enrol_contacts(self):
        partner = self.env["res.partner"].create(
            {"name": "Not Enrolled", "email": "enrol@example.com"}
        )
        with self.assertRaisesRegex(AccessError, "Only Mailchimp managers"):
            partner.with_user(self.reader).mailchimp_sync = True
        with self.assertRaisesRegex(AccessError, "Only Mailchimp managers"):
            self.env["res.partner"].with_user(self.reader).create(
                {
                    "name": "Sneaky",
                    "email": "sneaky@example.com",
                    "mailchimp_sync": True,
                }
            )
        partner.with_user(self.reader).name = "Renamed by a reader"  # other edits
        partner.with_user(self.manager).mailchimp_sync = True
        self.assertTrue(partner.mailchimp_sync)

    def test_the_groups_are_under_marketing_in_the_user_form(self):
        category = self.env.ref("mailchimp_sync.module_category_mailchimp")
        self.assertEqual(
            category.parent_id, self.env.ref("base.module_category_marketing")
        )

    def test_enable_sync_on_many_contacts_says_how_many(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Many {i}", "email": f"many{i}@example.com"} for i in range(3)]
        )
        action = (
            self.env.ref("mailchimp_sync.res_partner_action_enable_mailchimp")
            .with_user(self.manager)
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .run()
        )
        self.assertIn("enabled on 3 contacts", action["params"]["message"])
        self.assertTrue(all(partners.mapped("mailchimp_sync")))

    def test_a_manager_who_is_not_an_administrator_maps_fields(self):
        """The mapping wizard offers contact fields (``ir.model.fields``),
        which only administrators could read."""
        action = self.audience.with_user(self.manager).action_open_mapping_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.manager)
            .browse(action["res_id"])
        )
        lines = wizard.web_read(
            {
                "line_ids": {
                    "fields": {"tag": {}, "field_id": {"fields": {"display_name": {}}}}
                }
            }
        )[0]["line_ids"]
        phone = next(line for line in lines if line["tag"] == "PHONE")
        self.assertIn("Phone", phone["field_id"]["display_name"])
