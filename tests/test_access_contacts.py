"""A contact's Mailchimp data is for the Mailchimp roles only (contacts still
work for everybody else), and a Mailchimp manager chooses which contacts are
synced, the default audience and the sync's interval without the right to
change contacts or to administer Odoo, and without being able to write
anything else that way; a context key never lets anybody else tick a
contact."""

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user

from .common import USER_GROUPS, MailchimpCase

PLAIN_GROUPS = "base.group_user,base.group_partner_manager"
MANAGER_GROUPS = "base.group_user,mailchimp_sync.group_mailchimp_manager"
MAILCHIMP_DATA = (
    "mailchimp_status",
    "mailchimp_consent_date",
    "mailchimp_error",
    "mailchimp_sync",
    "mailchimp_audience_id",
    "mailchimp_member_ids",
)
VIEWS = [(False, "form"), (False, "list"), (False, "kanban"), (False, "search")]


def readable(records, names):
    """``names`` less the relations to records the user may not read at all
    (Odoo 19's contact has calls, ``rtc_session_ids``, for administrators)."""
    fields = records._fields
    return [
        name
        for name in names
        if not fields[name].relational
        or records.env[fields[name].comodel_name].has_access("read")
    ]


class TestContactsWithoutMailchimpRole(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.plain = new_test_user(self.env, login="plain_user", groups=PLAIN_GROUPS)
        self.person = self.make_partners(1)
        self.sync()

    def test_item9_no_mailchimp_data_without_a_mailchimp_role(self):
        mine = self.person.with_user(self.plain)
        for name in MAILCHIMP_DATA:
            with self.subTest(field=name), self.assertRaises(AccessError):
                mine.read([name])
        everything = mine.read(readable(mine, mine.fields_get()))[0]
        self.assertFalse([k for k in everything if k.startswith("mailchimp_")])
        self.assertFalse(
            [k for k in mine.fields_get() if k.startswith("mailchimp_")],
            "the fields are not even listed",
        )
        with self.assertRaises(AccessError):
            mine.search([("mailchimp_status", "=", "subscribed")])

    def test_item9_contact_screens_still_load_and_save_for_them(self):
        Partner = self.env["res.partner"].with_user(self.plain)
        result = Partner.get_views(VIEWS)
        for view_type, view in result["views"].items():
            with self.subTest(view=view_type):
                self.assertNotIn(
                    "mailchimp", view["arch"].replace("mailchimp_sync.", "")
                )
        names = readable(Partner, result["models"]["res.partner"]["fields"])
        (values,) = self.person.with_user(self.plain).web_read(
            {name: {} for name in names}
        )
        self.assertEqual(values["email"], self.person.email)
        Partner.web_search_read([], {"display_name": {}, "email": {}})
        contact = Partner.create({"name": "Plain", "email": "plain@example.com"})
        contact.write({"email": "plain2@example.com", "name": "Plain Two"})
        self.person.with_user(self.plain).write({"phone": "+32 2 555 12 12"})
        self.assertTrue(self.person.mailchimp_member_id.need_sync, "still sent")
        self.person.with_user(self.plain).unlink()
        self.assertFalse(self.person.exists())


class TestManagerChoosesWhatIsSynced(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.manager = new_test_user(
            self.env, login="mc_marketer", groups=MANAGER_GROUPS
        )
        self.people = self.make_partners(2, flagged=False)

    def test_item11_a_manager_without_contact_rights_enrols_and_unenrols(self):
        mine = self.people.with_user(self.manager)
        with self.assertRaises(AccessError):
            mine.write({"name": "Not mine to change"})
        action = mine.action_mailchimp_enable()
        self.assertIn("enabled on 2 contacts", action["params"]["message"])
        self.assertTrue(all(self.people.mapped("mailchimp_sync")))
        self.assertEqual(self.people.mailchimp_audience_id, self.audience)
        self.assertEqual(len(self.people.mailchimp_member_ids), 2, "sent next run")
        mine[0].action_mailchimp_disable()
        self.assertFalse(self.people[0].mailchimp_sync)
        mine[0].write({"mailchimp_sync": True})
        self.assertTrue(self.people[0].mailchimp_sync, "the box, ticked")

    def test_item11_that_path_writes_the_sync_fields_only(self):
        mine = self.people.with_user(self.manager)
        for vals in (
            {"mailchimp_sync": True, "name": "Renamed"},
            {"mailchimp_sync": True, "email": "other@example.com"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                mine.write(vals)
        company_b = self.env["res.company"].create({"name": "Company B"})
        self.people[1].company_id = company_b
        with self.assertRaises(AccessError):
            self.people[1].with_user(self.manager).action_mailchimp_enable()
        self.assertFalse(any(self.people.mapped("mailchimp_sync")))

    def test_item11_the_contact_form_offers_them_the_buttons(self):
        arch = etree.fromstring(
            self.env["res.partner"]
            .with_user(self.manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        buttons = {b.get("name") for b in arch.iter("button")}
        self.assertLessEqual(
            {"action_mailchimp_enable", "action_mailchimp_disable"}, buttons
        )
        self.assertEqual(arch.get("edit"), "False", "the rest stays read-only")
        wizard = (
            self.env["mailchimp.change.audience.wizard"]
            .with_user(self.manager)
            .with_context(active_model="res.partner", active_ids=self.people.ids)
            .create({"audience_id": self.audience.id})
        )
        wizard.action_confirm()
        self.assertEqual(self.people.mailchimp_audience_id, self.audience)

    def test_item11_a_manager_sets_the_default_audience_and_the_interval(self):
        cron = self.env.ref("mailchimp_sync.ir_cron_mailchimp_sync")
        self.env.company.mailchimp_audience_id = False
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.manager).create({})
        form = Form(self.env["mailchimp.settings"].with_user(self.manager))
        self.assertEqual(form.interval_number, cron.interval_number)
        form.audience_id = self.audience
        form.interval_number = 3
        form.interval_type = "hours"
        form.save().action_save()
        self.assertEqual(self.env.company.mailchimp_audience_id, self.audience)
        self.assertEqual((cron.interval_number, cron.interval_type), (3, "hours"))
        menus = self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids()
        self.assertIn(
            self.env.ref("mailchimp_sync.mailchimp_manager_settings_menu").id, menus
        )

    def test_item11_only_the_managers_own_company_and_audiences(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        Settings = self.env["mailchimp.settings"].with_user(self.manager)
        with self.assertRaises(AccessError):
            Settings.create({"company_id": company_b.id}).action_save()
        reader = new_test_user(
            self.env,
            login="mc_settings_reader",
            groups="base.group_user,mailchimp_sync.group_mailchimp_user",
        )
        with self.assertRaises(AccessError):
            self.env["mailchimp.settings"].with_user(reader).create({})


class TestSyncControlIgnoresContextKeys(MailchimpCase):
    def test_a_reader_cannot_enrol_with_the_sync_context_key(self):
        reader = new_test_user(self.env, login="ctx_reader", groups=USER_GROUPS)
        partner = self.env["res.partner"].create(
            {"name": "Ctx Target", "email": "ctx@example.com"}
        )
        with self.assertRaisesRegex(AccessError, "Only Mailchimp managers"):
            partner.with_user(reader).with_context(
                mailchimp_no_sync=True
            ).mailchimp_sync = True
