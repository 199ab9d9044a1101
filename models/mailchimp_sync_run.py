"""The run of an audience's sync: a bounded step at a time (a page read, a
batch sent), started by the cron or a button, one run per audience at a time
(a row lock), its counts on the sync log."""

import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import BATCH_SIZE, MailchimpError
from .mailchimp_access import check_manager

_logger = logging.getLogger(__name__)

FULL_PULL_EVERY = timedelta(hours=24)
NEW_RUN_MIN_GAP = timedelta(minutes=5)
PAGE_WORK = 1000  # members a pending page read stands for in the cron's progress
MANUAL_TIME_BUDGET = 20  # seconds a button runs the sync before the cron goes on
CRON_TIME_BUDGET = 50  # seconds of work per cron call


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    def _lock_for_sync(self):
        """The audiences of ``self`` not being synced by another transaction."""
        if not self:
            return self
        self.env.cr.execute(
            SQL(
                "SELECT id FROM mailchimp_audience WHERE id = ANY(%s) "
                "FOR NO KEY UPDATE SKIP LOCKED",
                list(self.ids),
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------- run
    def _start_run(self, trigger="manual", full=False):
        self.ensure_one()
        now = fields.Datetime.now()
        full = (
            full
            or not self.pull_cursor
            or (not self.last_full_pull or self.last_full_pull < now - FULL_PULL_EVERY)
        )
        log = self.env["mailchimp.sync.log"].create(
            {
                "audience_id": self.id,
                "trigger": trigger,
                "kind": "full" if full else "sync",
            }
        )
        since = False
        if not full:
            since = self.pull_cursor - timedelta(minutes=self.pull_overlap_minutes or 0)
        self.write(
            {
                "current_log_id": log.id,
                "pull_running": True,
                "pull_full": full,
                "pull_since": since,
                "pull_before": now,
                "pull_offset": 0,
            }
        )
        return log

    def _sync_step(self, client=None):
        """Do one bounded unit of work: a page of 1,000 members read from
        Mailchimp, then batches of 500 members sent. Returns
        ``(units_done, finished)``."""
        self.ensure_one()
        log = self.current_log_id
        try:
            client = client or self.account_id._get_client()
            if self.push_batch_id:
                self._poll_push_batch(client, log)
                return 0, False
            if self.pull_running:
                return self._pull_page(log, client), False
            members = self._members_to_push(log)
            if not members:
                self._finish_run()
                return 0, True
            log._count("pushed", len(members))
            return members._push(log, client), False
        except MailchimpError as error:
            _logger.info("Mailchimp sync of audience %s stopped: %s", self.id, error)
            if not log.error_message:
                log._add_error(str(error))
            self._finish_run(failed=True)
            return 0, True

    def _run_client(self):
        """The service, built once per run and passed to each step (as
        ``google_calendar`` passes its service); None when it cannot be built,
        the step then fails the run with the reason."""
        try:
            return self.account_id._get_client()
        except MailchimpError:
            return None

    def _members_to_push(self, log):
        return self.env["mailchimp.member"].search(
            [
                ("audience_id", "=", self.id),
                ("need_sync", "=", True),
                "|",
                ("attempt_log_id", "=", False),
                ("attempt_log_id", "!=", log.id),
            ],
            limit=BATCH_SIZE,
            order="id",
        )

    def _last_log(self):
        self.ensure_one()
        return self.env["mailchimp.sync.log"].search(
            [("audience_id", "=", self.id)], order="id desc", limit=1
        )

    def _finish_run(self, failed=False):
        self.current_log_id._close(failed=failed)
        # members of deleted contacts or of contacts moved to another audience,
        # once Mailchimp got the un-tick policy
        self.env["mailchimp.member"].search(
            [
                ("audience_id", "=", self.id),
                ("need_sync", "=", False),
                "|",
                ("partner_id", "=", False),
                "&",
                ("partner_id.mailchimp_audience_id", "!=", False),
                ("partner_id.mailchimp_audience_id", "!=", self.id),
            ]
        ).unlink()
        self.write({"current_log_id": False, "pull_running": False})

    def _run_sync(self, trigger="manual", full=False, time_budget=None):
        """Run (or continue) a sync of each audience until done or out of time.

        Returns True when every audience finished.
        """
        deadline = time.monotonic() + time_budget if time_budget else None
        finished_all = True
        for audience in self:
            if not audience.current_log_id:
                audience._start_run(trigger=trigger, full=full)
            client = audience._run_client()
            finished = False
            while not finished:
                if deadline and time.monotonic() > deadline:
                    finished_all = False
                    break
                _done, finished = audience._sync_step(client)
                audience._release_batch()
        return finished_all

    def _release_batch(self):
        """Write the batch and drop the ORM cache: memory stays flat whatever
        the number of members a run goes through."""
        self.env.flush_all()
        self.env.invalidate_all()

    def _remaining_work(self):
        """Work left in the runs under way (a finished or failed run leaves
        none: a batch it left running is read by the next run's first step)."""
        count = 0
        for audience in self.filtered("current_log_id"):
            if audience.pull_running:
                count += PAGE_WORK
            if audience.push_batch_id:
                count += 1
            count += len(audience._members_to_push(audience.current_log_id))
        return count

    @api.model
    def _cron_sync(self, time_budget=CRON_TIME_BUDGET):
        """Scheduled two-way sync: pull then push for every connected audience,
        in bounded steps; the cron framework commits between calls and calls
        again while work remains (``_notify_progress``)."""
        audiences = self.search([("account_id.state", "=", "connected")])
        now = fields.Datetime.now()
        locked = audiences._lock_for_sync()
        deadline = time.monotonic() + time_budget
        done = 0
        for audience in locked:
            if not audience.current_log_id:
                last = audience._last_log()
                if last and last.date_start > now - NEW_RUN_MIN_GAP:
                    continue
                audience._start_run(trigger="cron")
            client = audience._run_client()
            finished = False
            while not finished and time.monotonic() < deadline:
                units, finished = audience._sync_step(client)
                audience._release_batch()
                done += units
        remaining = locked._remaining_work()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return remaining

    # ------------------------------------------------------------- buttons
    def action_sync_now(self, full=False):
        check_manager(self)
        self.ensure_one()
        self.account_id._check_connected()
        if not self._lock_for_sync():
            raise UserError(self.env._("A sync of this audience is already running."))
        finished = self._run_sync(
            trigger="manual", full=full, time_budget=MANUAL_TIME_BUDGET
        )
        log = self._last_log()
        if not finished:
            self.env.ref("mailchimp_sync.ir_cron_mailchimp_sync")._trigger()
            message = self.env._("The sync goes on in the background.")
            kind = "info"
        else:
            message = self.env._(
                "Sync done: %(sent)s sent, %(read)s read from Mailchimp, "
                "%(err)s errors.",
                sent=log.pushed,
                read=log.pulled,
                err=log.errors,
            )
            kind = "warning" if log.errors or log.state == "failed" else "success"
        return self.account_id._notify(message, kind)

    def action_full_resync(self):
        """Re-read every member and re-send every flagged contact."""
        check_manager(self)
        self.ensure_one()
        self.member_ids.filtered(lambda m: m.partner_id.mailchimp_sync)._mark_need_sync(
            odoo_change=False
        )
        if self.current_log_id:
            self._finish_run()
        return self.action_sync_now(full=True)
