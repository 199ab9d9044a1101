"""A batch subscribe call whose answer was lost (the cron call killed, its
transaction rolled back): the record of intent written before the call makes
the next run give a contact that left the sync meanwhile the un-tick policy.
The real kill is ``test_killed_worker.py``; here the lost answer is the
member row put back as it was before the call."""

from .common import MailchimpCase


class TestIntentAfterALostAnswer(MailchimpCase):
    def lose_the_answer(self, partners):
        """Mailchimp created the members; Odoo never stored its answer."""
        self.sync()
        partners.mailchimp_member_ids.write(
            {"mailchimp_id": False, "status": False, "need_sync": True}
        )

    def test_a_contact_deleted_after_a_lost_answer_is_archived(self):
        deleted, unticked, kept = self.make_partners(3)
        emails = [p.email for p in (deleted, unticked, kept)]
        self.lose_the_answer(deleted | unticked | kept)
        deleted.unlink()
        unticked.mailchimp_sync = False
        self.sync()
        statuses = [self.fake.member(self.list_id, e)["status"] for e in emails]
        self.assertEqual(statuses, ["archived", "archived", "subscribed"])
        self.assertEqual(self.audience._last_log().state, "done")
