"""A mailing list export sends its create calls on several connections at once;
every answer stays with its own contacts, and a 429 is retried with fewer
connections."""

from unittest.mock import patch

from ..services import MailchimpClient, parallel
from .export_case import UPSERT, ExportCase
from .in_flight import watch_in_flight

CONTACTS = 1600  # four create calls of at most 500
REFUSED = ("person3@example.com", "person1203@example.com")  # batches 1 and 3
RATE_LIMITED = {"title": "Too Many Requests", "detail": "Too many connections"}


class TestParallelExport(ExportCase):
    def setUp(self):
        super().setUp()
        self.account.parallel_connections = 4
        self.contacts = self.add_contacts(
            self.mailing_list,
            [
                {"name": f"Person {i}", "email": f"person{i}@example.com"}
                for i in range(CONTACTS)
            ],
        )

    def test_create_calls_go_out_together_answers_stay_with_their_contacts(self):
        self.fake.forgotten.update(REFUSED)
        state, watching = watch_in_flight(MailchimpClient, "batch_upsert")
        with watching:
            log = self.export()
        self.assertGreater(state["max"], 1, "create calls in flight together")
        self.assertEqual(self.fake.count("POST", UPSERT), 4)
        self.assertEqual(log.created, CONTACTS - len(REFUSED))
        self.assertEqual(log.tagged, CONTACTS - len(REFUSED))
        self.assertEqual(log.errors, len(REFUSED))
        errors = log.line_ids.filtered(lambda line: line.kind == "error")
        self.assertEqual(sorted(errors.mapped("email")), sorted(REFUSED))
        for line in errors:
            self.assertEqual(line.mailing_contact_id.email, line.email)
            self.assertIn(line.email, line.message)
        members = self.fake.members[self.list_id]
        self.assertEqual(len(members), CONTACTS - len(REFUSED))
        for contact in self.contacts[::97]:
            if contact.email in REFUSED:
                continue
            remote = self.fake.member(self.list_id, contact.email)
            self.assertEqual(remote["merge_fields"]["FNAME"], "Person")
            self.assertEqual(self.tags(contact.email), ["Newsletter subscribers"])

    def test_429_is_retried_with_fewer_connections(self):
        self.fake.fail(
            "POST",
            UPSERT,
            status=429,
            body=RATE_LIMITED,
            headers={"Retry-After": "1"},
            times=2,
        )
        limits = []
        throttle = parallel.Connections._throttle

        def throttled(connections, error):
            throttle(connections, error)
            limits.append(connections.limit)

        with patch.object(parallel.Connections, "_throttle", throttled):
            log = self.export()
        self.assertEqual(len(limits), 2)
        self.assertLess(limits[-1], 4, "fewer connections for the rest of the run")
        self.assertEqual(self.sleeps, [1, 1])
        # four batches, two of their calls refused once then sent again
        self.assertEqual(self.fake.count("POST", UPSERT), 6)
        self.assertEqual(log.created, CONTACTS)
        self.assertEqual(log.tagged, CONTACTS)
        self.assertEqual(len(self.fake.members[self.list_id]), CONTACTS)
