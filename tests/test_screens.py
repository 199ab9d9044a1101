"""The contact's Mailchimp tab (its tables each under a heading, without
blank rows), the sync logs, the export statistics and the labels and wordings
as the user sees them: the views' arch is read as the web client gets it and
its ``invisible`` and ``decoration-*`` expressions are evaluated on the
records."""

from unittest.mock import patch

from lxml import etree

from odoo.tests import Form
from odoo.tools.safe_eval import safe_eval

from .common import MailchimpCase
from .export_case import ExportCase
from .views import arch_of, decorations, shown

COMPACT = "mailchimp_compact_list"


class TestContactTab(MailchimpCase):
    """Item 9: the contact's Mailchimp tab."""

    def setUp(self):
        super().setUp()
        self.form = arch_of(self.env["res.partner"])
        second_id = self.fake.add_list("Second")
        self.account.action_import_audiences()
        self.second = self.account.audience_ids.filtered(
            lambda a: a.mailchimp_id == second_id
        )

    def not_in_mailchimp_text(self, partner):
        """The notices the tab shows (one at most)."""
        partner.invalidate_recordset()
        return [
            partner.mailchimp_notice
            for div in self.form.xpath("//page[@name='mailchimp']/div[@name]")
            if div.get("name").startswith("mailchimp_notice") and shown(div, partner)
        ]

    def test_item09_not_in_mailchimp_only_when_no_audience_has_it(self):
        partner = self.env["res.partner"].create(
            {"name": "Ann Example", "email": "ann@example.com"}
        )
        (text,) = self.not_in_mailchimp_text(partner)
        self.assertTrue(text.startswith("This contact is not in Mailchimp yet. Tick"))
        # ticked for the second audience first (a row, never sent), then
        # moved to the first one and sent there
        partner.write({"mailchimp_sync": True, "mailchimp_audience_id": self.second.id})
        self.assertEqual(
            self.not_in_mailchimp_text(partner),
            [
                "This contact is not in Mailchimp yet: the next synchronization "
                "sends it to the audience Second."
            ],
        )
        partner.mailchimp_audience_id = self.audience
        self.sync()
        self.assertEqual(len(partner.mailchimp_member_ids), 2, "a stale empty row")
        # unticked with no audience: no current row, Mailchimp still has it
        partner.write({"mailchimp_sync": False, "mailchimp_audience_id": False})
        self.assertFalse(partner.mailchimp_member_id)
        self.assertEqual(self.not_in_mailchimp_text(partner), [])
        (rows,) = self.form.xpath("//field[@name='mailchimp_member_shown_ids']")
        self.assertTrue(shown(rows, partner))
        self.assertEqual(partner.mailchimp_member_shown_ids.audience_id, self.audience)
        self.assertFalse(self.form.xpath("//field[@name='mailchimp_member_ids']"))

    def test_item09_rating_two_of_five_stars_and_rates_in_percent(self):
        partner = self.make_partners(1)
        self.sync()
        member = self.fake.member(self.list_id, partner.email)
        member.update(
            member_rating=2, stats={"avg_open_rate": 0.25, "avg_click_rate": 0.125}
        )
        partner.action_mailchimp_refresh()
        (rating,) = self.form.xpath("//field[@name='mailchimp_rating']")
        self.assertEqual(rating.get("widget"), "priority")
        # the priority widget draws one star per choice after the first and
        # fills them up to the value's position
        choices = [
            key
            for key, _label in partner.fields_get(["mailchimp_rating"])[
                "mailchimp_rating"
            ]["selection"]
        ]
        self.assertEqual(len(choices) - 1, 5, "five stars")
        self.assertEqual(choices.index(partner.mailchimp_rating), 2, "two filled")
        for name, percent in (
            ("mailchimp_open_rate", 25.0),
            ("mailchimp_click_rate", 12.5),
        ):
            (div,) = self.form.xpath(f"//div[@name='{name}']")
            self.assertEqual(
                [child.get("name") or child.text for child in div], [name, "%"]
            )
            self.assertEqual(partner[name], percent)
            label = partner.fields_get([name])[name]["string"]
            self.assertNotIn("%", label, "the % follows the figure")

    def test_item15_waiting_to_be_sent(self):
        partner = self.make_partners(1)
        with Form(partner) as form:
            self.assertTrue(form.mailchimp_need_sync)
        for model, name in (
            ("res.partner", "mailchimp_need_sync"),
            ("mailchimp.member", "need_sync"),
        ):
            self.assertEqual(
                self.env[model].fields_get([name])[name]["string"],
                "Waiting to be sent",
            )


class TestSyncLogScreen(MailchimpCase):
    """Item 10: the sync logs."""

    def test_item10_unsubscribes_and_created_contacts_are_listed(self):
        partners = self.make_partners(3)
        self.sync()
        self.audience.create_partners = True
        for partner in partners[:2]:
            self.fake.set_status(self.list_id, partner.email, "unsubscribed")
        self.fake.set_status(self.list_id, partners[2].email, "cleaned")
        for i in range(3):
            self.fake.add_member(self.list_id, f"new{i}@example.com")
        original = self.env.registry["mailchimp.sync.log.line"].create
        with patch.object(
            self.env.registry["mailchimp.sync.log.line"],
            "create",
            autospec=True,
            side_effect=original,
        ) as create:
            log = self.sync()
        self.assertEqual((log.unsubscribes, log.partners_created), (3, 3))
        unsubscribes = log.line_ids.filtered(lambda line: line.kind == "unsubscribe")
        self.assertEqual(unsubscribes.partner_id, partners)
        self.assertIn(
            "Cleaned in Mailchimp (the address bounced).",
            unsubscribes.mapped("message"),
        )
        created = log.line_ids.filtered(lambda line: line.kind == "created")
        self.assertEqual(
            sorted(created.mapped("email")),
            [f"new{i}@example.com" for i in range(3)],
        )
        self.assertEqual(create.call_count, 2, "one create per page and kind")
        opened = log.action_open_created_partners()
        self.assertEqual(
            self.env["res.partner"].search(opened["domain"]), created.partner_id
        )
        labels = dict(
            self.env["mailchimp.sync.log.line"].fields_get(["kind"])["kind"][
                "selection"
            ]
        )
        self.assertEqual(labels["unsubscribe"], "Unsubscribe received")
        self.assertEqual(labels["created"], "Contact created")

    def test_item10_first_sync_says_sync_and_every_member_read(self):
        self.make_partners(1)
        first = self.sync()
        self.assertEqual((first.kind, first.full_read), ("sync", True))
        self.assertIn("— Sync —", first.name)
        second = self.sync()
        self.assertEqual((second.kind, second.full_read), ("sync", False))
        self.audience.action_full_resync()
        full = self.audience._last_log()
        self.assertEqual((full.kind, full.full_read), ("full", True))
        self.assertIn("— Full resync —", full.name)
        form = arch_of(self.env["mailchimp.sync.log"])
        (field,) = form.xpath("//field[@name='full_read']")
        self.assertTrue(shown(field, first))
        self.assertEqual(
            first.fields_get(["full_read"])["full_read"]["string"], "Every member read"
        )

    def test_item10_failed_runs_and_runs_with_errors_stand_out(self):
        list_arch = arch_of(self.env["mailchimp.sync.log"], "list")
        Log = self.env["mailchimp.sync.log"]
        base = {"audience_id": self.audience.id}
        failed = Log.create(dict(base, state="failed", errors=1))
        with_errors = Log.create(dict(base, state="done", errors=2))
        clean = Log.create(dict(base, state="done"))
        self.assertEqual(decorations(list_arch, failed), {"danger"})
        self.assertEqual(decorations(list_arch, with_errors), {"warning"})
        self.assertEqual(decorations(list_arch, clean), set())


class TestExportStatistics(ExportCase):
    """Item 13: the export statistics screen."""

    def setUp(self):
        super().setUp()
        self.form = arch_of(self.env["mailchimp.sync.log"])

    def figure_buttons(self):
        return self.form.xpath(
            "//group[@name='export_figures']//button[@name='action_open_export_records']"
        )

    def test_item13_opted_out_counted_and_shown(self):
        contacts = self.add_contacts(
            self.mailing_list,
            [
                {"name": f"Guest {i}", "email": f"guest{i}@example.com"}
                for i in range(12)
            ],
        )
        self.env["mailing.subscription"].search(
            [("contact_id", "in", contacts[9:].ids)]
        ).opt_out = True
        log = self.export()
        self.assertEqual((log.list_contacts, log.opted_out), (9, 3))
        opened = log.with_context(figure="opted_out").action_open_export_records()
        self.assertEqual(opened["name"], "Opted out")
        self.assertEqual(
            self.env["mailing.contact"].search(opened["domain"]), contacts[9:]
        )
        opened = log.with_context(figure="list_contacts").action_open_export_records()
        self.assertEqual(
            self.env["mailing.contact"].search(opened["domain"]), contacts[:9]
        )
        (label,) = self.form.xpath("//label[@for='opted_out']")
        self.assertEqual(label.get("string"), "Opted out")
        self.assertTrue(shown(label, log))

    def test_item13_a_duplicate_names_the_contact_exported(self):
        self.add_contacts(
            self.mailing_list,
            [
                {"name": "Ann Example", "email": "ann@example.com"},
                {"name": "Ann again", "email": "ANN@example.com"},
            ],
        )
        log = self.export()
        line = log.line_ids.filtered(lambda line: line.kind == "duplicate")
        self.assertEqual(
            line.message,
            "Duplicate email: only “Ann Example” <ann@example.com> is exported.",
        )
        self.assertNotIn("#", line.message)

    def test_item13_drill_down_titled_as_its_figure(self):
        buttons = self.figure_buttons()
        figures = [safe_eval(button.get("context"))["figure"] for button in buttons]
        self.assertEqual(len(figures), 12)
        log = self.env["mailchimp.sync.log"].create(
            dict(
                dict.fromkeys(figures, 1),
                audience_id=self.audience.id,
                kind="export",
                mailing_list_id=self.mailing_list.id,
            )
        )
        for figure in figures:
            (label,) = self.form.xpath(
                f"//group[@name='export_figures']/label[@for='{figure}']"
            )
            action = log.with_context(figure=figure).action_open_export_records()
            self.assertEqual(action["name"], label.get("string"), figure)
            self.assertNotEqual(action.get("target"), "new", figure)
            self.assertFalse(action["context"].get("create", True), figure)

    def test_item13_a_zero_figure_is_not_clickable(self):
        self.add_contacts(self.mailing_list, [{"name": "A", "email": "a@example.com"}])
        log = self.export()
        self.assertEqual(log.duplicates, 0)
        for button in self.figure_buttons():
            figure = safe_eval(button.get("context"))["figure"]
            (plain,) = button.getparent().xpath(f"./field[@name='{figure}']")
            self.assertEqual(shown(button, log), bool(log[figure]), figure)
            self.assertEqual(shown(plain, log), not log[figure], figure)
        action = log.with_context(figure="duplicates").action_open_export_records()
        self.assertFalse(action, "a zero figure opens nothing")

    def test_item13_statistics_stay_in_the_breadcrumb(self):
        self.add_contacts(self.mailing_list, [{"name": "A", "email": "a@example.com"}])
        wizard = (
            self.env["mailchimp.list.export.wizard"]
            .with_context(active_model="mailing.list", active_ids=self.mailing_list.ids)
            .create({"audience_id": self.audience.id, "tag_name": "Fair"})
        )
        action = wizard.action_export()
        self.assertEqual(action["target"], "current", "in the main window")
        self.assertEqual(action["name"], "Export statistics")
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            ("mailchimp.sync.log", wizard.log_ids.id),
        )
        opened = wizard.log_ids.with_context(
            figure="created"
        ).action_open_export_records()
        self.assertEqual(opened["name"], "Added to Mailchimp")
        self.assertNotIn("target", opened, "pushed on top of the statistics")

    def test_item13_two_lists_open_their_statistics_as_a_list(self):
        second = self.new_list("VIP")
        self.add_contacts(self.mailing_list, [{"name": "A", "email": "a@example.com"}])
        self.add_contacts(second, [{"name": "B", "email": "b@example.com"}])
        wizard = (
            self.env["mailchimp.list.export.wizard"]
            .with_context(
                active_model="mailing.list", active_ids=(self.mailing_list | second).ids
            )
            .create({"audience_id": self.audience.id})
        )
        action = wizard.action_export()
        self.assertEqual(
            (action["target"], action["view_mode"]), ("current", "list,form")
        )
        self.assertEqual(
            self.env["mailchimp.sync.log"].search(action["domain"]), wizard.log_ids
        )
        # each row says which list it is, and the export's figures (the
        # sync logs' list had two rows alike: "Newsletter, List export")
        (list_view,) = [view for view, kind in action["views"] if kind == "list"]
        self.assertTrue(list_view, "a list of its own")
        views = self.env["mailchimp.sync.log"].get_views([(list_view, "list")])
        columns = etree.fromstring(views["views"]["list"]["arch"]).xpath("//field")
        names = [column.get("name") for column in columns]
        self.assertEqual(names[:3], ["date_start", "mailing_list_id", "tag_name"])
        for figure in ("list_contacts", "created", "updated", "tagged", "errors"):
            self.assertIn(figure, names)

    def test_item15_export_wizard_cancel(self):
        wizard = arch_of(self.env["mailchimp.list.export.wizard"])
        self.assertEqual(
            [b.get("string") for b in wizard.xpath("//footer/button")],
            ["Export", "Cancel"],
        )


class TestContactTabTables(MailchimpCase):
    def test_item07_each_table_under_its_own_heading_without_blank_rows(self):
        page = arch_of(self.env["res.partner"]).xpath("//page[@name='mailchimp']")[0]
        partner_fields = self.env["res.partner"]._fields
        tables = [
            node
            for node in page.iter("field")
            if node.getparent().tag != "list"
            and partner_fields[node.get("name")].type in ("one2many", "many2many")
        ]
        headings = {}
        for table in tables:
            previous = table.getprevious()
            self.assertEqual(
                previous.tag, "separator", f"{table.get('name')} has no heading"
            )
            headings[table.get("name")] = previous.get("string")
            self.assertEqual(table.get("widget"), COMPACT, table.get("name"))
        self.assertEqual(
            headings,
            {
                "mailchimp_member_shown_ids": "Audiences",
                "mailchimp_consent_ids": "Marketing permissions (GDPR)",
                "mailchimp_history_ids": "Campaign history",
                "mailchimp_log_line_ids": "Sync history",
            },
        )
        order = [t.get("name") for t in tables]
        self.assertLess(
            order.index("mailchimp_history_ids"), order.index("mailchimp_log_line_ids")
        )


class TestPlainLabels(MailchimpCase):
    def label(self, model, name):
        return self.env[model]._fields[name]._description_string(self.env)

    def test_low_labels_say_what_they_are(self):
        self.assertEqual(
            self.label("mailchimp.audience", "pull_overlap_minutes"),
            "Re-read overlap (minutes)",
        )
        self.assertEqual(
            self.label("mailchimp.audience", "pull_cursor"), "Changes read until"
        )
        self.assertEqual(
            self.label("mailchimp.account", "parallel_connections"),
            "Simultaneous connections",
        )
        self.assertEqual(
            self.label("mailchimp.campaign", "utm_campaign_name"),
            "Name in tracked links",
        )
        self.assertEqual(self.label("mailchimp.campaign", "open_rate"), "Open rate (%)")
        self.assertEqual(
            self.label("mailchimp.campaign", "click_rate"), "Click rate (%)"
        )

    def test_low_a_campaign_status_is_shown_by_its_name(self):
        campaign = self.env["mailchimp.campaign"].create(
            {"audience_id": self.audience.id, "mailchimp_id": "c1", "status": "sent"}
        )
        form = arch_of(self.env["mailchimp.campaign"])
        self.assertFalse(form.xpath("//field[@name='status']"))
        self.assertTrue(form.xpath("//field[@name='status_label']"))
        labels = dict(campaign._fields["status_label"]._description_selection(self.env))
        self.assertEqual(labels[campaign.status_label], "Sent")

    def test_low_one_wording_per_action(self):
        form = arch_of(self.env["res.partner"])
        strings = {b.get("string") for b in form.iter("button") if b.get("string")}
        self.assertIn("Ask to subscribe again", strings)
        self.assertIn("Forget in Mailchimp (GDPR)", strings)
        self.assertNotIn("Ask to re-subscribe", strings)
        self.assertNotIn("Forget in Mailchimp", strings)
        forget = self.env.ref("mailchimp_sync.mailchimp_forget_wizard_action")
        ask = self.env.ref("mailchimp_sync.mailchimp_resubscribe_wizard_action")
        self.assertEqual(forget.name, "Forget in Mailchimp (GDPR)")
        self.assertEqual(ask.name, "Ask to subscribe again")


class TestAudienceFigures(MailchimpCase):
    def figures(self):
        self.audience.invalidate_recordset(["member_count_odoo", "pending_count"])
        return self.audience.member_count_odoo, self.audience.pending_count

    def test_the_audience_counts_its_members_and_those_waiting(self):
        members, waiting = self.figures()
        ann, _bob, _cid = self.make_partners(3)
        self.assertEqual(self.figures(), (members + 3, waiting + 3))
        self.sync()
        self.assertEqual(self.figures(), (members + 3, 0))
        ann.name = "Ann Renamed"
        self.assertEqual(self.figures(), (members + 3, 1))
