"""What a button says it did: saving a mapping, reading groups and merge
fields (groups read at import as segments are), one contact named and many
counted, the consent source of a re-subscription shown, a segment's Sync now
reporting the segment."""

from odoo.exceptions import UserError
from odoo.tests import Form

from .common import MailchimpCase

MAPPING = "mailchimp.field.mapping.wizard"


def message_of(action):
    return action["params"]["message"]


class TestButtonsSayWhatTheyDid(MailchimpCase):
    def test_full_resync_says_it_was_a_full_resync(self):
        self.make_partners(1)
        message = message_of(self.audience.action_sync_now())
        self.assertTrue(message.startswith("Sync of Newsletter done"), message)
        message = message_of(self.audience.action_full_resync())
        self.assertTrue(message.startswith("Full resync of Newsletter done"), message)

    def test_low_save_mapping_says_it_was_saved(self):
        action = self.audience.action_open_mapping_wizard()
        wizard = self.env[MAPPING].browse(action["res_id"])
        unchanged = wizard.action_apply()
        self.assertEqual(unchanged["tag"], "display_notification")
        self.assertIn("unchanged", message_of(unchanged))
        wizard = self.env[MAPPING].browse(
            self.audience.action_open_mapping_wizard()["res_id"]
        )
        wizard.line_ids.filtered(lambda line: line.tag == "PHONE").source = "none"
        saved = wizard.action_apply()
        self.assertIn("Field mapping of “Newsletter” saved", message_of(saved))

    def test_save_mapping_never_drops_a_merge_field_typed_but_not_added(self):
        action = self.audience.action_open_mapping_wizard()
        wizard = self.env[MAPPING].browse(action["res_id"])
        wizard.new_tag = "SHOE"
        with self.assertRaisesRegex(UserError, "“SHOE” is not in Mailchimp yet"):
            wizard.action_apply()

    def test_low_refresh_groups_and_merge_fields_say_what_was_read(self):
        self.fake.add_interest_category(self.list_id, "Interests", ["VIP"])
        action = self.audience.action_refresh_groups()
        self.assertEqual(message_of(action), "Groups read from Mailchimp: Interests.")
        action = self.audience.action_refresh_merge_fields()
        self.assertEqual(message_of(action), "Merge fields read from Mailchimp.")

    def test_low_groups_are_read_at_import_as_segments_are(self):
        second_id = self.fake.add_list("Second")
        self.fake.add_interest_category(second_id, "Topics", ["Boats", "Sails"])
        action = self.account.action_import_audiences()
        second = self.account.audience_ids.filtered(
            lambda a: a.mailchimp_id == second_id
        )
        self.assertEqual(second.interest_category_ids.mapped("name"), ["Topics"])
        self.assertEqual(
            second.interest_category_ids.interest_ids.mapped("name"),
            ["Boats", "Sails"],
        )
        self.assertEqual(
            message_of(action),
            "Audiences imported from Mailchimp: Newsletter, Second (new: 1).",
        )


class TestCountsForOneOrMany(MailchimpCase):
    def test_low_one_contact_is_named_not_counted(self):
        ann = self.env["res.partner"].create(
            {"name": "Ann Example", "email": "ann@example.com"}
        )
        enabled = message_of(ann.action_mailchimp_enable())
        self.assertIn("Mailchimp sync enabled on Ann Example: it is sent", enabled)
        stopped = message_of(ann.action_mailchimp_disable())
        self.assertIn("Mailchimp sync stopped on Ann Example", stopped)
        both = ann | self.env["res.partner"].create(
            {"name": "Bob Example", "email": "bob@example.com"}
        )
        self.assertIn(
            "enabled on 2 contacts", message_of(both.action_mailchimp_enable())
        )
        forgotten = message_of(ann.action_mailchimp_forget())
        self.assertTrue(forgotten.startswith("Ann Example erased"), forgotten)
        for text in (enabled, stopped, forgotten):
            self.assertNotRegex(text, r"\b1 (contacts|people|audiences)\b")


class TestResubscribeSource(MailchimpCase):
    def test_low_the_consent_source_typed_is_shown_afterwards(self):
        person = self.env["res.partner"].create(
            {
                "name": "Life Contact",
                "email": "life@example.com",
                "mailchimp_sync": True,
            }
        )
        self.sync()
        self.fake.set_status(self.list_id, person.email, "unsubscribed")
        self.sync()
        wizard = (
            self.env["mailchimp.resubscribe.wizard"]
            .with_context(active_model="res.partner", active_ids=person.ids)
            .create({"consent_source": "Phone call of 20 November"})
        )
        action = wizard.action_confirm()
        self.assertEqual(
            message_of(action),
            "Confirmation email requested for life@example.com (“Phone call of 20 "
            "November”): Mailchimp sends it; the contact is pending until they "
            "confirm.",
        )
        self.assertEqual(person.mailchimp_status, "pending")
        self.assertEqual(
            person.mailchimp_resubscribe_source, "Phone call of 20 November"
        )
        tab = Form(person)
        self.assertEqual(tab.mailchimp_resubscribe_source, "Phone call of 20 November")


class TestSegmentSyncNow(MailchimpCase):
    def test_low_a_segment_reports_its_own_figures(self):
        self.make_partners(3, prefix="vip", function="VIP")
        self.make_partners(2, prefix="other")
        segment = self.env["mailchimp.segment"].create(
            {
                "name": "VIP",
                "audience_id": self.audience.id,
                "domain": "[('function', '=', 'VIP')]",
            }
        )
        message = message_of(segment.action_sync_now())
        self.assertEqual(
            message, "Segment “VIP” synced: contacts with its tag in Mailchimp: 3."
        )
