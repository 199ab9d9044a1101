"""The default audience: contacts ticked "Sync with Mailchimp" before any
default audience exists are shown as such, take the default audience when it
is set and at sync time, and the log never tells to tick a ticked contact;
only connected accounts' audiences of the company are offered."""

from odoo.tests import Form
from odoo.tools.safe_eval import safe_eval

from .common import MailchimpCase
from .views import arch_of, shown


class TestTickedWithoutAudience(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.env.company.mailchimp_audience_id = False

    def test_the_tab_shows_a_ticked_contact_without_audience(self):
        partner = self.make_partners(1)
        self.assertTrue(partner.mailchimp_sync)
        self.assertFalse(partner.mailchimp_audience_id)
        self.assertTrue(partner.mailchimp_notice_warning)
        self.assertIn(
            "ticked but this contact has no audience", partner.mailchimp_notice
        )
        self.assertNotIn("the next synchronization sends it", partner.mailchimp_notice)
        self.assertEqual(
            self.shown_on_tab(partner),
            [
                "mailchimp_sync_control",
                "mailchimp_notice_warning",
                "mailchimp_choose_audience",
            ],
        )
        # the audience chosen on the contact: it waits for the next run
        partner.mailchimp_audience_id = self.audience
        self.assertFalse(partner.mailchimp_notice_warning)
        self.assertIn(
            f"the next synchronization sends it to the audience {self.audience.name}",
            partner.mailchimp_notice,
        )
        self.assertEqual(
            self.shown_on_tab(partner), ["mailchimp_sync_control", "mailchimp_notice"]
        )
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, partner.email)["status"], "subscribed"
        )
        self.assertFalse(partner.mailchimp_notice, "in Mailchimp: nothing to say")

    def shown_on_tab(self, partner):
        """The named blocks of the contact's Mailchimp tab the web client shows
        (the view's ``invisible`` expressions evaluated on the contact)."""
        partner.invalidate_recordset()
        page = arch_of(self.env["res.partner"]).xpath("//page[@name='mailchimp']")[0]
        return [
            node.get("name")
            for node in page.xpath("./*[@name]")
            if shown(node, partner)
        ]

    def test_setting_the_default_audience_reaches_ticked_contacts(self):
        waiting = self.make_partners(2)
        settings = Form(self.env["res.config.settings"])
        settings.mailchimp_audience_id = self.audience
        settings.save().execute()
        self.assertEqual(waiting.mailchimp_audience_id, self.audience)
        self.sync()
        for partner in waiting:
            self.assertEqual(
                self.fake.member(self.list_id, partner.email)["status"], "subscribed"
            )

    def test_a_run_gives_the_default_audience_to_ticked_contacts(self):
        self.env.company.mailchimp_audience_id = self.audience
        # ticked without an audience another way (an import, an older version)
        partner = (
            self.env["res.partner"]
            .with_context(mailchimp_no_sync=True)
            .create(
                {
                    "name": "Late Comer",
                    "email": "late@example.com",
                    "mailchimp_sync": True,
                }
            )
        )
        self.assertFalse(partner.mailchimp_audience_id)
        self.assertFalse(partner.mailchimp_notice_warning, "the run gives it one")
        self.assertIn(
            f"sends it to the audience {self.audience.name}", partner.mailchimp_notice
        )
        self.sync()
        self.assertEqual(partner.mailchimp_audience_id, self.audience)
        self.assertEqual(
            self.fake.member(self.list_id, "late@example.com")["status"], "subscribed"
        )

    def test_the_log_never_tells_to_tick_a_ticked_contact(self):
        ticked = self.make_partners(1, prefix="ticked")
        unticked = self.make_partners(1, flagged=False, prefix="unticked")
        for partner in ticked | unticked:
            self.fake.add_member(self.list_id, partner.email)
        log = self.sync()
        messages = {line.partner_id: line.message for line in log.line_ids}
        self.assertIn("ticked but the contact has no audience", messages[ticked])
        self.assertNotIn("tick “Sync with Mailchimp” to sync", messages[ticked])
        self.assertIn("tick “Sync with Mailchimp” to sync", messages[unticked])

    def test_the_log_says_why_in_the_user_s_language(self):
        # the other lines of a run are written in the language of the user
        # who runs it; these were left in English
        self.env["res.lang"]._activate_lang("nl_NL")
        unticked = self.make_partners(1, flagged=False, prefix="unticked")
        self.fake.add_member(self.list_id, unticked.email)
        log = self.sync(self.audience.with_context(lang="nl_NL"))
        (line,) = log.line_ids.filtered(lambda line: line.partner_id == unticked)
        self.assertEqual(
            line.message,
            "In Mailchimp, niet gesynchroniseerd: vink “Synchroniseren met "
            "Mailchimp” aan om te synchroniseren.",
        )


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
