"""Contacts sharing an email: one rule says which contact owns it for the
push, the pull and the list export, and a duplicate is one line of the run."""

from .common import MailchimpCase
from .export_case import ExportCase


class TestOneOwnerPerEmail(ExportCase):
    """Three contacts share an email: the lowest id is not ticked, two are.
    The push, the pull and the export all take the lowest ticked one."""

    def setUp(self):
        super().setUp()
        self.email = "family@example.com"
        Partner = self.env["res.partner"]
        self.unticked = Partner.create({"name": "Una Unticked", "email": self.email})
        self.owner = Partner.create(
            {"name": "Olga Owner", "email": self.email, "mailchimp_sync": True}
        )
        self.second = Partner.create(
            {"name": "Sam Second", "email": self.email, "mailchimp_sync": True}
        )

    def test_push_pull_and_export_agree_on_the_owner(self):
        log = self.sync()
        merge = self.fake.member(self.list_id, self.email)["merge_fields"]
        self.assertEqual(merge["FNAME"], "Olga", "the push sends the owner")
        self.assertIn("“Olga Owner”", self.second.mailchimp_error)
        self.assertEqual(log.state, "done")
        # a change made in Mailchimp reaches the owner only
        self.fake.set_merge(self.list_id, self.email, FNAME="Olivia")
        self.audience.conflict_policy = "mailchimp"
        self.sync()
        self.assertEqual(self.owner.name, "Olivia Owner")
        self.assertEqual(self.unticked.name, "Una Unticked")
        self.assertEqual(self.second.name, "Sam Second")
        # an export of a list row with that email sends the owner's values
        self.add_contacts(self.mailing_list, [{"name": "Row", "email": self.email}])
        self.export()
        merge = self.fake.member(self.list_id, self.email)["merge_fields"]
        self.assertEqual(merge["FNAME"], "Olivia")


class TestDuplicateLoggedOnce(MailchimpCase):
    def test_low_a_duplicate_contact_is_one_line_of_the_run(self):
        self.fake.add_member(self.list_id, "same@example.com")
        first, second = self.env["res.partner"].create(
            [
                {
                    "name": "First Same",
                    "email": "same@example.com",
                    "mailchimp_sync": True,
                },
                {
                    "name": "Second Same",
                    "email": "same@example.com",
                    "mailchimp_sync": True,
                },
            ]
        )
        log = self.sync()
        lines = log.line_ids.filtered(lambda line: line.partner_id == second)
        self.assertEqual(len(lines), 1, lines.mapped("message"))
        self.assertEqual(lines.kind, "duplicate")
        self.assertFalse(log.line_ids.filtered(lambda line: line.partner_id == first))
