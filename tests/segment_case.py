"""The set-up of the segment tests: a manager saving segments, the tags
Mailchimp holds."""

from odoo.tests import new_test_user

from .common import MANAGER_GROUPS, MailchimpCase


class SegmentCase(MailchimpCase):
    def setUp(self):
        super().setUp()
        company = self.env.company
        self.manager = new_test_user(
            self.env,
            login="segment_manager",
            groups=MANAGER_GROUPS,
            company_id=company.id,
            company_ids=[company.id],
        )

    def segment(self, domain, name="VIP", user=None):
        """A segment saved by ``user`` (the manager by default)."""
        Segment = self.env["mailchimp.segment"].with_user(user or self.manager)
        if not isinstance(domain, str):
            domain = repr(domain)
        segment = Segment.create(
            {"name": name, "audience_id": self.audience.id, "domain": domain}
        )
        return segment.with_user(self.env.user)

    def tagged(self, name="VIP"):
        """The emails holding the tag ``name`` in Mailchimp."""
        return {
            member["email_address"]
            for member in self.fake.members[self.list_id].values()
            if name in [tag["name"] for tag in member["tags"]]
        }

    def lines(self, log, text):
        return log.line_ids.filtered(lambda line: text in (line.message or ""))
