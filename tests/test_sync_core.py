"""Issue 15: one sync core. The run's state lives on its sync log; one rule
says which contact owns an email for the push, the pull and the list export;
the migration moves a run under way from the audience to its log."""

import importlib.util
from pathlib import Path

from .test_export import ExportCase

MIGRATION = (
    Path(__file__).resolve().parent.parent
    / "migrations"
    / "18.0.1.2.0"
    / "post-migrate.py"
)


class TestRunStateOnTheLog(ExportCase):
    def test_a_run_reads_its_window_and_offset_from_its_log(self):
        for i in range(1500):
            self.fake.add_member(self.list_id, f"reader{i}@example.com")
        log = self.audience._start_run()
        self.assertTrue(log.pull_running)
        self.assertTrue(log.pull_before, "the window is frozen at the start")
        self.step()  # the first page of 1,000
        self.assertEqual((log.pull_offset, log.pull_read_count), (1000, 1000))
        self.assertEqual(log.pull_total, 1500)
        self.assertEqual(self.audience.current_log_id, log)
        self.step()  # the last page: the read is over
        self.assertFalse(log.pull_running)
        self.assertFalse(self.audience.pull_running)
        self.assertEqual(self.audience.pull_cursor, log.pull_before)
        while self.audience.current_log_id:
            self.step()
        self.assertEqual((log.state, log.pulled), ("done", 1500))

    def test_the_migration_moves_a_run_under_way_to_its_log(self):
        cr = self.env.cr
        log = self.audience._start_run()
        log.write({"pull_running": False, "pull_offset": 0})
        # the columns 1.1 kept on the audience (dropped fields keep theirs)
        cr.execute(
            """ALTER TABLE mailchimp_audience
                 ADD COLUMN IF NOT EXISTS pull_offset integer,
                 ADD COLUMN IF NOT EXISTS pull_running boolean,
                 ADD COLUMN IF NOT EXISTS pull_total integer,
                 ADD COLUMN IF NOT EXISTS push_batch_id varchar"""
        )
        cr.execute(
            """UPDATE mailchimp_audience SET pull_offset = 3000,
                      pull_running = TRUE, pull_total = 4200,
                      push_batch_id = 'b-123'
                WHERE id = %s""",
            (self.audience.id,),
        )
        self.env.flush_all()
        spec = importlib.util.spec_from_file_location("mcs_post_120", MIGRATION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(cr, "18.0.1.1.0")
        log.invalidate_recordset()
        self.assertEqual((log.pull_offset, log.pull_total), (3000, 4200))
        self.assertTrue(log.pull_running)
        self.assertEqual(log.push_batch_id, "b-123")
        self.assertEqual(self.audience.push_batch_id, "b-123")


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
