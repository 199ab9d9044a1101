from unittest.mock import patch

from .common import MailchimpCase


class TestCompaniesFromMailchimp(MailchimpCase):
    """Maximizer: a new member whose COMPANY names a company is created under
    that company (a Company/Contact relationship), else as an individual."""

    def setUp(self):
        super().setUp()
        self.audience.create_partners = True
        self.fake.add_merge_field(self.list_id, "COMPANY", "text")
        self.audience._refresh_merge_fields()

    def add(self, email, company=None, first="Ann"):
        merge = {"FNAME": first, "LNAME": "Lee"}
        if company is not None:
            merge["COMPANY"] = company
        self.fake.add_member(self.list_id, email, merge_fields=merge)

    def partner(self, email):
        return self.env["res.partner"].search([("email", "=", email)])

    def companies(self, name):
        return self.env["res.partner"].search(
            [("name", "=", name), ("is_company", "=", True)]
        )

    def test_company_created_and_reused_by_a_second_member(self):
        self.add("ann@acme.example.com", "Acme")
        self.add("bob@acme.example.com", "Acme", first="Bob")
        self.add("solo@example.com")
        self.fake.reset_calls()
        self.sync()
        acme = self.companies("Acme")
        self.assertEqual(len(acme), 1, "one company for two members")
        ann = self.partner("ann@acme.example.com")
        bob = self.partner("bob@acme.example.com")
        self.assertEqual((ann.parent_id, bob.parent_id), (acme, acme))
        self.assertEqual(ann.name, "Ann Lee")
        self.assertFalse(acme.mailchimp_sync, "the company is not a member")
        self.assertFalse(self.partner("solo@example.com").parent_id)
        # a member of Acme read later reuses it
        self.add("cy@acme.example.com", "Acme", first="Cy")
        self.sync()
        self.assertEqual(self.partner("cy@acme.example.com").parent_id, acme)
        self.assertEqual(len(self.companies("Acme")), 1)

    def test_existing_company_matched_by_exact_name(self):
        acme = self.env["res.partner"].create({"name": "Acme", "is_company": True})
        person = self.env["res.partner"].create({"name": "Acme"})  # not a company
        self.add("ann@acme.example.com", "Acme")
        self.add("eve@example.com", "ACME Inc")
        self.sync()
        self.assertEqual(self.partner("ann@acme.example.com").parent_id, acme)
        other = self.partner("eve@example.com").parent_id
        self.assertEqual((other.name, other.is_company), ("ACME Inc", True))
        self.assertFalse(person.child_ids)

    def test_company_of_another_company_is_not_matched(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        theirs = self.env["res.partner"].create(
            {"name": "Acme", "is_company": True, "company_id": other_company.id}
        )
        self.add("ann@acme.example.com", "Acme")
        self.sync()
        parent = self.partner("ann@acme.example.com").parent_id
        self.assertTrue(parent)
        self.assertNotEqual(parent, theirs)

    def test_without_company_mapping_members_are_individuals(self):
        self.audience.mapping_ids.filtered(
            lambda m: m.merge_field_id.tag == "COMPANY"
        ).unlink()
        self.add("ann@acme.example.com", "Acme")
        self.sync()
        self.assertFalse(self.partner("ann@acme.example.com").parent_id)
        self.assertFalse(self.companies("Acme"))

    def test_one_create_for_the_companies_of_a_page(self):
        for i in range(6):
            self.add(f"p{i}@example.com", f"Co {i % 3}")
        Partner = type(self.env["res.partner"])
        calls = []
        original = Partner.create

        def create(records, vals_list):
            if isinstance(vals_list, list) and any(
                v.get("is_company") for v in vals_list
            ):
                calls.append(len(vals_list))
            return original(records, vals_list)

        with patch.object(Partner, "create", create):
            self.sync()
        self.assertEqual(calls, [3], "the page's three companies in one create")
        people = self.env["res.partner"].search([("email", "=like", "p%@example.com")])
        self.assertEqual(len(people.parent_id), 3)

    def test_an_existing_company_gets_no_address_from_mailchimp(self):
        """Odoo copies a company's first contact's address up to a company
        without one: Mailchimp's data must not reach a contact nobody
        ticked."""
        acme = self.env["res.partner"].create({"name": "Acme", "is_company": True})
        self.add("ann@acme.example.com", "Acme")
        member = self.fake.member(self.list_id, "ann@acme.example.com")
        member["merge_fields"]["ADDRESS"] = {
            "addr1": "1 Attacker Street",
            "city": "Nowhere",
            "zip": "99999",
            "country": "US",
        }
        self.sync()
        self.assertEqual(self.partner("ann@acme.example.com").parent_id, acme)
        self.assertFalse(acme.street, "the company's address is untouched")


class TestAddressOfPeopleInCompanies(MailchimpCase):
    """Mailchimp never writes the address of a person who belongs to a
    company: Odoo keeps the company's address on its people, Odoo 19 copies a
    person's address up to the company, and Odoo 18 and 19 give a company
    without one the address of its first person. A subscriber's address must
    never become the company's."""

    ADDRESS = {
        "addr1": "1 Attacker Street",
        "city": "Nowhere",
        "state": "NY",
        "zip": "99999",
        "country": "US",
    }

    def setUp(self):
        super().setUp()
        self.audience.conflict_policy = "mailchimp"
        self.company = self.env["res.partner"].create(
            {
                "name": "Blue Harbour Ltd",
                "is_company": True,
                "street": "12 Quay Street",
                "city": "Albany",
                "zip": "12207",
                "country_id": self.country_us.id,
            }
        )
        self.person = self.make_partners(1, parent_id=self.company.id)
        self.solo = self.make_partners(1, prefix="solo")
        self.sync()

    def address(self, partner):
        return (partner.street, partner.city, partner.zip)

    def test_an_address_edited_in_mailchimp_never_reaches_the_company(self):
        company = ("12 Quay Street", "Albany", "12207")
        for partner in (self.person, self.solo):
            self.fake.set_merge(self.list_id, partner.email, ADDRESS=self.ADDRESS)
        self.sync()
        self.assertEqual(self.address(self.company), company)
        self.assertEqual(self.address(self.person), company, "the company's own")
        self.assertEqual(
            self.address(self.solo),
            ("1 Attacker Street", "Nowhere", "99999"),
            "a person on their own takes Mailchimp's address",
        )
        # nor through a merge field mapped to one address field
        self.fake.add_merge_field(self.list_id, "TOWN", "text")
        self.audience._refresh_merge_fields()
        self.env["mailchimp.field.mapping"].create(
            {
                "audience_id": self.audience.id,
                "merge_field_id": self.audience.merge_field_ids.filtered(
                    lambda f: f.tag == "TOWN"
                ).id,
                "field_name": "city",
                "direction": "mc_to_odoo",
            }
        )
        self.fake.set_merge(self.list_id, self.person.email, TOWN="Elsewhere")
        self.sync()
        self.assertEqual(self.company.city, "Albany")
        self.assertEqual(self.person.city, "Albany")

    def test_a_new_member_under_a_new_company_brings_no_address(self):
        self.audience.create_partners = True
        self.fake.add_merge_field(self.list_id, "COMPANY", "text")
        self.audience._refresh_merge_fields()
        self.fake.add_member(
            self.list_id,
            "ann@acme.example.com",
            merge_fields={"FNAME": "Ann", "COMPANY": "Acme", "ADDRESS": self.ADDRESS},
        )
        self.sync()
        ann = self.env["res.partner"].search([("email", "=", "ann@acme.example.com")])
        self.assertEqual(ann.parent_id.name, "Acme")
        self.assertFalse(ann.parent_id.street, "the new company has no address")
        self.assertFalse(ann.street)
