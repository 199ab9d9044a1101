"""Issue 28, the user's second walk, in the browser: connecting from Settings,
the audience list's two buttons, a contact ticked before the default
audience exists."""

from odoo.tests import tagged

from .common import API_KEY
from .test_tour import TourCase


@tagged("post_install", "-at_install")
class TestSecondWalk(TourCase):
    def test_connect_from_settings(self):
        """Item 12: Settings → Mailchimp → Connect an account, as the
        administrator, with nothing connected yet."""
        self.account.sudo().state = "draft"
        self.start_tour(
            "/odoo/settings#mailchimp_sync", "mailchimp_sync_connect", login="admin"
        )
        account = self.env["mailchimp.account"].search(
            [("name", "=", "Newsletter account")]
        )
        self.assertEqual(account.state, "connected")
        self.assertEqual(account.sudo().api_key, API_KEY)

    def test_audience_list_buttons(self):
        """Item 1: Create in Mailchimp (country and language as in Odoo), its
        mapping saved, then Import from Mailchimp, as a Mailchimp manager."""
        self._tour_users()
        self.env.company.write(
            {
                "street": "12 Quay Street",
                "city": "Albany",
                "country_id": self.country_us.id,
                "email": "news@example.com",
            }
        )
        self.fake.add_list("Customers in Mailchimp")
        self.start_tour(
            "/odoo/action-mailchimp_sync.mailchimp_audience_action",
            "mailchimp_sync_audience_list",
            login="tour_manager",
        )
        (created,) = [v for v in self.fake.lists.values() if v["name"] == "Customers"]
        self.assertEqual(created["contact"]["country"], "BE")
        self.assertEqual(created["campaign_defaults"]["language"], "en")
        self.assertEqual(
            sorted(self.account.audience_ids.mapped("name")),
            ["Customers", "Customers in Mailchimp", "Newsletter"],
        )

    def test_ticked_before_the_default_audience(self):
        """Item 3: ticked without any audience, then the manager sets the
        company's default audience: the contact takes it."""
        self._tour_users()
        self.env.company.mailchimp_audience_id = False
        partner = self.env["res.partner"].create(
            {
                "name": "Early Contact",
                "email": "early.contact@example.com",
                "mailchimp_sync": True,
            }
        )
        self.assertFalse(partner.mailchimp_audience_id)
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "mailchimp_sync_ticked_without_audience",
            login="tour_manager",
        )
        self.assertEqual(self.env.company.mailchimp_audience_id, self.audience)
        self.assertEqual(partner.mailchimp_audience_id, self.audience)
        self.sync()
        self.assertIsNotNone(self.fake.member(self.list_id, partner.email))
