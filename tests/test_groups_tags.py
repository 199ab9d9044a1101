"""Interest groups mapped to a multi-value contact field (both ways, in the
member's own upsert call, never a status change), and tags both ways (Odoo
removes only the tags it set; a Mailchimp tag can give a contact tag)."""

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form

from .common import MailchimpCase


class GroupsCase(MailchimpCase):
    def setUp(self):
        super().setUp()
        Category = self.env["res.partner.category"]
        self.vip = Category.create({"name": "VIP"})
        self.news = Category.create({"name": "Newsletter"})
        self.cat_id = self.fake.add_interest_category(
            self.list_id, "Interests", ["VIP", "Newsletter", "Events"]
        )
        self.audience.action_refresh_groups()
        self.group = self.audience.interest_category_ids
        self.group.field_id = self.env.ref("base.field_res_partner__category_id")
        self.group.action_match_by_name()

    def groups(self, partner):
        return self.fake.member_groups(self.list_id, partner.email)

    def odoo_changed_yesterday(self, partner):
        """Odoo's last change is older than the change made in Mailchimp
        ("most recent change wins")."""
        partner.mailchimp_member_id.odoo_changed_at = fields.Datetime.subtract(
            fields.Datetime.now(), days=1
        )


class TestGroups(GroupsCase):
    def test_25_group_names_imported_across_pages(self):
        """Mailchimp lists 10 items a page unless asked for more."""
        for index in range(11):
            self.fake.add_interest_category(
                self.list_id, f"Topic group {index}", [f"T{index}-a", f"T{index}-b"]
            )
        self.audience.action_refresh_groups()
        categories = self.audience.interest_category_ids
        self.assertEqual(len(categories), 12)
        self.assertEqual(len(categories.interest_ids), 25)
        self.assertEqual(
            categories.filtered(
                lambda c: c.name == "Topic group 10"
            ).interest_ids.mapped("name"),
            ["T10-a", "T10-b"],
        )

    def test_value_table_filled_by_name(self):
        by_name = {i.name: i for i in self.group.interest_ids}
        self.assertEqual(by_name["VIP"].value_name, "VIP")
        self.assertEqual(by_name["Newsletter"].value_name, "Newsletter")
        self.assertFalse(by_name["Events"].value_name, "no contact tag of that name")
        self.assertEqual(self.group.unmapped_count, 1)

    def test_groups_pushed_in_the_upsert_and_pulled_back(self):
        partner = self.make_partners(1, category_id=[(6, 0, self.vip.ids)])
        self.sync()
        self.assertEqual(self.groups(partner), ["VIP"])
        self.assertEqual(self.upserts(), 1, "in the member's batch subscribe call")
        partner.category_id = [(6, 0, self.news.ids)]
        calls = len(self.fake.calls)
        self.sync()
        self.assertEqual(self.groups(partner), ["Newsletter"])
        put = self.batch_operations("PUT")[-1]["body"]
        self.assertEqual(
            put["interests"],
            {
                self.fake.interest_id(self.list_id, "VIP"): False,
                self.fake.interest_id(self.list_id, "Newsletter"): True,
            },
            "only the group names Odoo maps; Events is never sent",
        )
        self.assertGreater(len(self.fake.calls), calls)
        # the person changes their groups in Mailchimp's preference centre
        self.odoo_changed_yesterday(partner)
        self.fake.set_interests(self.list_id, partner.email, VIP=True, Newsletter=False)
        self.sync()
        self.assertEqual(partner.category_id, self.vip)

    def test_a_group_name_odoo_does_not_map_is_left_alone(self):
        partner = self.make_partners(1, category_id=[(6, 0, self.vip.ids)])
        self.sync()
        self.fake.set_interests(self.list_id, partner.email, Events=True)
        self.sync()
        partner.category_id = [(6, 0, self.news.ids)]
        self.sync()
        self.assertEqual(self.groups(partner), ["Events", "Newsletter"])

    def test_a_group_change_never_changes_the_status(self):
        partner = self.make_partners(1, category_id=[(6, 0, self.vip.ids)])
        self.sync()
        self.fake.set_status(self.list_id, partner.email, "unsubscribed")
        self.sync()
        partner.category_id = [(6, 0, self.news.ids)]
        self.sync()
        member = self.fake.member(self.list_id, partner.email)
        self.assertEqual(member["status"], "unsubscribed")
        self.assertEqual(self.groups(partner), ["Newsletter"])
        self.assertEqual(partner.mailchimp_status, "unsubscribed")

    def test_a_group_mapped_one_way_is_not_read_back(self):
        self.group.direction = "odoo_to_mc"
        partner = self.make_partners(1, category_id=[(6, 0, self.vip.ids)])
        self.sync()
        self.odoo_changed_yesterday(partner)
        self.fake.set_interests(self.list_id, partner.email, VIP=False)
        self.sync()
        self.assertEqual(partner.category_id, self.vip)

    def test_add_group_names_for_odoo_values_without_one(self):
        gold = self.env["res.partner.category"].create({"name": "Gold"})
        self.make_partners(2, category_id=[(6, 0, gold.ids)])
        self.group.action_add_to_mailchimp()
        interest = self.group.interest_ids.filtered(lambda i: i.name == "Gold")
        self.assertEqual(interest.value_name, "Gold")
        self.assertTrue(self.fake.interest_id(self.list_id, "Gold"))

    def test_a_value_is_typed_by_name_and_checked(self):
        events = self.group.interest_ids.filtered(lambda i: i.name == "Events")
        with Form(self.group) as form:
            with form.interest_ids.edit(2) as line:
                self.assertEqual(line.name, "Events")
                line.value_name = "newsletter"
        self.assertEqual(events.value_ref, str(self.news.id))
        with self.assertRaises(ValidationError), self.cr.savepoint():
            events.value_name = "No such tag"

    def test_a_group_field_mailchimp_may_not_fill_is_refused(self):
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.group.field_id = self.env.ref("base.field_res_partner__user_ids")


class TestTagsBothWays(GroupsCase):
    def setUp(self):
        super().setUp()
        self.audience.export_categories = True

    def test_an_odoo_tag_removal_reaches_mailchimp_a_mailchimp_tag_survives(self):
        partner = self.make_partners(
            1, category_id=[(6, 0, (self.vip | self.news).ids)]
        )
        self.sync()
        self.assertEqual(
            self.fake.tag_names(self.list_id, partner.email), ["Newsletter", "VIP"]
        )
        # a journey tags the member in Mailchimp
        member = self.fake.member(self.list_id, partner.email)
        self.fake._tag(self.list_id, member, "Journey: welcome", True)
        partner.category_id = [(6, 0, self.vip.ids)]
        self.sync()
        self.assertEqual(
            self.fake.tag_names(self.list_id, partner.email),
            ["Journey: welcome", "VIP"],
        )
        tags_calls = [
            op["body"]["tags"]
            for op in self.batch_operations("POST")
            if op["path"].endswith("/tags")
        ]
        self.assertIn({"name": "Newsletter", "status": "inactive"}, tags_calls[-1])
        self.assertNotIn("Journey: welcome", str(tags_calls))

    def test_a_mailchimp_tag_mapped_to_a_contact_tag_is_read_back(self):
        self.audience.export_categories = False
        self.env["mailchimp.tag.mapping"].create(
            {
                "audience_id": self.audience.id,
                "name": "Webinar attendee",
                "category_id": self.news.id,
                "direction": "mc_to_odoo",
            }
        )
        partner = self.make_partners(1)
        self.sync()
        self.odoo_changed_yesterday(partner)
        member = self.fake.member(self.list_id, partner.email)
        self.fake._tag(self.list_id, member, "Webinar attendee", True)
        member["last_changed"] = self.fake._tick()
        self.sync()
        self.assertEqual(partner.category_id, self.news)
        self.fake._tag(self.list_id, member, "Webinar attendee", False)
        member["last_changed"] = self.fake._tick()
        self.sync()
        self.assertFalse(partner.category_id)


class TestGroupsInTheMappingWizard(GroupsCase):
    def test_the_preview_shows_the_group_names_a_contact_is_in(self):
        self.make_partners(1, category_id=[(6, 0, self.vip.ids)])
        action = self.audience.action_open_mapping_wizard()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.group_ids, self.group)
        wizard.action_preview()
        rows = {(row[1], row[2]) for row in wizard._preview_rows()}
        self.assertIn(("Interests: VIP", "yes"), rows)
        self.assertIn(("Interests: Newsletter", "no"), rows)
        self.assertNotIn("Events", wizard.preview, "a name without a value")


class TestGroupFieldCheckedWhenRun(GroupsCase):
    def test_a_group_forced_onto_a_forbidden_field_is_not_used(self):
        """A group mapped behind the ORM's back (an old record, SQL) to a
        field the rules refuse is skipped by the run (superuser)."""
        users_field = self.env.ref("base.field_res_partner__user_ids")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mailchimp_interest_category SET field_id = %s WHERE id = %s",
            (users_field.id, self.group.id),
        )
        self.group.invalidate_recordset()
        self.assertEqual(self.group.field_id, users_field)
        partner = self.make_partners(1, category_id=[(6, 0, self.vip.ids)])
        self.sync()
        self.assertEqual(self.groups(partner), [], "nothing read from users")
        self.odoo_changed_yesterday(partner)
        self.fake.set_interests(self.list_id, partner.email, VIP=True)
        self.sync()
        self.assertFalse(partner.user_ids, "nothing written to users")


class TestTagReadBackBrake(GroupsCase):
    def test_a_tag_deleted_in_mailchimp_removes_no_contact_tag_at_scale(self):
        """A mapped tag gone from many members at once (deleted or renamed in
        Mailchimp) must not strip the contact tag from all of them."""
        self.env["mailchimp.tag.mapping"].create(
            {
                "audience_id": self.audience.id,
                "name": "Webinar attendee",
                "category_id": self.news.id,
                "direction": "mc_to_odoo",
            }
        )
        partners = self.make_partners(30, category_id=[(6, 0, self.news.ids)])
        self.sync()
        for partner in partners:
            member = self.fake.member(self.list_id, partner.email)
            self.fake._tag(self.list_id, member, "Webinar attendee", True)
            member["last_changed"] = self.fake._tick()
        self.sync()
        for partner in partners:
            self.odoo_changed_yesterday(partner)
            member = self.fake.member(self.list_id, partner.email)
            self.fake._tag(self.list_id, member, "Webinar attendee", False)
            member["last_changed"] = self.fake._tick()
        log = self.sync()
        self.assertEqual(
            len(partners.filtered(lambda p: self.news in p.category_id)), 30
        )
        self.assertTrue(
            log.line_ids.filtered(lambda line: "(brake)" in (line.message or ""))
        )


class TestGroupSafeguards(GroupsCase):
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
