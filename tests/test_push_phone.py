"""A phone is formatted once: the member keeps the E.164 form it sent, and a
later push formats a number again only when it changed (issue 30, item 2)."""

from unittest.mock import patch

from odoo.addons.phone_validation.tools import phone_validation

from .common import MailchimpCase


class TestPushPhone(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.partner = self.make_partners(
            1, phone="(212) 555-0199", country_id=self.country_us.id
        )
        self.partner.flush_recordset()  # Odoo computes its own phone_sanitized
        self.formatted = []
        original = phone_validation.phone_format

        def counting(number, *args, **kwargs):
            self.formatted.append(number)
            return original(number, *args, **kwargs)

        patcher = patch.object(phone_validation, "phone_format", counting)
        patcher.start()
        self.addCleanup(patcher.stop)

    def phone_in_mailchimp(self):
        return self.fake.member(self.list_id, self.partner.email)["merge_fields"][
            "PHONE"
        ]

    def test_phone_formatted_once_then_reused(self):
        self.sync()
        self.assertEqual(self.phone_in_mailchimp(), "+12125550199")
        self.assertEqual(self.formatted, ["(212) 555-0199"])
        self.partner.name = "Renamed Contact"  # sent again, same phone
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, self.partner.email)["merge_fields"]["LNAME"],
            "Contact",
        )
        self.assertEqual(self.phone_in_mailchimp(), "+12125550199")
        self.assertEqual(self.formatted, ["(212) 555-0199"], "not formatted again")

    def test_changed_phone_formatted_again(self):
        self.sync()
        self.partner.phone = "212 555 0123"
        self.partner.flush_recordset()  # Odoo computes its own phone_sanitized
        self.formatted.clear()
        self.sync()
        self.assertEqual(self.phone_in_mailchimp(), "+12125550123")
        self.assertEqual(self.formatted, ["212 555 0123"])
