"""A company's Mailchimp data stays in that company, and the read-only role
cannot act, nor cause a call to Mailchimp."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from ..services import subscriber_hash
from .common import MANAGER_GROUPS, USER_GROUPS, MailchimpCase


class TestCompanyIsolation(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.company_b = self.env["res.company"].create({"name": "Company B"})
        list_b = self.fake.add_list("B News")
        account_b = self.env["mailchimp.account"].create(
            {
                "name": "B",
                "api_key": self.account.sudo().api_key,
                "company_id": self.company_b.id,
            }
        )
        account_b.action_test_connection()
        account_b.action_import_audiences()
        self.audience_b = account_b.audience_ids.filtered(
            lambda a: a.mailchimp_id == list_b
        )
        self.manager_a = new_test_user(
            self.env,
            login="manager_a",
            groups=MANAGER_GROUPS,
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        self.records_b = self.company_b_records()

    def company_b_records(self):
        audience = self.audience_b
        partner = self.env["res.partner"].create(
            {"name": "B Person", "email": "b.person@example.com"}
        )
        member = self.env["mailchimp.member"].create(
            {"audience_id": audience.id, "partner_id": partner.id}
        )
        log = self.env["mailchimp.sync.log"].create({"audience_id": audience.id})
        line = self.env["mailchimp.sync.log.line"].create(
            {"log_id": log.id, "kind": "info", "message": "B"}
        )
        campaign = self.env["mailchimp.campaign"].create(
            {"audience_id": audience.id, "mailchimp_id": "cb1"}
        )
        activity = self.env["mailchimp.member.activity"].create(
            {
                "member_id": member.id,
                "campaign_id": campaign.id,
                "action": "open",
                "key": "k",
            }
        )
        return [
            member,
            log,
            line,
            campaign,
            activity,
            *self.company_b_more(member),
            audience.merge_field_ids[:1],
            audience.mapping_ids[:1],
        ]

    def company_b_more(self, member):
        audience = self.audience_b
        mailing_list = self.env["mailing.list"].create({"name": "B list"})
        export = self.env["mailchimp.list.export"].create(
            {
                "audience_id": audience.id,
                "mailing_list_id": mailing_list.id,
                "tag_name": "B",
            }
        )
        export_member = self.env["mailchimp.list.export.member"].create(
            {"export_id": export.id, "email": "b.person@example.com"}
        )
        permission = self.env["mailchimp.marketing.permission"].create(
            {"audience_id": audience.id, "mailchimp_id": "p1", "text": "Email"}
        )
        consent = self.env["mailchimp.member.consent"].create(
            {"member_id": member.id, "permission_id": permission.id}
        )
        event = self.env["mailchimp.webhook.event"].create(
            {"audience_id": audience.id, "event_key": "e1"}
        )
        return [export, export_member, permission, consent, event]

    def test_item08_company_a_cannot_read_or_change_company_b(self):
        for record in self.records_b:
            with self.subTest(model=record._name):
                self.assertTrue(record)
                as_a = record.with_user(self.manager_a)
                self.assertFalse(
                    as_a.search([("id", "=", record.id)]), f"{record._name} is hidden"
                )
                with self.assertRaises(AccessError):
                    as_a.check_access("write")
        history = self.env["mailchimp.campaign.history"].with_user(self.manager_a)
        self.assertFalse(history.search([("company_id", "=", self.company_b.id)]))

    def test_a_manager_moves_a_shared_contact_from_another_companys_audience(self):
        shared = self.env["res.partner"].create(
            {
                "name": "Shared Person",
                "email": "shared.person@example.com",
                "mailchimp_sync": True,
                "mailchimp_audience_id": self.audience_b.id,
            }
        )
        action = (
            self.env["mailchimp.change.audience.wizard"]
            .with_user(self.manager_a)
            .with_context(active_model="res.partner", active_ids=shared.ids)
            .create({"audience_id": self.audience.id})
            .action_confirm()
        )
        message = action["params"]["message"]
        self.assertIn(f"Shared Person moved to {self.audience.name}", message)
        self.assertNotIn(self.audience_b.name, message, "B's audience stays hidden")
        self.assertEqual(shared.mailchimp_audience_id, self.audience)

    def test_a_manager_never_enrols_a_contact_in_another_companys_audience(self):
        """With other fields in the same write, or when creating the
        contact, the audience is still one the manager may read: else
        company A's contact would be sent to company B's Mailchimp."""
        mine = self.env["res.partner"].create(
            {"name": "A Person", "email": "a.person@example.com"}
        )
        Partner = self.env["res.partner"].with_user(self.manager_a)
        enrol = {"mailchimp_sync": True, "mailchimp_audience_id": self.audience_b.id}
        for write in (
            lambda: mine.with_user(self.manager_a).write(dict(enrol, comment="x")),
            lambda: Partner.create(dict(enrol, name="New", email="new@example.com")),
        ):
            with self.assertRaises(AccessError):
                write()
        self.assertFalse(mine.mailchimp_audience_id)
        self.assertFalse(
            self.env["res.partner"].search(
                [("mailchimp_audience_id", "=", self.audience_b.id)]
            )
        )

    def test_a_manager_never_ticks_a_contact_for_another_companys_audience(self):
        """A shared contact company B unticked keeps B's audience: company
        A's manager ticking it (the box, Enable Mailchimp sync) would have
        B's next sync send it to B's Mailchimp again. Refused; B's audience
        stays unnamed and the contact unticked."""
        shared = self.env["res.partner"].create(
            {
                "name": "Shared Person",
                "email": "shared.person@example.com",
                "mailchimp_audience_id": self.audience_b.id,
            }
        )
        as_a = shared.with_user(self.manager_a)
        for tick in (
            lambda: as_a.write({"mailchimp_sync": True}),
            lambda: as_a.write({"mailchimp_sync": True, "comment": "x"}),
            as_a.action_mailchimp_enable,
        ):
            with self.assertRaises(AccessError) as refused:
                tick()
            self.assertNotIn(self.audience_b.name, str(refused.exception))
        self.assertFalse(shared.mailchimp_sync)
        self.assertFalse(shared.mailchimp_member_ids)

    def test_a_list_export_leaves_another_companys_contact_unticked(self):
        """Company A's export with "Also sync matching contacts": a shared
        contact with the list's email, unticked in company B's audience, is
        left alone (B's sync would send it again); the export goes on."""
        shared = self.env["res.partner"].create(
            {
                "name": "Shared Person",
                "email": "shared.person@example.com",
                "mailchimp_audience_id": self.audience_b.id,
            }
        )
        mine = self.env["res.partner"].create(
            {"name": "Mine", "email": "mine@example.com"}
        )
        mailing_list = self.env["mailing.list"].create({"name": "Fair"})
        self.env["mailing.contact"].create(
            [
                {"name": p.name, "email": p.email, "list_ids": [(4, mailing_list.id)]}
                for p in shared | mine
            ]
        )
        exporter = new_test_user(
            self.env,
            login="exporter_a",
            groups=f"{MANAGER_GROUPS},mass_mailing.group_mass_mailing_user",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        self.env["mailchimp.list.export.wizard"].with_user(exporter).create(
            {
                "list_ids": [(6, 0, mailing_list.ids)],
                "audience_id": self.audience.id,
                "tag_name": "Fair",
                "enable_partner_sync": True,
            }
        ).action_export()
        self.assertTrue(mine.mailchimp_sync)
        self.assertEqual(mine.mailchimp_audience_id, self.audience)
        self.assertFalse(shared.mailchimp_sync)
        self.assertEqual(shared.mailchimp_audience_id, self.audience_b)

    def test_a_manager_never_asks_another_companys_audience_to_resubscribe(self):
        """A shared contact also unsubscribed in company B's audience: company
        A's manager asks only in the audiences A may read; B's Mailchimp is
        not called and B's member is left as it is."""
        shared = self.env["res.partner"].create(
            {"name": "Shared Person", "email": "shared.person@example.com"}
        )
        list_b = self.audience_b.mailchimp_id
        self.fake.add_member(list_b, shared.email, status="unsubscribed")
        member_b = self.env["mailchimp.member"].create(
            {
                "audience_id": self.audience_b.id,
                "partner_id": shared.id,
                "email": shared.email,
                "mailchimp_id": subscriber_hash(shared.email),
                "status": "unsubscribed",
            }
        )
        self.fake.reset_calls()
        wizard = (
            self.env["mailchimp.resubscribe.wizard"]
            .with_user(self.manager_a)
            .with_context(active_model="res.partner", active_ids=shared.ids)
            .create({"consent_source": "Phone call"})
        )
        # none of A's audiences has the contact: refused, named
        with self.assertRaisesRegex(UserError, "Shared Person: not in Mailchimp"):
            wizard.action_confirm()
        self.assertFalse(self.fake.count("PATCH", rf"/lists/{list_b}/.*"))
        self.assertEqual(
            self.fake.member(list_b, shared.email)["status"], "unsubscribed"
        )
        self.assertEqual(member_b.status, "unsubscribed")
        self.assertFalse(member_b.resubscribe_asked_at)

    def test_item08_a_manager_cannot_rewrite_another_companys_mapping(self):
        mapping = self.audience_b.mapping_ids[:1].with_user(self.manager_a)
        with self.assertRaises(AccessError):
            mapping.write({"direction": "odoo_to_mc"})


class TestReadOnlyRole(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.partner = self.make_partners(1)
        self.sync()
        # Mailchimp can reach Odoo there (a local address is refused)
        self.env["ir.config_parameter"].set_param(
            "web.base.url", "https://odoo.example.com"
        )
        self.audience.action_webhook_register()
        self.reader = new_test_user(self.env, login="mc_reader", groups=USER_GROUPS)
        self.fake.reset_calls()

    def assertRefusedWithoutCall(self, method, *args):
        with self.assertRaises(AccessError):
            method(*args)
        self.assertFalse(self.fake.calls, f"{method.__name__} called Mailchimp")

    def test_item09_read_only_users_cannot_act(self):
        audience = self.audience.with_user(self.reader)
        account = self.account.with_user(self.reader)
        partner = self.partner.with_user(self.reader)
        actions = [
            audience.action_webhook_register,
            audience.action_webhook_delete,
            audience.action_webhook_regenerate,
            audience.action_webhook_recreate,
            audience.action_sync_now,
            audience.action_full_resync,
            audience.action_refresh_merge_fields,
            account.action_test_connection,
            account.action_import_audiences,
            partner.action_mailchimp_sync_now,
            partner.action_mailchimp_refresh,
            partner.mailchimp_member_ids.with_user(self.reader).action_refresh,
            partner.action_mailchimp_forget,
        ]
        for action in actions:
            with self.subTest(action=action.__name__):
                self.assertRefusedWithoutCall(action)
        self.assertTrue(self.audience.webhook_id, "the webhook is untouched")

    def test_item09_consents_are_written_by_managers_only(self):
        permission = self.env["mailchimp.marketing.permission"].create(
            {"audience_id": self.audience.id, "mailchimp_id": "p1", "text": "Email"}
        )
        member = self.partner.mailchimp_member_id
        Consent = self.env["mailchimp.member.consent"].with_user(self.reader)
        with self.assertRaises(AccessError):
            Consent.create({"member_id": member.id, "permission_id": permission.id})
        self.assertFalse(member.need_sync, "no push flag set through a side door")
