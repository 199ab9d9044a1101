from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import Form

from .common import MailchimpCase
from .export_case import SEGMENT, UPSERT, ExportCase


class TestListExport(ExportCase):
    def _rows_of_1200_contacts(self):
        """Mailchimp's members and the mailing contacts of the 1,200 export."""
        fake, lid = self.fake, self.list_id
        rows = []
        # already in Mailchimp: 10 subscribed, 5 unsubscribed, 5 cleaned
        for i in range(10):
            fake.add_member(lid, f"known{i}@example.com")
            rows.append({"name": f"Known {i}", "email": f"known{i}@example.com"})
        for i in range(5):
            fake.add_member(lid, f"gone{i}@example.com", status="unsubscribed")
            rows.append({"name": f"Gone Person{i}", "email": f"gone{i}@example.com"})
        for i in range(5):
            fake.add_member(lid, f"bounced{i}@example.com", status="cleaned")
            rows.append({"name": f"Bounced {i}", "email": f"bounced{i}@example.com"})
        belgium = self.env.ref("base.be")
        for i in range(1150):
            rows.append(
                {
                    "name": f"Guest{i} Family{i}",
                    "email": f"guest{i}@example.com",
                    "country_id": belgium.id if i < 7 else False,
                }
            )
        for i in range(20):  # the same email again, in other letter cases
            rows.append({"name": f"Twin {i}", "email": f"GUEST{i}@Example.com"})
        for i in range(5):
            rows.append({"name": f"No email {i}", "email": False})
        for i in range(5):
            rows.append({"name": f"Broken {i}", "email": f"broken{i}"})
        return rows

    def _assert_1200_figures(self, log):
        figures = {
            f: log[f]
            for f in (
                "list_contacts",
                "created",
                "updated",
                "tagged",
                "untagged",
                "duplicates",
                "invalid",
                "not_tagged",
                "address_omitted",
                "errors",
            )
        }
        self.assertEqual(
            figures,
            {
                "list_contacts": 1200,
                "created": 1150,
                "updated": 15,
                "tagged": 1160,
                "untagged": 0,
                "duplicates": 20,
                "invalid": 10,
                "not_tagged": 10,
                "address_omitted": 7,
                "errors": 0,
            },
        )

    def _assert_1200_members(self, tag):
        fake, lid = self.fake, self.list_id
        tagged = [
            m
            for m in fake.members[lid].values()
            if tag in {t["name"] for t in m["tags"]}
        ]
        self.assertEqual(len(tagged), 1160)
        self.assertEqual(self.tags("gone0@example.com"), [])
        self.assertEqual(
            fake.member(lid, "gone0@example.com")["merge_fields"]["FNAME"],
            "Gone",
            "an unsubscribed member is updated",
        )
        self.assertEqual(
            fake.member(lid, "gone0@example.com")["status"], "unsubscribed"
        )
        self.assertEqual(fake.member(lid, "bounced0@example.com")["status"], "cleaned")
        self.assertEqual(
            fake.member(lid, "guest0@example.com")["merge_fields"]["LNAME"], "Family0"
        )

    def _assert_1200_calls(self):
        fake = self.fake
        # bulk calls only: 3 create calls (sent at once, on parallel
        # connections) + 1 batch updating the members Mailchimp had (without a
        # status, tags in the same batch), the statuses read once, one read of
        # the batch's state. The statuses are read when the first answer is
        # applied: one page of 1,000, or two if the other create calls have
        # landed by then (their members are there too).
        self.assertEqual(fake.count("POST", UPSERT), 3)
        self.assertEqual(fake.count("POST", "/batches"), 1)
        self.assertEqual(fake.count("POST", SEGMENT), 0)
        pages = fake.count("GET", rf"/lists/{self.list_id}/members")
        self.assertIn(pages, (1, 2))
        self.assertEqual(len(fake.calls), 5 + pages)
        for op in self.batch_operations("PUT"):
            self.assertNotIn("status", op["body"], "never states a status")

    def test_export_1200_contacts_with_exact_statistics(self):
        self.add_contacts(self.mailing_list, self._rows_of_1200_contacts())
        self.fake.reset_calls()

        log = self.export()

        self._assert_1200_figures(log)
        tag = "Newsletter subscribers"
        self._assert_1200_members(tag)
        self.assertIn("were not tagged", log.not_tagged_message)
        self._assert_1200_calls()
        self.assertEqual(self.mailing_list.mailchimp_audience_id, self.audience)
        self.assertEqual(self.mailing_list.mailchimp_tag, tag)

    def test_each_figure_opens_its_contacts(self):
        contacts = self.add_contacts(
            self.mailing_list,
            [
                {"name": "Ann", "email": "ann@example.com"},
                {"name": "Ann again", "email": "ANN@example.com"},
                {"name": "Nobody", "email": "nobody"},
                {"name": "Unsub", "email": "unsub@example.com"},
            ],
        )
        self.fake.add_member(self.list_id, "unsub@example.com", status="unsubscribed")
        log = self.export()

        def opened(figure):
            action = log.with_context(figure=figure).action_open_export_records()
            self.assertEqual(action["res_model"], "mailing.contact")
            return self.env["mailing.contact"].search(action["domain"])

        self.assertEqual(opened("list_contacts"), contacts)
        self.assertEqual(opened("created"), contacts[0])
        self.assertEqual(opened("tagged"), contacts[0])
        self.assertEqual(opened("updated"), contacts[3])
        self.assertEqual(opened("duplicates"), contacts[1])
        self.assertEqual(opened("invalid"), contacts[2])
        self.assertEqual(opened("not_tagged"), contacts[3])
        lines = log.line_ids.filtered(lambda line: line.kind == "duplicate")
        self.assertIn("only “Ann” <ann@example.com>", lines.message)

    def test_removed_contact_loses_the_tag_and_stays(self):
        contacts = self.add_contacts(
            self.mailing_list,
            [{"name": f"Person {i}", "email": f"p{i}@example.com"} for i in range(12)],
        )
        self.export()
        self.assertEqual(self.tags("p0@example.com"), ["Newsletter subscribers"])
        # one removed from the list, one opted out of it
        contacts[0].list_ids = [(3, self.mailing_list.id)]
        self.env["mailing.subscription"].search(
            [("contact_id", "=", contacts[1].id)]
        ).opt_out = True
        self.fake.reset_calls()

        log = self.export()

        self.assertEqual(log.untagged, 2)
        self.assertEqual(log.updated, 10)
        self.assertEqual(log.created, 0)
        for email in ("p0@example.com", "p1@example.com"):
            self.assertEqual(self.tags(email), [])
            self.assertEqual(
                self.fake.member(self.list_id, email)["status"], "subscribed"
            )
        self.assertEqual(self.tags("p2@example.com"), ["Newsletter subscribers"])
        self.assertEqual(self.fake.count("POST", SEGMENT), 1)
        self.assertEqual(
            self.fake.count("POST", "/batches"), 1, "a re-export updates in one call"
        )
        self.assertEqual(self.fake.count("POST", UPSERT), 0)
        # a third export has nobody left to untag
        self.assertEqual(self.export().untagged, 0)

    def test_mapped_fields_for_contacts_matching_a_partner(self):
        self.env["res.partner"].create(
            {
                "name": "Grace Hopper",
                "email": "grace@example.com",
                "phone": "+1 212 555 0100",
                "street": "1 Navy Street",
                "city": "New York",
                "zip": "10001",
                "state_id": self.state_ny.id,
                "country_id": self.country_us.id,
            }
        )
        self.add_contacts(
            self.mailing_list,
            [
                {"name": "G. Hopper", "email": "grace@example.com"},
                {"name": "Alan Turing", "email": "alan@example.com"},
            ],
        )
        self.export()
        grace = self.fake.member(self.list_id, "grace@example.com")["merge_fields"]
        self.assertEqual(grace["FNAME"], "Grace")
        self.assertEqual(grace["PHONE"], "+12125550100")
        self.assertEqual(grace["ADDRESS"]["city"], "New York")
        alan = self.fake.member(self.list_id, "alan@example.com")["merge_fields"]
        self.assertEqual((alan["FNAME"], alan["LNAME"]), ("Alan", "Turing"))
        self.assertNotIn("ADDRESS", alan)

    def test_two_lists_at_once(self):
        second = self.new_list("VIP")
        self.add_contacts(
            self.mailing_list,
            [
                {"name": "A", "email": "a@example.com"},
                {"name": "B", "email": "b@example.com"},
            ],
        )
        contact_c = self.add_contacts(second, [{"name": "C", "email": "c@example.com"}])
        self.env["mailing.contact"].search(
            [("email", "=", "a@example.com")]
        ).list_ids = [(4, second.id)]
        self.assertEqual(len(contact_c), 1)
        logs = self.export(self.mailing_list | second)
        self.assertEqual(len(logs), 2)
        self.assertEqual(
            sorted(logs.mapped("tag_name")), ["Newsletter subscribers", "VIP"]
        )
        self.assertEqual(self.tags("a@example.com"), ["Newsletter subscribers", "VIP"])
        self.assertEqual(self.tags("b@example.com"), ["Newsletter subscribers"])
        self.assertEqual(self.tags("c@example.com"), ["VIP"])
        self.assertEqual(second.mailchimp_tag, "VIP")

    def test_deleted_audience_clear_message_nothing_changed(self):
        self.add_contacts(self.mailing_list, [{"name": "A", "email": "a@example.com"}])
        del self.fake.lists[self.list_id]
        logs_before = self.env["mailchimp.sync.log"].search_count([])
        with self.assertRaises(UserError) as caught:
            self.export()
        self.assertIn("no longer exists in Mailchimp", str(caught.exception))
        self.assertNotIn(self.fake.api_key, str(caught.exception))
        self.assertEqual(self.env["mailchimp.sync.log"].search_count([]), logs_before)
        self.assertFalse(self.env["mailchimp.list.export"].search([]))
        self.assertFalse(self.mailing_list.mailchimp_audience_id)

    def test_server_error_midway_is_reported(self):
        self.add_contacts(
            self.mailing_list,
            [{"name": f"P{i}", "email": f"p{i}@example.com"} for i in range(3)],
        )
        self.fake.fail("POST", UPSERT, status=500, times=5)
        with self.assertRaises(UserError) as caught:
            self.export()
        self.assertIn("server error", str(caught.exception))
        self.assertFalse(self.env["mailchimp.list.export.member"].search([]))

    def test_tag_name_and_partner_sync_options(self):
        partner = self.env["res.partner"].create(
            {"name": "Known Partner", "email": "kp@example.com"}
        )
        self.add_contacts(
            self.mailing_list, [{"name": "KP", "email": "kp@example.com"}]
        )
        self.export(tag_name="Spring fair", enable_partner_sync=True)
        self.assertEqual(self.tags("kp@example.com"), ["Spring fair"])
        self.assertTrue(partner.mailchimp_sync)
        self.assertEqual(partner.mailchimp_audience_id, self.audience)
        # the remembered tag is proposed next time
        form = Form(
            self.env["mailchimp.list.export.wizard"].with_context(
                active_model="mailing.list", active_ids=self.mailing_list.ids
            )
        )
        self.assertEqual(form.tag_name, "Spring fair")
        self.assertEqual(form.audience_id, self.audience)

    def test_big_lists_are_exported_in_the_background(self):
        self.add_contacts(
            self.mailing_list,
            [{"name": f"P{i}", "email": f"p{i}@example.com"} for i in range(3)],
        )
        form = Form(
            self.env["mailchimp.list.export.wizard"].with_context(
                active_model="mailing.list", active_ids=self.mailing_list.ids
            )
        )
        wizard = form.save()
        with patch(
            "odoo.addons.mailchimp_sync.wizards.mailchimp_list_export_wizard."
            "INLINE_LIMIT",
            2,
        ):
            action = wizard.action_export()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("in the background", action["params"]["message"])
        self.assertFalse(self.fake.calls, "nothing sent while the user waits")
        export = self.env["mailchimp.list.export"].search(
            [("mailing_list_id", "=", self.mailing_list.id)]
        )
        self.assertTrue(export.queued)

        self.env["mailchimp.list.export"]._cron_run_queued()
        self.assertFalse(export.queued)
        self.assertEqual(export.last_log_id.created, 3)
        self.assertEqual(self.tags("p0@example.com"), ["Newsletter subscribers"])
        # the notification goes to the user's bus when the job commits
        self.env.cr.precommit.run()
        notification = self.env["bus.bus"].search(
            [("message", "ilike", "Mailchimp export done")], order="id desc", limit=1
        )
        self.assertIn("3 added", notification.message)

    def test_action_menu_on_mailing_lists(self):
        action = self.env.ref("mailchimp_sync.mailing_list_action_export_to_mailchimp")
        self.assertEqual(action.binding_model_id.model, "mailing.list")
        result = action.with_context(
            active_model="mailing.list",
            active_ids=self.mailing_list.ids,
            active_id=self.mailing_list.id,
        ).run()
        self.assertEqual(result["res_model"], "mailchimp.list.export.wizard")


class TestCategoriesAsTags(MailchimpCase):
    def test_partner_categories_sent_as_tags(self):
        self.audience.export_categories = True
        vip = self.env["res.partner.category"].create({"name": "VIP"})
        partner = self.make_partners(1)
        partner.category_id = vip
        self.sync()
        self.assertEqual(self.fake.tag_names(self.list_id, partner.email), ["VIP"])
        gold = self.env["res.partner.category"].create({"name": "Gold"})
        partner.category_id = [(4, gold.id)]
        self.assertTrue(partner.mailchimp_need_sync, "a new tag is sent next run")
        self.sync()
        self.assertEqual(
            self.fake.tag_names(self.list_id, partner.email), ["Gold", "VIP"]
        )


class TestExportNeverResubscribes(ExportCase):
    def test_item05_export_unsubscribed_during_the_export_stays_unsubscribed(self):
        email = "leaving@example.com"
        self.fake.add_member(
            self.list_id, email, merge_fields={"FNAME": "Old"}, unsubscribed_by="admin"
        )
        self.add_contacts(self.mailing_list, [{"name": "Leaving Now", "email": email}])
        # Odoo reads "subscribed"; the person unsubscribes before Odoo writes
        self.fake.set_status(self.list_id, email, "unsubscribed")
        self.fake.mangle(
            "GET",
            r"/lists/[^/]+/members/[0-9a-f]{32}",
            lambda member: dict(member, status="subscribed"),
        )
        log = self.export()
        remote = self.fake.member(self.list_id, email)
        self.assertEqual(remote["status"], "unsubscribed", "not re-subscribed")
        self.assertEqual(remote["merge_fields"]["FNAME"], "Leaving")
        self.assertEqual(log.updated, 1)

    def test_export_sends_the_values_of_the_contact_the_push_sends(self):
        """Issue 15's second bug: two contacts share an email, only the higher
        id is ticked; a list export must not overwrite its values."""
        email = "shared@example.com"
        unticked = self.env["res.partner"].create(
            {"name": "Unticked Person", "email": email}
        )
        ticked = self.env["res.partner"].create(
            {"name": "Ticked Person", "email": email, "mailchimp_sync": True}
        )
        self.assertLess(unticked.id, ticked.id)
        self.sync()
        self.add_contacts(self.mailing_list, [{"name": "List Row", "email": email}])
        self.export()
        self.assertEqual(
            self.fake.member(self.list_id, email)["merge_fields"]["FNAME"], "Ticked"
        )
