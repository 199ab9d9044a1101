from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form

from ..compat import PARTNER_PHONE_FIELDS
from .common import MailchimpCase

CREATE = "mailchimp.audience.create.wizard"
MAPPING = "mailchimp.field.mapping.wizard"


class TestAudienceCreateWizard(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.env.company.write(
            {
                "name": "Blue Harbour Ltd",
                "street": "12 Quay Street",
                "street2": "Unit 4",
                "city": "Albany",
                "zip": "12207",
                "country_id": self.country_us.id,
                "state_id": self.state_ny.id,
                "phone": "+1 518-555-0100",
                "email": "news@blueharbour.example.com",
            }
        )

    def new_wizard(self):
        return Form(self.env[CREATE].with_context(default_account_id=self.account.id))

    def test_prefilled_from_company_and_created(self):
        form = self.new_wizard()
        self.assertEqual(form.company, "Blue Harbour Ltd")
        self.assertEqual(form.address1, "12 Quay Street")
        self.assertEqual(form.city, "Albany")
        self.assertEqual(form.state_id, self.state_ny)
        self.assertEqual(form.country_id, self.country_us)
        self.assertEqual(form.from_email, "news@blueharbour.example.com")
        self.assertIn("Blue Harbour Ltd", form.permission_reminder)
        form.name = "Customers"
        form.double_optin = True
        action = form.save().action_create()

        remote = [lst for lst in self.fake.lists.values() if lst["name"] == "Customers"]
        self.assertEqual(len(remote), 1)
        self.assertEqual(remote[0]["contact"]["company"], "Blue Harbour Ltd")
        self.assertEqual(remote[0]["contact"]["country"], "US")
        self.assertTrue(remote[0]["double_optin"])
        audience = self.env["mailchimp.audience"].search(
            [("mailchimp_id", "=", remote[0]["id"])]
        )
        self.assertEqual(audience.name, "Customers")
        self.assertEqual(
            set(audience.merge_field_ids.mapped("tag")),
            {"FNAME", "LNAME", "ADDRESS", "PHONE"},
        )
        self.assertEqual(
            sorted(audience.mapping_ids.mapped("merge_tag")),
            ["ADDRESS", "FNAME", "LNAME", "PHONE"],
        )
        # the mapping wizard comes next
        self.assertEqual(action["res_model"], MAPPING)
        wizard = self.env[MAPPING].browse(action["res_id"])
        self.assertEqual(wizard.audience_id, audience)

    def test_checked_before_calling_mailchimp(self):
        form = self.new_wizard()
        form.from_email = "not-an-email"
        wizard = form.save()
        with self.assertRaises(UserError) as caught:
            wizard.action_create()
        message = str(caught.exception)
        self.assertIn("not-an-email", message)
        self.assertFalse(self.fake.calls, "nothing is sent when the form is wrong")

    def test_mailchimp_refusal_shows_field_errors_and_creates_nothing(self):
        self.fake.fail(
            "POST",
            "/lists",
            status=400,
            body={
                "title": "Invalid Resource",
                "detail": "The resource submitted could not be validated.",
                "errors": [
                    {
                        "field": "contact.zip",
                        "message": "This value is not a valid postal code.",
                    }
                ],
            },
        )
        form = self.new_wizard()
        form.name = "Refused"
        wizard = form.save()
        audiences = self.env["mailchimp.audience"].search_count([])
        with self.assertRaises(UserError) as caught:
            wizard.action_create()
        self.assertIn("contact.zip", str(caught.exception))
        self.assertIn("not a valid postal code", str(caught.exception))
        self.assertEqual(self.env["mailchimp.audience"].search_count([]), audiences)
        self.assertEqual(wizard.name, "Refused", "what was typed is kept")
        self.assertEqual(len(self.fake.lists), 1)


class TestImportAudiences(MailchimpCase):
    def test_import_reads_every_page(self):
        for i in range(4):
            self.fake.add_list(f"Audience {i}")
        with patch("odoo.addons.mailchimp_sync.services.client.PAGE_SIZE", 2):
            self.account.action_import_audiences()
        pages = [c for c in self.fake.calls if c.method == "GET" and c.path == "/lists"]
        self.assertEqual([c.query["offset"] for c in pages], ["0", "2", "4"])
        self.assertEqual(
            sorted(self.account.audience_ids.mapped("name")),
            ["Audience 0", "Audience 1", "Audience 2", "Audience 3", "Newsletter"],
        )
        # imported twice: no duplicate audience
        self.account.action_import_audiences()
        self.assertEqual(len(self.account.audience_ids), 5)

    def test_import_asks_for_pages_of_1000(self):
        self.account.action_import_audiences()
        page = next(c for c in self.fake.calls if c.path == "/lists")
        self.assertEqual(page.query["count"], "1000")


class TestFieldMappingWizard(MailchimpCase):
    def open_wizard(self):
        action = self.audience.action_open_mapping_wizard()
        return self.env[MAPPING].browse(action["res_id"])

    def line(self, wizard, tag):
        return wizard.line_ids.filtered(lambda line: line.tag == tag)

    def field(self, name):
        return self.env["ir.model.fields"]._get("res.partner", name)

    def partner_field(self, name):
        return self.env["res.partner"]._fields[name]

    def test_reads_all_merge_fields_with_their_details(self):
        self.fake.add_merge_field(
            self.list_id, "PLAN", "dropdown", name="Plan", choices=["Gold", "Silver"]
        )
        self.fake.add_merge_field(self.list_id, "SCORE", "number", required=True)
        wizard = self.open_wizard()
        reads = [c for c in self.fake.calls if c.path.endswith("/merge-fields")]
        self.assertEqual(reads[0].query["count"], "1000")
        self.assertEqual(
            wizard.line_ids.mapped("tag"),
            ["FNAME", "LNAME", "ADDRESS", "PHONE", "PLAN", "SCORE"],
        )
        plan = self.line(wizard, "PLAN")
        self.assertEqual(plan.merge_type, "dropdown")
        self.assertEqual(plan.choices, "Gold, Silver")
        self.assertTrue(self.line(wizard, "SCORE").required)
        # the existing mappings are shown
        self.assertEqual(self.line(wizard, "FNAME").source, "first_name")
        self.assertEqual(self.line(wizard, "PHONE").field_id, self.field("phone"))
        self.assertEqual(plan.source, "none")

    def test_suggests_by_name(self):
        self.fake.add_merge_field(self.list_id, "CITY", "text", name="City")
        self.fake.add_merge_field(self.list_id, "JOBPOSITIO", "text", name="Job")
        self.fake.add_merge_field(self.list_id, "WEBSITE", "url", name="Website")
        self.fake.add_merge_field(self.list_id, "BIRTHDAY", "birthday")
        wizard = self.open_wizard()
        self.assertEqual(self.line(wizard, "CITY").field_id, self.field("city"))
        self.assertEqual(
            self.line(wizard, "JOBPOSITIO").field_id, self.field("function")
        )
        self.assertEqual(self.line(wizard, "WEBSITE").field_id, self.field("website"))
        self.assertEqual(self.line(wizard, "BIRTHDAY").source, "none")

    def test_offers_only_compatible_fields(self):
        self.fake.add_merge_field(self.list_id, "SCORE", "number")
        self.fake.add_merge_field(
            self.list_id,
            "KIND",
            "dropdown",
            # the labels of the contact's address type (shorter on Odoo 19)
            choices=[label for _key, label in self.partner_field("type").selection],
        )
        self.fake.add_merge_field(self.list_id, "TIER", "radio", choices=["A", "B"])
        wizard = self.open_wizard()
        score = self.line(wizard, "SCORE").allowed_field_ids
        self.assertTrue(score)
        self.assertEqual(
            set(score.mapped("ttype")) - {"integer", "float", "monetary"}, set()
        )
        self.assertEqual(
            sorted(self.line(wizard, "PHONE").allowed_field_ids.mapped("name")),
            sorted(PARTNER_PHONE_FIELDS),
        )
        self.assertIn(self.field("type"), self.line(wizard, "KIND").allowed_field_ids)
        self.assertNotIn(
            self.field("type"), self.line(wizard, "TIER").allowed_field_ids
        )

    def test_incompatible_choice_refused_with_reason(self):
        self.fake.add_merge_field(self.list_id, "SCORE", "number")
        self.fake.add_merge_field(self.list_id, "TIER", "radio", choices=["A", "B"])
        cases = [
            ("SCORE", "name", "cannot be mapped to the number merge field SCORE"),
            ("PHONE", "email", "cannot be mapped to the phone merge field PHONE"),
            ("TIER", "type", "are not all choices of TIER"),
        ]
        for tag, fname, reason in cases:
            with self.subTest(tag=tag):
                wizard = self.open_wizard()
                self.line(wizard, tag).write(
                    {"source": "field", "field_id": self.field(fname).id}
                )
                with self.assertRaises(ValidationError) as caught:
                    with self.env.cr.savepoint():
                        wizard.action_apply()
                self.assertIn(reason, str(caught.exception))
        self.assertEqual(
            self.audience.mapping_ids.mapped("merge_tag").count("SCORE"), 0
        )

    def test_address_only_to_an_address_field(self):
        wizard = self.open_wizard()
        self.line(wizard, "FNAME").source = "address"
        with self.assertRaises(ValidationError) as caught:
            wizard.action_apply()
        self.assertIn(
            "only an address merge field takes the contact address",
            str(caught.exception),
        )

    def test_add_merge_field_creates_and_maps_it(self):
        wizard = self.open_wizard()
        wizard.write(
            {
                "new_tag": "JOB",
                "new_name": "Job position",
                "new_type": "text",
                "new_field_id": self.field("function").id,
            }
        )
        wizard.action_add_merge_field()
        remote = [f for f in self.fake.merge_fields[self.list_id] if f["tag"] == "JOB"]
        self.assertEqual(len(remote), 1)
        self.assertEqual(remote[0]["name"], "Job position")
        self.assertFalse(wizard.new_tag, "the form is emptied for the next field")
        wizard.action_apply()
        mapping = self.audience.mapping_ids.filtered(lambda m: m.merge_tag == "JOB")
        self.assertEqual(mapping.field_name, "function")
        self.assertEqual(mapping.merge_field_id.merge_id, remote[0]["merge_id"])

    def test_bad_new_tag_refused_before_any_call(self):
        wizard = self.open_wizard()
        self.fake.reset_calls()
        for tag in ("MEMBERSHIP_LEVEL", "job", "JOB-TITLE", "FNAME"):
            with self.subTest(tag=tag):
                wizard.write({"new_tag": tag, "new_type": "text"})
                with self.assertRaises(UserError):
                    wizard.action_add_merge_field()
        wizard.write(
            {
                "new_tag": "NUM",
                "new_type": "number",
                "new_field_id": self.field("name").id,
            }
        )
        with self.assertRaises(ValidationError):
            wizard.action_add_merge_field()
        self.assertFalse(self.fake.calls, "refused before anything is sent")

    def test_mailchimp_field_limit(self):
        for i in range(26):
            self.fake.add_merge_field(self.list_id, f"F{i}", "text")
        wizard = self.open_wizard()
        self.fake.reset_calls()
        wizard.write({"new_tag": "ONEMORE", "new_type": "text"})
        with self.assertRaises(UserError) as caught:
            wizard.action_add_merge_field()
        self.assertIn("30 merge fields", str(caught.exception))
        self.assertFalse(self.fake.calls)

    def test_preview_shows_payload_and_left_out_values(self):
        self.make_partners(1, prefix="preview")  # without address nor phone
        partner = self.env["res.partner"].create(
            {
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "phone": "not a phone",
                "street": "1 Main Street",
                "city": "New York",
                "zip": "10001",
                "state_id": self.state_ny.id,
                "country_id": self.country_us.id,
                "mailchimp_sync": True,
            }
        )
        wizard = self.open_wizard()
        wizard.action_preview()
        rows = wizard._preview_rows()
        ada = {row[1]: row[2:] for row in rows if partner.email in row[0]}
        self.assertEqual(ada["FNAME"], ("Ada", ""))
        self.assertEqual(ada["LNAME"], ("Lovelace", ""))
        self.assertIn("1 Main Street", ada["ADDRESS"][0])
        self.assertEqual(ada["PHONE"], ("—", "phone 'not a phone' cannot be parsed"))
        self.assertEqual(len({row[0] for row in rows}), 2, "the two ticked contacts")
        self.assertIn("Lovelace", wizard.preview)
        self.assertIn("cannot be parsed", wizard.preview)
        # merge fields down, contacts across: each contact named once
        self.assertEqual(wizard.preview.count("ada@example.com"), 1)
        self.assertEqual(wizard.preview.count("<th>FNAME</th>"), 1)
        self.assertFalse(self.fake.count("POST"), "a preview sends nothing")

    def test_mapping_change_flags_partners_for_push(self):
        self.fake.add_merge_field(self.list_id, "JOB", "text")
        partners = self.make_partners(3)
        unflagged = self.make_partners(1, flagged=False, prefix="quiet")
        self.sync()
        members = partners.mailchimp_member_ids
        self.assertFalse(any(members.mapped("need_sync")))

        wizard = self.open_wizard()
        wizard.action_apply()
        self.assertFalse(any(members.mapped("need_sync")), "no change, no push")

        wizard = self.open_wizard()
        self.line(wizard, "JOB").write(
            {"source": "field", "field_id": self.field("function").id}
        )
        wizard.action_apply()
        self.assertTrue(all(members.mapped("need_sync")))
        self.assertFalse(unflagged.mailchimp_member_ids.filtered("need_sync"))
        mapping = self.audience.mapping_ids.filtered(lambda m: m.merge_tag == "JOB")
        self.assertEqual(mapping.field_name, "function")

        # the next run sends the new values
        partners[0].function = "Harbour master"
        self.fake.reset_calls()
        self.sync()
        member = self.fake.member(self.list_id, partners[0].email)
        self.assertEqual(member["merge_fields"]["JOB"], "Harbour master")
        self.assertEqual(self.upserts(), 1)

    def test_unmapping_and_direction(self):
        wizard = self.open_wizard()
        self.line(wizard, "ADDRESS").source = "none"
        self.line(wizard, "FNAME").direction = "mc_to_odoo"
        wizard.action_apply()
        self.assertNotIn("ADDRESS", self.audience.mapping_ids.mapped("merge_tag"))
        fname = self.audience.mapping_ids.filtered(lambda m: m.merge_tag == "FNAME")
        self.assertEqual(fname.direction, "mc_to_odoo")


class TestMappingWizardOffersUserFields(MailchimpCase):
    """Issue 17 item 4: only user-facing contact fields, by their labels."""

    def test_no_metadata_nor_technical_fields_are_offered(self):
        self.fake.add_merge_field(self.list_id, "INTEREST", "dropdown", choices=["A"])
        self.fake.add_merge_field(self.list_id, "BDAY", "birthday")
        self.fake.add_merge_field(self.list_id, "NOTE", "text")
        action = self.audience.action_open_mapping_wizard()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        offered = {
            line.tag: set(line.allowed_field_ids.mapped("name"))
            for line in wizard.line_ids
        }
        hidden = {
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
            "user_id",
            "mailchimp_member_id",
            "commercial_company_name",
            "email_normalized",
        }
        for tag in ("INTEREST", "BDAY", "NOTE"):
            self.assertFalse(offered[tag] & hidden, tag)
        self.assertIn("function", offered["NOTE"], "Job Position is offered")
        company = wizard.line_ids.filtered(lambda line: line.tag == "COMPANY")
        if company:
            self.assertEqual(company.source, "company")


class TestMappingWizardWarning(MailchimpCase):
    def test_no_warning_when_every_required_field_is_mapped(self):
        """The warning banner showed ``mailchimp.merge.field()`` when nothing
        was missing."""
        action = self.audience.action_open_mapping_wizard()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertFalse(wizard.required_warning)


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
