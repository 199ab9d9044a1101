"""Issue 14: a contact's whole life and merge values users trust. Each test is
named after the item it pins."""

import datetime

from .common import MailchimpCase


class TestMergeValues(MailchimpCase):
    def add_date_fields(self):
        self.env["ir.model.fields"].create(
            {
                "name": "x_birthday",
                "field_description": "Birthday",
                "model_id": self.env.ref("base.model_res_partner").id,
                "ttype": "date",
            }
        )
        self.fake.add_merge_field(self.list_id, "BDAY", "birthday", date_format="DD/MM")
        self.fake.add_merge_field(
            self.list_id, "JOINED", "date", date_format="DD/MM/YYYY"
        )
        self.audience._refresh_merge_fields()
        fields_by_tag = {f.tag: f for f in self.audience.merge_field_ids}
        self.env["mailchimp.field.mapping"].create(
            [
                {
                    "audience_id": self.audience.id,
                    "merge_field_id": fields_by_tag[tag].id,
                    "field_name": "x_birthday",
                }
                for tag in ("BDAY", "JOINED")
            ]
        )

    def test_item10_dates_follow_the_merge_field_format_both_ways(self):
        self.add_date_fields()
        self.assertEqual(
            self.audience.merge_field_ids.filtered(
                lambda f: f.tag == "BDAY"
            ).date_format,
            "DD/MM",
        )
        partner = self.make_partners(1, x_birthday=datetime.date(1990, 12, 24))
        log = self.sync()
        self.assertFalse(log.errors)
        merge = self.fake.member(self.list_id, partner.email)["merge_fields"]
        self.assertEqual(merge["BDAY"], "24/12")
        self.assertEqual(merge["JOINED"], "24/12/1990")
        # a birthday edited in Mailchimp comes back with the year Odoo has
        self.audience.conflict_policy = "mailchimp"
        self.env["mailchimp.field.mapping"].search(
            [("merge_field_id.tag", "=", "JOINED")]
        ).direction = "odoo_to_mc"
        self.fake.set_merge(self.list_id, partner.email, BDAY="25/12")
        self.sync()
        self.assertEqual(partner.x_birthday, datetime.date(1990, 12, 25))

    def test_item11_companies_are_not_people(self):
        company = self.env["res.partner"].create(
            {
                "name": "Azure Interior",
                "is_company": True,
                "email": "info@azure.example.com",
                "mailchimp_sync": True,
            }
        )
        self.fake.add_merge_field(self.list_id, "COMPANY", "text")
        self.audience._refresh_merge_fields()
        self.sync()
        merge = self.fake.member(self.list_id, company.email)["merge_fields"]
        self.assertFalse(merge.get("FNAME"))
        self.assertFalse(merge.get("LNAME"))
        self.assertEqual(merge["COMPANY"], "Azure Interior")
        # a person's name typed in Mailchimp does not rename the company
        self.audience.conflict_policy = "mailchimp"
        self.fake.set_merge(self.list_id, company.email, FNAME="Ann", LNAME="Lee")
        self.sync()
        self.assertEqual(company.name, "Azure Interior")
