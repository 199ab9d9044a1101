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

    def test_an_unsubscribed_member_of_a_deleted_contact_is_left_as_it_is(self):
        """A contact whose member Mailchimp unsubscribed is deleted: Odoo
        drops its row and leaves Mailchimp's member as it is; the record of
        the batch subscribe call that created it never brings it back."""
        person = self.make_partners(1)
        email = person.email
        self.sync()
        member = person.mailchimp_member_ids
        self.fake.set_status(self.list_id, email, "unsubscribed")
        self.sync()
        self.assertEqual(member.status, "unsubscribed")
        # a batch subscribe call of this member (e.g. refused as in compliance
        # state) whose record the next run has not read yet
        self.env["mailchimp.push.intent"]._record(self.audience, {email: member})
        key = member.mailchimp_id
        person.unlink()
        self.sync()
        self.assertEqual(
            self.fake.member(self.list_id, email)["status"], "unsubscribed"
        )
        self.assertFalse(
            self.env["mailchimp.member"].search([("mailchimp_id", "=", key)])
        )

    def test_a_stored_answer_takes_its_records_away_once_committed(self):
        """Mailchimp answered the batch subscribe call and Odoo stored the
        answer: once that is committed the records are gone, so the next
        run's pull has nothing to read back (a push of 10,000 contacts left
        10,000 records for it)."""
        self.make_partners(3)
        self.audience._push_members_now(self.audience.member_ids)
        Intent = self.env["mailchimp.push.intent"]
        self.assertEqual(Intent.search_count([]), 3, "before the commit: kept")
        self.env.cr.postcommit.run()  # what the cron's commit runs
        self.assertEqual(Intent.search_count([]), 0)
