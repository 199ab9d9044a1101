"""What Mailchimp or the synchronization owns is written by the
synchronization's code only, never by a user's own call (over RPC, whatever
its context says), and the webhook's security settings are administrators'
only. The buttons still write it, after their checks."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .clock import day, field
from .common import MailchimpCase

# a Mailchimp manager who may neither change contacts nor administer Odoo
MANAGER_GROUPS = "base.group_user,mailchimp_sync.group_mailchimp_manager"
ADMIN_GROUPS = (
    "base.group_user,base.group_system,mailchimp_sync.group_mailchimp_manager"
)
# keys the code uses in its context: any caller can send them too
CALLER_CONTEXT = {"mailchimp_no_sync": True, "mailchimp_segment_refresh": True}


class SyncStateCase(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.manager = new_test_user(
            self.env, login="state_manager", groups=MANAGER_GROUPS
        )
        self.person = self.make_partners(1)
        self.sync()
        self.member = self.person.mailchimp_member_id

    def as_manager(self, records):
        return records.with_user(self.manager).with_context(**CALLER_CONTEXT)

    def ask_to_resubscribe(self):
        wizard = (
            self.env["mailchimp.resubscribe.wizard"]
            .with_user(self.manager)
            .with_context(active_model="res.partner", active_ids=self.person.ids)
            .create({"consent_source": "Phone call"})
        )
        return wizard.action_confirm()

    def unsubscribe_in_mailchimp(self):
        self.fake.set_status(self.list_id, self.person.email, "unsubscribed")
        self.sync()
        self.assertEqual(self.member.status, "unsubscribed")


class TestSyncStateIsTheSyncs(SyncStateCase):
    def test_item7_a_manager_cannot_reset_the_30_days_between_two_asks(self):
        self.unsubscribe_in_mailchimp()
        self.ask_to_resubscribe()
        self.unsubscribe_in_mailchimp()
        member = self.as_manager(self.member)
        for vals in (
            {"resubscribe_asked_at": False},
            {"resubscribe_asked_at": field(day(-40, 9))},
            {"status": "pending"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                member.write(vals)
        with self.assertRaises(AccessError):
            member.unlink()
        with self.assertRaisesRegex(UserError, "at most once every 30 days"):
            self.ask_to_resubscribe()
        asks = [c for c in self.fake.calls if c.method == "PATCH"]
        self.assertEqual(len(asks), 1, "Mailchimp was asked once")

    def test_item7_no_user_writes_what_mailchimp_or_the_sync_owns(self):
        self.env["ir.config_parameter"].set_param(
            "web.base.url", "https://odoo.example.com"
        )
        segment = self.env["mailchimp.segment"].create(
            {"name": "VIP", "audience_id": self.audience.id, "domain": "[]"}
        )
        cases = [
            (self.member, {"status": "cleaned"}),
            (self.member, {"last_error": "x"}),
            (self.member, {"last_changed": "2020-01-01 00:00:00"}),
            (self.member, {"consent_date": False}),
            (self.member, {"mailchimp_id": "0" * 32}),
            (self.member, {"need_sync": True}),
            (self.audience._last_log(), {"state": "failed"}),
            (self.account, {"state": "error"}),
            (self.account, {"last_error": "x"}),
            (self.audience, {"member_count": 0}),
            (self.audience, {"mailchimp_id": "other"}),
            (self.audience, {"pull_cursor": False}),
            (self.audience, {"webhook_id": "x"}),
            (segment, {"state": "synced"}),
            (segment, {"mailchimp_id": "42"}),
            (segment, {"removals_confirmed": True}),
            (self.person, {"mailchimp_member_id": False}),
        ]
        for user in (self.manager, self.env.ref("base.user_admin")):
            for record, vals in cases:
                with (
                    self.subTest(user=user.login, model=record._name, vals=vals),
                    self.assertRaises(AccessError),
                ):
                    record.with_user(user).with_context(**CALLER_CONTEXT).write(vals)
        self.assertEqual(self.member.status, "subscribed")
        self.assertEqual(segment.state, "new")

    def test_item7_context_defaults_create_no_sync_state(self):
        segment = (
            self.as_manager(self.env["mailchimp.segment"])
            .with_context(default_state="synced", default_mailchimp_id="42")
            .create({"name": "VIP", "audience_id": self.audience.id})
        )
        self.assertEqual(segment.state, "new")
        self.assertFalse(segment.mailchimp_id)

    def test_item7_consent_history_is_dated_by_the_server(self):
        permission = self.env["mailchimp.marketing.permission"].create(
            {"audience_id": self.audience.id, "mailchimp_id": "p1", "text": "Email"}
        )
        consent = self.env["mailchimp.member.consent"].create(
            {"member_id": self.member.id, "permission_id": permission.id}
        )
        mine = self.as_manager(consent)
        with self.assertRaises(AccessError):
            mine.write({"enabled": True, "date": "2001-01-01 00:00:00"})
        with self.assertRaises(AccessError):
            mine.write({"withdrawn_in_mailchimp": True})
        with self.assertRaises(AccessError):
            mine.unlink()
        mine.write({"enabled": True})
        self.assertEqual((consent.source, consent.enabled), ("odoo", True))
        self.assertGreater(consent.date, day(-1, 0))
        self.assertTrue(self.member.need_sync, "sent on the next run")

    def test_item7_the_buttons_still_write_it_for_a_manager(self):
        """A manager without the right to change contacts nor Odoo's
        administration: every button that reads from Mailchimp stores what
        it read."""
        audience = self.audience.with_user(self.manager)
        self.fake.add_interest_category(self.list_id, "Interests", ["VIP"])
        self.account.with_user(self.manager).action_test_connection()
        self.account.with_user(self.manager).action_import_audiences()
        audience.action_refresh_merge_fields()
        audience.action_refresh_segments()
        audience.action_refresh_groups()
        self.assertTrue(self.audience.interest_category_ids)
        self.fake.set_status(self.list_id, self.person.email, "unsubscribed")
        audience.action_full_resync()
        log = self.audience._last_log()
        self.assertEqual((log.state, log.requested_by_id), ("done", self.manager))
        self.assertEqual(self.member.status, "unsubscribed", "Mailchimp's change read")
        self.person.with_user(self.manager).action_mailchimp_sync_now()
        self.person.with_user(self.manager).action_mailchimp_refresh()
        self.member.with_user(self.manager).action_refresh()
        self.assertEqual(self.member.status, "unsubscribed")


class TestWebhookSecurityIsTheAdministrators(SyncStateCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(
            "web.base.url", "https://odoo.example.com"
        )
        self.audience.action_webhook_register()
        self.assertTrue(self.audience.webhook_signed)

    def test_item8_a_manager_cannot_turn_off_signature_checking(self):
        audience = self.as_manager(self.audience)
        for vals in (
            {"webhook_signed": False},
            {"webhook_secret": "known-to-me"},
            {"webhook_signing_key": False},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                audience.write(vals)
        self.assertTrue(self.audience.webhook_signed)
        self.assertTrue(self.audience.sudo().webhook_signing_key)

    def test_item8_managers_still_rotate_the_secret_with_the_button(self):
        old = self.audience.webhook_secret
        self.audience.with_user(self.manager).action_webhook_regenerate()
        self.assertNotEqual(self.audience.webhook_secret, old)
        self.assertTrue(self.audience.webhook_signed)

    def test_item8_an_administrator_may_change_them(self):
        admin = new_test_user(self.env, login="state_admin", groups=ADMIN_GROUPS)
        self.audience.with_user(admin).write({"webhook_signed": False})
        self.assertFalse(self.audience.webhook_signed)


@tagged("post_install", "-at_install")
class TestSyncStateOverJsonRpc(SyncStateCase, HttpCase):
    def call(self, model, method, ids, vals):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": [ids, vals],
                "kwargs": {"context": CALLER_CONTEXT},
            },
        )

    def test_item7_a_context_key_sent_over_json_rpc_writes_no_sync_state(self):
        self.authenticate("state_manager", "state_manager")
        self.unsubscribe_in_mailchimp()
        self.ask_to_resubscribe()
        for model, ids, vals in (
            ("mailchimp.member", self.member.ids, {"resubscribe_asked_at": False}),
            ("mailchimp.member", self.member.ids, {"status": "unsubscribed"}),
            ("mailchimp.audience", self.audience.ids, {"webhook_signed": False}),
        ):
            with (
                self.subTest(model=model, vals=vals),
                self.assertRaisesRegex(JsonRpcException, "AccessError"),
            ):
                self.call(model, "write", ids, vals)
        self.member.invalidate_recordset()
        self.assertEqual(self.member.status, "pending")
        self.assertTrue(self.member.resubscribe_asked_at)
