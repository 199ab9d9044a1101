from odoo.tests import Form

from .clock import day, field
from .common import MailchimpCase

PERMISSIONS = [
    {"marketing_permission_id": "perm-email", "text": "Email"},
    {"marketing_permission_id": "perm-ads", "text": "Customized online advertising"},
]


class TestMarketingPermissions(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.gdpr_list = self.fake.add_list("GDPR", marketing_permissions=PERMISSIONS)
        self.account.action_import_audiences()
        self.gdpr = self.account.audience_ids.filtered(
            lambda a: a.mailchimp_id == self.gdpr_list
        )
        self.partner = self.make_partners(1, mailchimp_audience_id=self.gdpr.id)
        self.email = self.partner.email

    def remote_permissions(self):
        member = self.fake.member(self.gdpr_list, self.email)
        return {
            p["marketing_permission_id"]: p["enabled"]
            for p in member["marketing_permissions"]
        }

    def consent(self, perm_id):
        return self.partner.mailchimp_consent_ids.filtered(
            lambda c: c.permission_id.mailchimp_id == perm_id
        )

    def test_round_trip(self):
        self.assertTrue(self.gdpr.gdpr_enabled)
        self.assertFalse(self.audience.gdpr_enabled)
        self.sync(self.gdpr)  # created in Mailchimp
        self.sync(self.gdpr)  # Mailchimp's permissions are read back
        self.assertEqual(
            sorted(self.gdpr.marketing_permission_ids.mapped("text")),
            ["Customized online advertising", "Email"],
        )
        self.assertEqual(len(self.partner.mailchimp_consent_ids), 2)
        self.assertFalse(any(self.partner.mailchimp_consent_ids.mapped("enabled")))
        # issue 14 item 8: a consent never given shows no date
        self.assertFalse(any(self.partner.mailchimp_consent_ids.mapped("date")))

        # consent given in Odoo (from the contact's tab): dated, sourced, sent
        with Form(self.partner) as form:
            with form.mailchimp_consent_ids.edit(0) as line:
                line.enabled = True
        consent = self.partner.mailchimp_consent_ids[0]
        self.assertEqual(consent.source, "odoo")
        self.assertTrue(consent.date)
        self.assertTrue(self.partner.mailchimp_need_sync)
        self.sync(self.gdpr)
        perm_id = consent.permission_id.mailchimp_id
        self.assertTrue(self.remote_permissions()[perm_id])

        # withdrawn in Mailchimp (later than the consent): Odoo follows and
        # never gives it back
        consent.with_context(mailchimp_no_sync=True).date = field(day(1))
        self.fake.set_permission(self.gdpr_list, self.email, perm_id, False)
        self.sync(self.gdpr)
        self.assertFalse(consent.enabled)
        self.assertEqual(consent.source, "mailchimp")
        self.assertTrue(consent.withdrawn_in_mailchimp)
        self.partner.name = "Changed Name"
        self.sync(self.gdpr)
        self.assertFalse(self.remote_permissions()[perm_id])
        upserts = [
            c
            for c in self.fake.calls
            if c.method == "POST" and c.path == f"/lists/{self.gdpr_list}"
        ]
        last = upserts[-1].body["members"][0]
        self.assertNotIn(
            {"marketing_permission_id": perm_id, "enabled": True},
            last.get("marketing_permissions", []),
        )

    def test_a_new_member_ends_with_its_consents_in_mailchimp(self):
        self.sync(self.gdpr)
        self.sync(self.gdpr)  # the audience's permissions are known now
        newcomer = self.make_partners(
            1, prefix="newcomer", mailchimp_audience_id=self.gdpr.id
        )
        # a consent recorded in Odoo before the member exists in Mailchimp
        # (e.g. from a sign-up form)
        permission = self.gdpr.marketing_permission_ids[0]
        self.env["mailchimp.member.consent"].create(
            {
                "member_id": newcomer.mailchimp_member_ids.id,
                "permission_id": permission.id,
                "enabled": True,
            }
        )
        perm_id = permission.mailchimp_id
        self.sync(self.gdpr)  # created by batch subscribe, consents by PUT
        member = self.fake.member(self.gdpr_list, newcomer.email)
        given = {
            p["marketing_permission_id"]: p["enabled"]
            for p in member["marketing_permissions"]
        }
        self.assertTrue(given[perm_id])
        self.assertEqual(newcomer.mailchimp_status, "subscribed")
        self.assertFalse(newcomer.mailchimp_member_id.need_sync)

    def test_withdrawal_in_odoo_is_sent(self):
        self.sync(self.gdpr)
        perm_id = "perm-ads"
        self.fake.set_permission(self.gdpr_list, self.email, perm_id, True)
        self.sync(self.gdpr)
        self.assertTrue(self.consent(perm_id).enabled)
        self.consent(perm_id).enabled = False
        self.sync(self.gdpr)
        self.assertFalse(self.remote_permissions()[perm_id])
        self.assertTrue(self.remote_permissions().get("perm-email") is False)

    def test_undocumented_consent_is_not_sent(self):
        self.sync(self.gdpr)
        consent = self.consent("perm-email")
        consent.with_context(mailchimp_no_sync=True).write(
            {"enabled": True, "date": False, "source": False}
        )
        self.partner.mailchimp_member_id.need_sync = True
        self.sync(self.gdpr)
        self.assertFalse(self.remote_permissions()["perm-email"])
