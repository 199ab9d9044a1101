"""Each role sees only the buttons it may use. Every button the read-only role
is shown (contact, audience, segment, campaign, log, member and account
screens) is clicked as that role: none is refused. The server's own checks
stay (tests/test_access_rules.py)."""

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import MailchimpCase

READER_GROUPS = (
    "base.group_user,base.group_partner_manager,mailchimp_sync.group_mailchimp_user"
)
MANAGER_GROUPS = "base.group_user,mailchimp_sync.group_mailchimp_manager"
MODULE = "mailchimp_sync"
ADMIN_ONLY = {"action_oauth_connect", "action_mailchimp_open_sync_cron"}


class TestButtonsByRole(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.reader = new_test_user(
            self.env, login="mc_btn_reader", groups=READER_GROUPS
        )
        self.manager = new_test_user(
            self.env, login="mc_btn_manager", groups=MANAGER_GROUPS
        )
        self.person = self.make_partners(1)
        self.sync()
        campaign = self.env["mailchimp.campaign"].create(
            {"audience_id": self.audience.id, "mailchimp_id": "c1", "title": "News"}
        )
        segment = self.env["mailchimp.segment"].create(
            {"name": "VIP", "audience_id": self.audience.id, "domain": "[]"}
        )
        self.screens = [
            self.person,
            self.audience,
            self.account,
            segment,
            campaign,
            self.audience._last_log(),
            self.person.mailchimp_member_id,
        ]

    def ours(self, record, kind, name):
        """Whether the button is this module's (Odoo's own are Odoo's)."""
        if kind == "action":
            xmlid = self.env["ir.actions.actions"].browse(int(name)).get_external_id()
            return next(iter(xmlid.values()), "").startswith(MODULE + ".")
        method = getattr(type(record), name, None)
        return getattr(method, "__module__", "").startswith(f"odoo.addons.{MODULE}")

    def buttons(self, record, user):
        """``(type, name)`` of this module's buttons ``user`` gets on the
        record's form and list views."""
        Model = self.env[record._name].with_user(user)
        found = set()
        for view in Model.get_views([(False, "form"), (False, "list")])[
            "views"
        ].values():
            for button in etree.fromstring(view["arch"]).iter("button"):
                kind, name = button.get("type"), button.get("name")
                if kind in ("object", "action") and self.ours(record, kind, name):
                    found.add((kind, name))
        return found

    def click(self, record, kind, name):
        """What the web client does: an action opens its model's records, a
        method is called on the record."""
        if kind == "action":
            action = self.env["ir.actions.actions"].browse(int(name))
            action = self.env[action.type].browse(action.id)
            if action._name == "ir.actions.act_window":
                self.env[action.res_model].with_user(record.env.user).check_access(
                    "read"
                )
            return action
        with self.env.cr.savepoint():
            return getattr(record, name)()

    def test_item12_every_button_a_reader_is_shown_works_for_a_reader(self):
        shown = self.buttons(self.audience, self.reader)
        self.assertIn(("object", "action_view_members"), shown)
        self.assertNotIn(("object", "action_sync_now"), shown)
        for record in self.screens:
            mine = record.with_user(self.reader)
            for kind, name in self.buttons(record, self.reader):
                with self.subTest(model=record._name, button=name):
                    try:
                        self.click(mine, kind, name)
                    except Exception as error:  # noqa: BLE001 pylint: disable=broad-except
                        # refused for another reason (no data) is not access
                        self.assertNotIsInstance(
                            error,
                            AccessError,
                            f"{name} is shown to a reader, who is refused",
                        )

    def test_every_list_and_form_a_reader_opens_reads(self):
        # what the web client reads to show a screen: every field of its
        # list and form views, as the views are given to the reader
        for record in self.screens:
            Model = self.env[record._name].with_user(self.reader)
            views = Model.get_views([(False, "list"), (False, "form")])
            for kind, view in views["views"].items():
                arch = etree.fromstring(view["arch"])
                names = set(arch.xpath("//field[not(ancestor::field)]/@name"))
                with self.subTest(model=record._name, view=kind):
                    Model.browse(record.ids).read(sorted(names))

    def test_item12_the_contact_tab_shows_refresh_to_managers_only(self):
        refresh = ("object", "action_mailchimp_refresh")
        self.assertNotIn(refresh, self.buttons(self.person, self.reader))
        self.assertIn(refresh, self.buttons(self.person, self.manager))

    def test_item12_a_manager_is_shown_no_administrators_button(self):
        for record in self.screens:
            names = {name for _kind, name in self.buttons(record, self.manager)}
            with self.subTest(model=record._name):
                self.assertFalse(names & ADMIN_ONLY)
