"""A run's state lives on its sync log (the window and offset of its read,
its batch); the 1.2 migration moves a run under way from the audience to its
log."""

import importlib.util
from pathlib import Path

from .export_case import ExportCase

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
