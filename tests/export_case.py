"""The set-up of the list export tests: a mailing list, its contacts, the
export wizard run as a user runs it."""

from odoo.tests import Form

from .common import MailchimpCase

UPSERT = r"/lists/[^/]+"
SEGMENT = r"/lists/[^/]+/segments/\d+"


class ExportCase(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.mailing_list = self.new_list("Newsletter subscribers")

    def new_list(self, name):
        return self.env["mailing.list"].create({"name": name})

    def add_contacts(self, mailing_list, rows):
        """``rows``: dicts of mailing.contact values."""
        return self.env["mailing.contact"].create(
            [dict(row, list_ids=[(4, mailing_list.id)]) for row in rows]
        )

    def export(self, lists=None, **vals):
        lists = lists or self.mailing_list
        form = Form(
            self.env["mailchimp.list.export.wizard"].with_context(
                active_model="mailing.list", active_ids=lists.ids
            )
        )
        for key, value in vals.items():
            setattr(form, key, value)
        wizard = form.save()
        wizard.action_export()
        return wizard.log_ids

    def tags(self, email):
        return self.fake.tag_names(self.list_id, email)
