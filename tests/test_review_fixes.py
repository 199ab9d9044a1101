"""Faults found by an outsider's review of this release, each pinned by a
test that fails without its fix."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user

from .test_groups_tags import GroupsCase


class TestSyncControlIgnoresContextKeys(GroupsCase):
    def test_a_reader_cannot_enrol_with_the_sync_context_key(self):
        reader = new_test_user(
            self.env,
            login="ctx_reader",
            groups="base.group_user,base.group_partner_manager,"
            "mailchimp_sync.group_mailchimp_user",
        )
        partner = self.env["res.partner"].create(
            {"name": "Ctx Target", "email": "ctx@example.com"}
        )
        with self.assertRaisesRegex(AccessError, "Only Mailchimp managers"):
            partner.with_user(reader).with_context(
                mailchimp_no_sync=True
            ).mailchimp_sync = True

    def test_a_group_never_lets_subscribers_set_a_link(self):
        salesperson = self.env.ref("base.field_res_partner__parent_id")  # a link
        with self.assertRaises(ValidationError):
            self.group.write({"field_id": salesperson.id, "direction": "both"})
        self.group.write({"field_id": salesperson.id, "direction": "odoo_to_mc"})
        self.assertEqual(self.group.field_id, salesperson)

    def test_a_partial_read_of_the_groups_deletes_nothing(self):
        """A group name Mailchimp answers malformed is skipped, not taken for
        deleted: its value mapping stays."""
        vip_id = self.fake.interest_id(self.list_id, "VIP")
        category = self.fake._categories(self.list_id)[self.cat_id]
        category["interests"][vip_id]["category_id"] = "elsewhere"
        self.audience.action_refresh_groups()
        vip = self.group.interest_ids.filtered(lambda i: i.name == "VIP")
        self.assertTrue(vip, "the mapped group name is kept")
        self.assertEqual(vip.value_name, "VIP")
