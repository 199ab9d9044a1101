"""Closed-loop reporting: the campaigns that generated new customers.

The test database has Email Marketing only (``-i mailchimp_sync``): sale,
account and crm are not installed, so their scenarios skip there and the
attribution runs against a conversion source of the tests only (a temporary
table of orders, see ``OrdersOfTheTests``); the same scenarios run against the real
models when they are installed."""

from dataclasses import dataclass
from unittest.mock import patch

from odoo import Command

from ..models.mailchimp_conversion_sources import ConversionSource
from .clock import day, stamp
from .common import MailchimpCase

SOURCES = "odoo.addons.mailchimp_sync.models.mailchimp_conversion.CONVERSION_SOURCES"
CLICKED_AT = day(2, 10)
CLICK = stamp(CLICKED_AT)
FIVE_DAYS_LATER = day(7, 12)
AFTER_THE_WINDOW = day(45, 12)  # 43 days after the click


@dataclass(frozen=True)
class OrdersOfTheTests(ConversionSource):
    """Orders of a temporary table: a conversion source for the tests."""

    def available(self, env):
        return True

    def flush(self, env):
        pass


TEST_ORDERS = OrdersOfTheTests(
    model="mailchimp.test.order",
    table="mcs_test_order",
    alias="o",
    at="o.date_order",
    amount="o.amount",
    where="o.state = 'sale'",
    priority=1,
)


class ClosedLoopCase(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.ann, self.bob = self.make_partners(2)
        self.sync()

    def campaign(self, title, number=1, clickers=(), when=CLICK, action="click"):
        cid = self.fake.add_campaign(
            self.list_id,
            title,
            subject=f"Subject {title}",
            send_time=stamp(day(number, 9)),
            emails_sent=2,
            recipients=[self.ann.email, self.bob.email],
        )
        for partner in clickers:
            self.fake.add_email_activity(
                cid, partner.email, action, when, url="https://shop.example.com"
            )
        return cid

    def read_campaigns(self):
        self.audience.activity_cursor = False
        self.audience._sync_campaigns()
        return self.audience.campaign_ids

    def named(self, title):
        return self.audience.campaign_ids.filtered(lambda c: c.title == title)

    def assert_won_by(self, campaign, partners, revenue):
        self.assertEqual(campaign.new_customer_count, len(partners))
        self.assertEqual(campaign.conversion_ids.partner_id, partners)
        self.assertAlmostEqual(campaign.revenue, revenue)


class TestClosedLoop(ClosedLoopCase):
    """The attribution, against the tests' own orders."""

    def setUp(self):
        super().setUp()
        self.env.cr.execute(
            "CREATE TEMP TABLE mcs_test_order (id serial PRIMARY KEY, "
            "partner_id int, company_id int, date_order timestamp, "
            "amount numeric, state varchar)"
        )
        patcher = patch(SOURCES, (TEST_ORDERS,))
        patcher.start()
        self.addCleanup(patcher.stop)

    def order(self, partner, when, amount=100.0, state="sale"):
        self.env.cr.execute(
            "INSERT INTO mcs_test_order (partner_id, company_id, date_order, "
            "amount, state) VALUES (%s, %s, %s, %s, %s)",
            (partner.id, self.env.company.id, when, amount, state),
        )

    def test_a_click_then_an_order_five_days_later_is_a_new_customer(self):
        self.campaign("Spring", clickers=(self.ann, self.bob))
        self.campaign("Other")
        self.order(self.ann, FIVE_DAYS_LATER, 250.0)
        self.order(self.bob, FIVE_DAYS_LATER, 999.0, state="draft")  # a quotation
        self.read_campaigns()
        spring = self.named("Spring")
        self.assert_won_by(spring, self.ann, 250.0)
        self.assert_won_by(self.named("Other"), self.env["res.partner"], 0.0)
        self.assertEqual(self.ann.mailchimp_customer_since, FIVE_DAYS_LATER)
        self.assertEqual(self.ann.mailchimp_won_campaign_id, spring)
        self.assertFalse(self.bob.mailchimp_customer_since)
        self.assertEqual(spring.conversion_ids.touch_date, CLICKED_AT)
        self.assertEqual(
            (spring.recipient_count, spring.opened_count, spring.clicked_count),
            (2, 0, 2),
        )

    def test_a_conversion_after_the_window_does_not_count(self):
        self.campaign("Spring", clickers=(self.ann,))
        self.order(self.ann, AFTER_THE_WINDOW)
        self.read_campaigns()
        self.assert_won_by(self.named("Spring"), self.env["res.partner"], 0.0)
        self.audience.conversion_window_days = 60
        self.env["mailchimp.conversion"]._refresh(self.audience)
        self.assert_won_by(self.named("Spring"), self.ann, 100.0)

    def test_the_last_open_or_click_before_the_conversion_wins(self):
        self.campaign("First", 1, clickers=(self.ann,))
        self.campaign("Second", 3, (self.ann,), stamp(day(4, 8)), "open")
        self.campaign("Too late", 10, (self.ann,), stamp(day(10, 8)))
        self.order(self.ann, FIVE_DAYS_LATER)
        self.read_campaigns()
        self.assert_won_by(self.named("Second"), self.ann, 100.0)
        self.assert_won_by(self.named("First"), self.env["res.partner"], 0.0)
        self.assert_won_by(self.named("Too late"), self.env["res.partner"], 0.0)

    def test_a_customer_before_the_campaign_is_not_new(self):
        self.campaign("Spring", clickers=(self.ann,))
        self.order(self.ann, day(-500))
        self.order(self.ann, FIVE_DAYS_LATER)
        self.read_campaigns()
        self.assertFalse(self.named("Spring").new_customer_count)

    def test_the_commercial_entity_converts(self):
        acme = self.env["res.partner"].create({"name": "Acme", "is_company": True})
        self.ann.parent_id = acme
        self.campaign("Spring", clickers=(self.ann,))
        self.order(acme, FIVE_DAYS_LATER, 80.0)
        self.read_campaigns()
        self.assert_won_by(self.named("Spring"), acme, 80.0)
        self.assertEqual(self.ann.mailchimp_won_campaign_id, self.named("Spring"))

    def test_figures_open_their_records(self):
        self.campaign("Spring", clickers=(self.ann, self.bob))
        self.order(self.ann, FIVE_DAYS_LATER)
        spring = self.read_campaigns()
        clicks = spring.action_open_clicks()
        self.assertEqual(
            self.env[clicks["res_model"]].search(clicks["domain"]).partner_id,
            self.ann | self.bob,
        )
        customers = spring.action_open_new_customers()
        self.assertEqual(self.env["res.partner"].search(customers["domain"]), self.ann)
        revenue = spring.action_open_revenue()
        self.assertEqual(revenue["res_model"], "mailchimp.conversion")
        rows = self.env["mailchimp.conversion"].search(revenue["domain"])
        self.assertEqual(rows.mapped("revenue"), [100.0])

    def test_a_few_queries_per_audience_not_per_contact(self):
        partners = self.make_partners(12, prefix="many")
        self.sync()
        self.campaign("Spring")
        self.read_campaigns()
        spring = self.named("Spring")
        counts = []
        for group in (partners[:3], partners):
            for partner in group:
                self.fake.add_email_activity(
                    spring.mailchimp_id, partner.email, "click", CLICK
                )
                self.order(partner, FIVE_DAYS_LATER)
            self.read_campaigns()  # computes them once: rows to replace now
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.env["mailchimp.conversion"]._refresh(self.audience)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(spring.new_customer_count, len(group))
        self.assertEqual(counts[0], counts[1], "as many queries for 3 as for 12")


class TestWithoutASalesApp(ClosedLoopCase):
    def test_the_campaign_says_which_apps_count_new_customers(self):
        self.campaign("Spring", clickers=(self.ann,))
        spring = self.read_campaigns()
        with patch(SOURCES, ()):  # none of Sales, Invoicing, CRM installed
            self.assertFalse(spring.conversions_counted)
        with patch(SOURCES, (TEST_ORDERS,)):
            spring.invalidate_recordset(["conversions_counted"])
            self.assertTrue(spring.conversions_counted)


class TestUtmCampaigns(ClosedLoopCase):
    def test_a_utm_campaign_per_mailchimp_campaign(self):
        existing = self.env["utm.campaign"].create({"title": "Autumn"})
        self.campaign("Spring")
        self.campaign("Autumn")
        campaigns = self.read_campaigns()
        self.read_campaigns()  # read again: nothing new
        spring, autumn = self.named("Spring"), self.named("Autumn")
        self.assertEqual(autumn.utm_campaign_id, existing, "matched by name")
        self.assertEqual(spring.utm_campaign_id.name, "Spring")
        self.assertEqual(len(campaigns.utm_campaign_id), 2)
        self.assertEqual(
            self.env["utm.campaign"].search_count([("name", "=", "Spring")]), 1
        )
        self.assertEqual(
            spring.utm_source_id, self.env.ref("mailchimp_sync.utm_source_mailchimp")
        )
        self.assertEqual(spring.utm_medium_id, self.env.ref("utm.utm_medium_email"))


class TestInstalledSources(ClosedLoopCase):
    """The same scenario against the conversion models installed (each skips
    with its reason when its application is not installed)."""

    def require(self, model, app):
        if model not in self.env:
            self.skipTest(
                f"{app} is not installed in the test database (created with "
                f"-i mailchimp_sync only): {model} conversions are not tested here"
            )

    def check_one_new_customer(self, revenue):
        spring = self.read_campaigns().filtered(lambda c: c.title == "Spring")
        self.assert_won_by(spring, self.ann, revenue)
        self.assertEqual(self.ann.mailchimp_won_campaign_id, spring)

    def test_a_confirmed_sale_order(self):
        self.require("sale.order", "sale")
        self.campaign("Spring", clickers=(self.ann, self.bob))
        product = self.env["product.product"].create({"name": "Widget"})
        order = self.env["sale.order"].create(
            {
                "partner_id": self.ann.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1,
                            "price_unit": 120.0,
                            "tax_id": False,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        order.date_order = FIVE_DAYS_LATER
        self.check_one_new_customer(120.0)

    def test_a_posted_customer_invoice(self):
        self.require("account.move", "account (Invoicing)")
        journal = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.env.company.id)],
            limit=1,
        )
        if not journal:
            self.skipTest("account is installed without a chart of accounts")
        self.campaign("Spring", clickers=(self.ann, self.bob))
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.ann.id,
                "invoice_date": FIVE_DAYS_LATER.date(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Widget",
                            "quantity": 1,
                            "price_unit": 90.0,
                            "tax_ids": False,
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        self.check_one_new_customer(90.0)

    def test_a_won_opportunity(self):
        self.require("crm.lead", "crm")
        self.campaign("Spring", clickers=(self.ann, self.bob))
        lead = self.env["crm.lead"].create(
            {"name": "Deal", "type": "opportunity", "partner_id": self.ann.id}
        )
        lead.action_set_won()
        lead.date_closed = FIVE_DAYS_LATER
        self.check_one_new_customer(0.0)
