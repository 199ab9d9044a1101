"""The audience list's header buttons ("Create" and "Import", in Mailchimp,
shown always, one short word each) work with and without a selection, called
over HTTP exactly as Odoo 18's web client calls them."""

from odoo.tests import HttpCase, new_test_user, tagged

from .common import MailchimpCase
from .views import arch_of

ROUTE = "/web/dataset/call_button/mailchimp.audience/{method}"


@tagged("post_install", "-at_install")
class TestAudienceListButtons(MailchimpCase, HttpCase):
    def setUp(self):
        super().setUp()
        new_test_user(
            self.env,
            login="mc_list_manager",
            groups="base.group_user,base.group_partner_manager,"
            "mailchimp_sync.group_mailchimp_manager",
        )
        self.authenticate("mc_list_manager", "mc_list_manager")

    def click(self, method, selected_ids):
        """The call a list header button makes (MultiRecordViewButton, then
        the action service's doActionButton): the selected ids as the only
        argument, the list's context with the active ids."""
        return self.make_jsonrpc_request(
            ROUTE.format(method=method),
            {
                "model": "mailchimp.audience",
                "method": method,
                "args": [selected_ids],
                "kwargs": {
                    "context": {
                        "lang": "en_US",
                        "active_model": "mailchimp.audience",
                        "active_ids": selected_ids,
                        "active_domain": [],
                    }
                },
            },
        )

    def test_create_in_mailchimp_with_and_without_a_selection(self):
        for selected in ([], self.audience.ids):
            with self.subTest(selected=selected):
                action = self.click("action_create_in_mailchimp", selected)
                self.assertEqual(
                    action["res_model"], "mailchimp.audience.create.wizard"
                )
                self.assertEqual(action["target"], "new")

    def test_import_from_mailchimp_with_and_without_a_selection(self):
        self.fake.add_list("Second list")
        for selected in ([], self.audience.ids):
            with self.subTest(selected=selected):
                action = self.click("action_import_from_mailchimp", selected)
                self.assertEqual(action["tag"], "display_notification")
                self.assertIn(
                    "Audiences imported from Mailchimp: Newsletter, Second list",
                    action["params"]["message"],
                )


class TestAudienceListButtonLabels(MailchimpCase):
    def test_low_the_two_buttons_leave_the_breadcrumb_its_room(self):
        listing = arch_of(self.env["mailchimp.audience"], "list")
        buttons = {b.get("name"): b for b in listing.xpath("//header/button[@display]")}
        self.assertEqual(
            set(buttons), {"action_create_in_mailchimp", "action_import_from_mailchimp"}
        )
        for button in buttons.values():
            self.assertLessEqual(len(button.get("string")), 8, "one short word")
            self.assertIn("Mailchimp", button.get("help"), "the tooltip says where")
