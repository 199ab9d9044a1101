"""A mapping reads only stored contact data the saving user may read, checked
when saved and again when the cron runs it."""

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user

from .common import MANAGER_GROUPS, MailchimpCase

SECRET_PATHS = (
    "mailchimp_audience_id.account_id.api_key",
    "user_ids.login",
    "user_ids.password",
    "bank_ids.acc_number",
    "company_id.name",
    "mailchimp_member_id.last_error",
)


class TestMappingTrust(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.fake.add_merge_field(self.list_id, "NOTE", "text")
        self.audience._refresh_merge_fields()
        self.note = self.audience.merge_field_ids.filtered(lambda f: f.tag == "NOTE")
        self.manager = new_test_user(
            self.env, login="mc_manager", groups=MANAGER_GROUPS
        )

    def map_note(self, path, user=None, direction="odoo_to_mc"):
        Mapping = self.env["mailchimp.field.mapping"]
        if user:
            Mapping = Mapping.with_user(user)
        return Mapping.create(
            {
                "audience_id": self.audience.id,
                "merge_field_id": self.note.id,
                "field_name": path,
                "direction": direction,
            }
        )

    def test_item06_secret_paths_are_refused_when_saved(self):
        for path in SECRET_PATHS:
            with self.subTest(path=path), self.assertRaises(ValidationError):
                self.map_note(path, user=self.manager)

    def test_item06_mailchimp_may_not_write_links_or_computed_fields(self):
        for path in ("company_id", "parent_id", "commercial_company_name"):
            with self.subTest(path=path), self.assertRaises(ValidationError):
                self.map_note(path, direction="both")

    def test_item06_a_forced_mapping_is_refused_when_run(self):
        mapping = self.map_note("website")
        # an old record, or one written behind the ORM's back
        self.env.cr.execute(
            "UPDATE mailchimp_field_mapping SET field_name = %s WHERE id = %s",
            ("mailchimp_audience_id.account_id.api_key", mapping.id),
        )
        mapping.invalidate_recordset()
        partner = self.make_partners(1)
        log = self.sync()
        key = self.account.sudo().api_key
        for call in self.fake.calls:
            self.assertNotIn(key, str(call.body), "the key never leaves Odoo")
        self.assertNotIn(
            "NOTE", self.fake.member(self.list_id, partner.email)["merge_fields"]
        )
        self.assertIn(
            "Mapping of NOTE not used", " ".join(log.line_ids.mapped("message"))
        )

    def test_item06_ordinary_mappings_still_work(self):
        self.map_note("parent_id.name", user=self.manager)
        company = self.env["res.partner"].create(
            {"name": "Blue Harbour", "is_company": True}
        )
        partner = self.make_partners(1, parent_id=company.id)
        self.sync()
        merge = self.fake.member(self.list_id, partner.email)["merge_fields"]
        self.assertEqual(merge["NOTE"], "Blue Harbour")
        self.assertEqual(merge["FNAME"], "First0")
