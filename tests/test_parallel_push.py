"""A push on several connections at once keeps every answer with its own batch
and contact, and a 429 is retried with fewer connections."""

import time

from ..models.mailchimp_sync_run import AudienceRun
from .common import MailchimpCase

REFUSED = (3, 503, 1003, 1150)  # one contact refused in each batch of 500
RATE_LIMITED = {"title": "Too Many Requests", "detail": "Too many connections"}


class TestParallelPush(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.account.parallel_connections = 4
        self.partners = self.make_partners(1200)

    def test_errors_stay_with_their_contacts(self):
        for index in REFUSED:
            self.fake.forgotten.add(self.partners[index].email)
        log = self.sync()
        self.assertEqual(self.fake.count("POST", rf"/lists/{self.list_id}"), 3)
        self.assertEqual(log.created, 1200 - len(REFUSED))
        for index, partner in enumerate(self.partners):
            member = partner.mailchimp_member_id
            if index in REFUSED:
                self.assertIn(partner.email, member.last_error)
                self.assertFalse(member.mailchimp_id)
            else:
                self.assertFalse(member.last_error, partner.email)
                remote = self.fake.member(self.list_id, partner.email)
                self.assertEqual(member.mailchimp_id, remote["id"])
                self.assertEqual(remote["merge_fields"]["FNAME"], f"First{index}")

    def test_429_is_retried_and_every_contact_sent_once(self):
        self.fake.fail(
            "POST",
            rf"/lists/{self.list_id}",
            status=429,
            body=RATE_LIMITED,
            headers={"Retry-After": "1"},
            times=2,
        )
        log = self.sync()
        self.assertEqual(log.state, "done", log.error_message)
        self.assertEqual(log.created, 1200)
        self.assertEqual(self.sleeps, [1, 1])
        # 3 batches, 2 of their calls refused once then sent again
        self.assertEqual(self.fake.count("POST", rf"/lists/{self.list_id}"), 5)
        self.assertEqual(len(self.fake.members[self.list_id]), 1200)
        self.assertFalse(self.partners.mailchimp_member_id.filtered("need_sync"))

    def test_one_step_streams_every_batch(self):
        """A push step keeps its connections busy until every batch is sent:
        it used to wait for the last answers after 4 batches a connection."""
        self.account.parallel_connections = 1
        more = self.make_partners(900, prefix="more")  # 2,100: 5 batches
        self.audience._start_run()
        self.step()  # the read
        done, _finished = self.step()  # the write
        self.assertEqual(done, 2100)
        self.assertEqual(self.fake.count("POST", rf"/lists/{self.list_id}"), 5)
        self.assertFalse(
            (self.partners | more).mailchimp_member_id.filtered("need_sync")
        )

    def test_a_step_past_its_deadline_sends_a_batch_then_stops(self):
        """The cron call's time is up: the step still sends one batch (a step
        sending none would end the push with contacts left), then stops; the
        next step sends the rest."""
        self.audience._start_run()
        self.step()  # the read
        run = AudienceRun(self.audience)
        run.deadline = time.monotonic() - 1
        try:
            done, finished = run.step()
        finally:
            run.close()
        self.assertEqual((done, finished), (500, False))
        self.assertEqual(self.step(), (700, False))
        self.assertFalse(self.partners.mailchimp_member_id.filtered("need_sync"))
