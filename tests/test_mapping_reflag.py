"""The push flag and the mappings: a tag or field mapping created, changed or
deleted sends the audience's ticked contacts again; a group (Mailchimp's row)
sends them again only when a user maps it, and a refresh of Mailchimp's
groups sends nobody. A member row the code creates waits to be sent only when
it is a contact ticked in Odoo (mailchimp_sync_state.py)."""

from .common import MailchimpCase


class TestMappingReflag(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.partners = self.make_partners(2)
        self.make_partners(1, flagged=False, prefix="quiet")
        self.sync()
        self.members = self.partners.mailchimp_member_ids
        self.stamps = self.members.mapped("odoo_changed_at")
        self.vip = self.env["res.partner.category"].create({"name": "VIP"})

    def assertSentAgain(self, expected=True):
        """The members wait to be sent (or not); a re-send changes no
        data of Odoo's, so "most recent change wins" still sees the old
        stamp. The flags are then cleared for the next step."""
        self.assertEqual(self.members.mapped("need_sync"), [expected] * 2)
        self.assertEqual(self.members.mapped("odoo_changed_at"), self.stamps)
        self.members._clear_need_sync()

    def test_tag_mapping_created_changed_deleted_sends_again(self):
        self.assertSentAgain(False)
        mapping = self.env["mailchimp.tag.mapping"].create(
            {"audience_id": self.audience.id, "name": "VIP", "category_id": self.vip.id}
        )
        self.assertSentAgain()
        mapping.direction = "odoo_to_mc"
        self.assertSentAgain()
        mapping.unlink()
        self.assertSentAgain()

    def test_field_mapping_changed_sends_again(self):
        mapping = self.audience.mapping_ids[:1]
        self.assertTrue(mapping, "the audience's default mappings")
        mapping.direction = "odoo_to_mc"
        self.assertSentAgain()
        mapping.unlink()
        self.assertSentAgain()

    def test_group_sends_again_when_a_user_maps_it_not_on_refresh(self):
        self.fake.add_interest_category(self.list_id, "Interests", ["VIP", "Events"])
        self.audience.action_refresh_groups()
        self.assertSentAgain(False)
        group = self.audience.interest_category_ids
        group.field_id = self.env.ref("base.field_res_partner__category_id")
        self.assertSentAgain()
        group.action_match_by_name()  # VIP: a value of the contact field
        self.assertEqual(
            group.interest_ids.filtered("value_ref").mapped("name"), ["VIP"]
        )
        self.assertSentAgain()
        self.fake.add_interest_category(self.list_id, "Topics", ["Boats"])
        self.audience.action_refresh_groups()
        self.assertEqual(len(self.audience.interest_category_ids), 2)
        self.assertSentAgain(False)

    def test_member_row_waits_to_be_sent_only_for_a_ticked_contact(self):
        partner = self.make_partners(1, flagged=False, prefix="row")
        row = self.env["mailchimp.member"].create(
            {"audience_id": self.audience.id, "partner_id": partner.id}
        )
        self.assertFalse(row.need_sync, "a row of the code's: nothing to send")
        self.assertFalse(row.odoo_changed_at)
        ticked = self.make_partners(1, prefix="ticked").mailchimp_member_ids
        self.assertTrue(ticked.need_sync)
        self.assertTrue(ticked.odoo_changed_at, "Odoo's data: stamped")
