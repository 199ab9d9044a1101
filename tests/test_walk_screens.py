"""Issue 28, the user's second walk: what the screens show (item 7: the
contact tab's tables each under its heading, without blank rows; item 12:
Settings → Mailchimp leads to a connection, the key field's placeholder is
no key; the Low items: plain labels, one wording per action, the audience
wizard's country and language, the default audiences offered)."""

from odoo.tests import Form
from odoo.tools.safe_eval import safe_eval

from .common import MailchimpCase
from .views import arch_of

COMPACT = "mailchimp_compact_list"
CONNECTED_DOMAIN_FIELDS = ("account_id.state", "company_id")


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


class TestAudienceListButtons(MailchimpCase):
    def test_low_the_two_buttons_leave_the_breadcrumb_its_room(self):
        listing = arch_of(self.env["mailchimp.audience"], "list")
        buttons = {b.get("name"): b for b in listing.xpath("//header/button[@display]")}
        self.assertEqual(
            set(buttons), {"action_create_in_mailchimp", "action_import_from_mailchimp"}
        )
        for button in buttons.values():
            self.assertLessEqual(len(button.get("string")), 8, "one short word")
            self.assertIn("Mailchimp", button.get("help"), "the tooltip says where")


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
        forget = self.env.ref("mailchimp_sync.res_partner_action_mailchimp_forget")
        ask = self.env.ref("mailchimp_sync.mailchimp_resubscribe_wizard_action")
        self.assertEqual(forget.name, "Forget in Mailchimp (GDPR)")
        self.assertEqual(ask.name, "Ask to subscribe again")


class TestAudienceWizardFields(MailchimpCase):
    def test_low_country_and_language_are_odoo_fields(self):
        french = self.env["res.lang"]._activate_lang("fr_BE")
        self.env.company.country_id = self.env.ref("base.be")
        form = Form(
            self.env["mailchimp.audience.create.wizard"].with_context(
                default_account_id=self.account.id
            )
        )
        self.assertEqual(form.country_id, self.env.ref("base.be"))
        self.assertEqual(form.lang_id.code, "en_US")
        form.lang_id = french
        form.name = "Clients"
        form.address1 = "Rue Haute 1"
        form.city = "Brussels"
        form.from_email = "news@example.com"
        form.save().action_create()
        (remote,) = [v for v in self.fake.lists.values() if v["name"] == "Clients"]
        self.assertEqual(remote["contact"]["country"], "BE")
        self.assertEqual(remote["campaign_defaults"]["language"], "fr")


class TestDefaultAudienceChoices(MailchimpCase):
    def offered(self, model, field_name, company):
        field = self.env[model]._fields[field_name]
        domain = safe_eval(field.domain, {"company_id": company.id})
        return self.env["mailchimp.audience"].search(domain)

    def test_low_only_connected_accounts_of_the_company(self):
        other_company = self.env["res.company"].create({"name": "Other Ltd"})
        not_connected = self.env["mailchimp.account"].create({"name": "Demo-like"})
        demo_like = self.env["mailchimp.audience"].create(
            {
                "name": "Never synced",
                "account_id": not_connected.id,
                "mailchimp_id": "x1",
            }
        )
        elsewhere = self.env["mailchimp.account"].create(
            {"name": "Other", "company_id": other_company.id}
        )
        elsewhere.sudo().state = "connected"
        theirs = self.env["mailchimp.audience"].create(
            {"name": "Theirs", "account_id": elsewhere.id, "mailchimp_id": "x2"}
        )
        company = self.env.company
        for model, name in (
            ("res.config.settings", "mailchimp_audience_id"),
            ("mailchimp.settings", "audience_id"),
        ):
            offered = self.offered(model, name, company)
            self.assertIn(self.audience, offered, model)
            self.assertNotIn(demo_like, offered, model)
            self.assertNotIn(theirs, offered, model)
