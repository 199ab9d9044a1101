"""Two cron workers sharing one large audience's push.

With Odoo's multi-process server (``--workers``, ``--max-cron-threads`` 2 or
more) the sync cron and its helper cron run at the same time. A scheduled
run's push of many members is cut into chunks of 500 flagged members (one
``INSERT … SELECT``), committed, then claimed by whichever worker is free:
a chunk is locked ``FOR NO KEY UPDATE SKIP LOCKED`` and marked done in the
claiming transaction, so no other worker can take it.

Odoo's transactions are REPEATABLE READ: a chunk another worker finished
after this transaction began still looks to do, and locking it raises a
serialization failure. That failure means "done by someone else": the claim
is tried in a savepoint and the chunk skipped. The run's own worker waits
(ends its cron call, comes back) while another holds chunks; the helper
writes only its own sync log, whose figures, lines and Mailchimp batches
the run takes over when its push is done.
"""

import logging
import time
from datetime import timedelta

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

from ..services import BATCH_SIZE, MailchimpError, parallel

_logger = logging.getLogger(__name__)

SYNC_CRON = "mailchimp_sync.ir_cron_mailchimp_sync"
HELPER_CRON = "mailchimp_sync.ir_cron_mailchimp_sync_helper"
# while another worker holds chunks, the run's worker looks again this soon
WAIT_FOR_HELPER = timedelta(seconds=5)
# a push shared between workers only when it is worth it: more than this
# many members flagged (smaller pushes are one worker's few calls)
SHARED_PUSH_MIN = 1000
# chunks a worker takes at once, per connection: small enough for two
# workers to share an audience of a few thousand members evenly
CHUNKS_PER_CLAIM = 2
HELPER_TIME_BUDGET = 50  # seconds of work per helper cron call
# the run's figures a helper adds to
HELPER_COUNTERS = ("pushed", "created", "updated", "archived", "skipped", "errors")


class MailchimpPushChunk(models.Model):
    _name = "mailchimp.push.chunk"
    _description = "Part of a push shared between cron workers"
    _order = "id"

    log_id = fields.Many2one(
        "mailchimp.sync.log", required=True, ondelete="cascade", index=True
    )
    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    first_member_id = fields.Integer(required=True)
    last_member_id = fields.Integer(required=True)
    size = fields.Integer(required=True)
    state = fields.Selection([("todo", "To send"), ("done", "Taken")], required=True)


class MailchimpSyncLog(models.Model):
    _inherit = "mailchimp.sync.log"

    push_shared = fields.Boolean(copy=False, readonly=True)
    run_log_id = fields.Many2one(
        "mailchimp.sync.log",
        "Second worker of",
        ondelete="cascade",
        index=True,
        readonly=True,
        help="A second cron worker's part of this run: its figures and lines "
        "are added to the run when its push is done.",
    )

    def _claim_chunks(self, count):
        """Ids of at most ``count`` chunks of this run that no other worker
        holds or has taken; locked until this transaction ends, and taken."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id FROM mailchimp_push_chunk "
                "WHERE log_id = %s AND state = 'todo' ORDER BY id",
                self.id,
            )
        )
        claimed = []
        for (chunk_id,) in cr.fetchall():
            if len(claimed) >= count:
                break
            if _lock_chunk(cr, chunk_id):
                claimed.append(chunk_id)
        if claimed:
            cr.execute(
                SQL(
                    "UPDATE mailchimp_push_chunk SET state = 'done' WHERE id = ANY(%s)",
                    claimed,
                )
            )
        return claimed

    def _chunks_left(self):
        """Chunks of this run that look to do: held by another worker, or
        taken by one after this transaction began."""
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM mailchimp_push_chunk "
                "WHERE log_id = %s AND state = 'todo' LIMIT 1",
                self.id,
            )
        )
        return bool(self.env.cr.fetchone())

    def _helper_log(self):
        """This run's log for the helper worker (created once)."""
        helper = self.search([("run_log_id", "=", self.id)], limit=1)
        return helper or self.create(
            {
                "audience_id": self.audience_id.id,
                "kind": self.kind,
                "trigger": "cron",
                "run_log_id": self.id,
            }
        )

    def _helper_logs(self):
        return self.search([("run_log_id", "=", self.id)])

    def _adopt_helper_batches(self):
        """The helpers' Mailchimp batches still running become the run's own
        (read by its next steps); True when there are some."""
        helpers = self._helper_logs().filtered("push_batch_id")
        if not helpers:
            return False
        ids = (self.push_batch_id or "").split()
        ids += [i for helper in helpers for i in helper.push_batch_id.split()]
        self.push_batch_id = " ".join(ids)
        helpers.push_batch_id = False
        return True

    def _merge_helpers(self):
        """The run ends: its helpers' figures and lines are the run's."""
        self._adopt_helper_batches()
        for helper in self._helper_logs():
            for counter in HELPER_COUNTERS:
                self[counter] += helper[counter]
            helper.line_ids.write({"log_id": self.id})
            if helper.error_message:
                self.env["mailchimp.sync.log.line"].create(
                    {
                        "log_id": self.id,
                        "kind": "error",
                        "message": helper.error_message,
                    }
                )
            helper.unlink()


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    def _share_push(self, log):
        """Whether this run's push is cut into chunks other workers may take
        (a scheduled run, many members, the helper cron active). The chunks
        are planned the first time: the caller then commits (returns None)
        so that the helper sees them."""
        if log.push_shared:
            return True
        if log.trigger != "cron" or log.run_log_id:
            return False
        helper_cron = self.env.ref(HELPER_CRON, raise_if_not_found=False)
        if not helper_cron or not helper_cron.sudo().active:
            return False
        flagged = self.env["mailchimp.member"].search_count(
            [("audience_id", "=", self.id), ("need_sync", "=", True)]
        )
        if flagged <= SHARED_PUSH_MIN:
            return False
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """INSERT INTO mailchimp_push_chunk
                       (log_id, audience_id, company_id, first_member_id,
                        last_member_id, size, state, create_uid, create_date,
                        write_uid, write_date)
                   SELECT %(log)s, %(audience)s, %(company)s, MIN(id), MAX(id),
                          COUNT(*), 'todo', %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM (SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1)
                                      / %(size)s AS n
                             FROM mailchimp_member
                            WHERE audience_id = %(audience)s AND need_sync) m
                 GROUP BY n""",
                log=log.id,
                audience=self.id,
                company=self.company_id.id or None,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                size=BATCH_SIZE,
            )
        )
        log.push_shared = True
        helper_cron.sudo()._trigger()  # the helper joins as soon as committed
        return None

    def _claim_push_members(self, run_log, log):
        """The flagged members of the chunks this worker claims now (up to
        its connections' worth of batches); empty when none is free."""
        count = parallel.clamp(self.account_id.parallel_connections) * CHUNKS_PER_CLAIM
        chunk_ids = run_log._claim_chunks(count)
        Member = self.env["mailchimp.member"]
        if not chunk_ids:
            return Member
        self.env.cr.execute(
            SQL(
                """SELECT m.id FROM mailchimp_member m
                     JOIN mailchimp_push_chunk c
                       ON m.id BETWEEN c.first_member_id AND c.last_member_id
                    WHERE c.id = ANY(%s) AND m.audience_id = %s AND m.need_sync
                 ORDER BY m.id""",
                chunk_ids,
                self.id,
            )
        )
        members = Member.browse([row[0] for row in self.env.cr.fetchall()])
        _logger.info(
            "Mailchimp audience %s: log %s takes %d chunks (%d members)",
            self.id,
            log.id,
            len(chunk_ids),
            len(members),
        )
        return members

    @api.model
    def _come_back_soon(self):
        """The sync cron's call did nothing while another worker holds part
        of a run: it is called again in a few seconds, not at its next
        interval."""
        cron = self.env.ref(SYNC_CRON, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at=fields.Datetime.now() + WAIT_FOR_HELPER)

    # ------------------------------------------------------------ helper
    @api.model
    def _cron_sync_helper(self, time_budget=HELPER_TIME_BUDGET):
        """The helper cron: take chunks of the scheduled runs under way.
        Returns the members it sent."""
        deadline = time.monotonic() + time_budget
        self.env.cr.execute(
            SQL("SELECT DISTINCT log_id FROM mailchimp_push_chunk WHERE state = 'todo'")
        )
        runs = self.env["mailchimp.sync.log"].browse(
            [row[0] for row in self.env.cr.fetchall()]
        )
        done = 0
        for run_log in runs.filtered(
            lambda r: r.audience_id.current_log_id == r and r.state == "running"
        ):
            done += run_log.audience_id._help_push(run_log, deadline)
        remaining = self.env["mailchimp.push.chunk"].search_count(
            [("state", "=", "todo")]
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _help_push(self, run_log, deadline):
        """Send chunks of ``run_log``'s push until none is free or time is
        up; the members handled."""
        helper, client = run_log._helper_logs()[:1], None
        done = 0
        try:
            while time.monotonic() < deadline:
                if helper.push_batch_id:  # left by its last call, or this one
                    client = client or self.account_id._get_client()
                    if not self._poll_push_batch(client, helper):
                        break  # its batch runs in Mailchimp: the run reads it
                members = self._claim_push_members(run_log, helper or run_log)
                if not members:
                    break
                helper = helper or run_log._helper_log()
                client = client or self.account_id._get_client()
                done += self._push_claimed(helper, client, members)
                self._release_batch()
        except MailchimpError as error:
            _logger.info("Mailchimp helper of audience %s stopped: %s", self.id, error)
            if helper:
                helper._add_error(str(error))
        finally:
            if client:
                parallel.close(client)
        return done

    def _push_claimed(self, log, client, members):
        """Send every member of the chunks taken (a step plans a bounded
        number of batches, fewer after a 429): the members sent."""
        sent = 0
        while True:
            step = self._push_step(log, client, members)
            if not step:
                return sent
            sent += step

    def _forget_chunks(self):
        """Chunks of this audience's ended runs (a worker may still hold one:
        it is left for the next run)."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """DELETE FROM mailchimp_push_chunk WHERE id IN (
                             SELECT c.id FROM mailchimp_push_chunk c
                               JOIN mailchimp_sync_log l ON l.id = c.log_id
                              WHERE c.audience_id = %s AND l.state != 'running'
                                FOR UPDATE OF c SKIP LOCKED)""",
                        self.id,
                    ),
                    log_exceptions=False,
                )
        except SerializationFailure:
            # changed by a worker since this transaction began: next run
            _logger.debug("Mailchimp audience %s: old chunks left for later", self.id)


def _lock_chunk(cr, chunk_id):
    """Lock one chunk still to do; False when another worker holds it or
    took it after this transaction began (a serialization failure)."""
    try:
        with cr.savepoint(flush=False):
            cr.execute(
                SQL(
                    "SELECT id FROM mailchimp_push_chunk WHERE id = %s "
                    "AND state = 'todo' FOR NO KEY UPDATE SKIP LOCKED",
                    chunk_id,
                ),
                log_exceptions=False,
            )
            return bool(cr.fetchone())
    except SerializationFailure:
        return False
