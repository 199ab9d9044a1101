"""The runs and the one run loop that drives them all (:func:`drive`): the
audience's sync (:class:`AudienceRun`: pull, push, segments), a contact's
"Sync now" (:class:`PushRun`) and the list export
(``mailchimp_list_export_run.py``), a bounded step at a time. A run holds what
one cron call needs (service, connections, pages read ahead); what outlives a
call is on its sync log. A Mailchimp batch is never waited for: each step
reads its status once, a run with nothing else to do stops (``waiting``) and
its cron comes back for it (README, "Runs and the one run loop").

The push step sends several batches of 500 members on the run's parallel
connections: the run's thread plans each batch (ORM reads, payloads), hands
the HTTP call to a worker and plans the next one while it is in flight; the
answers are applied by the run's thread in the order the batches were
planned. The ``POST /batches`` operations of the members Mailchimp already has
are submitted the same way; their results are read once per step, in the order
submitted (the log's ``push_batch_id``), never waited for."""

import logging
import threading
import time
from datetime import timedelta
from functools import partial

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import cron_progress
from ..services import (
    BATCH_SIZE,
    MailchimpError,
    ResultsRefused,
    checks,
    parallel,
    upsert,
)

_logger = logging.getLogger(__name__)

FULL_PULL_EVERY = timedelta(hours=24)
NEW_RUN_MIN_GAP = timedelta(minutes=5)
PAGE_WORK = 1000  # members a pending page read stands for in the cron's progress
CRON_TIME_BUDGET = 50  # seconds of work per cron call
# a run waiting for Mailchimp's batch is picked up by its cron this much later
BATCH_RECHECK = timedelta(seconds=30)
SYNC_CRON = "mailchimp_sync.ir_cron_mailchimp_sync"
MSG_DEFERRED = "A sync of this audience is running: it sends these contacts."
MSG_RESULTS_REFUSED = "{error} Its contacts are sent again by the next sync."
OPERATION_KINDS = frozenset({"put", "restore", "tags", "unsubscribe", "archive"})


def drive(run, deadline=None):
    """The one run loop (buttons, cron, a contact's "Sync now", the list
    export): step ``run`` until it finishes, waits for a Mailchimp batch or
    the ``deadline`` (``time.monotonic()``) passes. The ORM cache is written
    and dropped after each step (memory stays flat); the run's connections
    are closed whatever happens. Returns ``(units done, finished)``."""
    done = 0
    run.deadline = deadline
    try:
        while not deadline or time.monotonic() <= deadline:
            units, finished = run.step()
            run.env.flush_all()
            run.env.invalidate_all()
            done += units
            if finished:
                return done, True
            if run.waiting:
                run.env.ref(run.cron)._trigger(at=fields.Datetime.now() + BATCH_RECHECK)
                break
        return done, False
    finally:
        run.close()


class Run:
    """One run: ``step()`` does a bounded unit of work and returns
    ``(units_done, finished)``; ``waiting`` is set when the run can do
    nothing before Mailchimp finishes a batch (``cron`` picks it up)."""

    cron = SYNC_CRON

    def __init__(self, env, client, connections):
        self.env = env
        self.client = client
        self.limit = connections  # the account's "Simultaneous connections"
        self.waiting = False
        self.deadline = None  # ``time.monotonic()`` of the cron call's end
        self.pages_ahead = {}  # offset -> future of a page read ahead
        self._connections = None

    @property
    def connections(self):
        """The run's parallel connections (``services/parallel.py``)."""
        if self._connections is None:
            self._connections = parallel.Connections(self.client, self.limit)
        return self._connections

    def step(self):
        raise NotImplementedError

    def close(self):
        for future in self.pages_ahead.values():
            future.cancel()
        if self._connections is not None:
            self._connections.close()
            self._connections = None


class PushRun(Run):
    """Odoo → Mailchimp: batches of at most 500 flagged members (``members``
    only, for a contact's "Sync now", which ends with its batches)."""

    def __init__(self, audience, log, client=None, members=None):
        super().__init__(audience.env, client, audience.account_id.parallel_connections)
        self.audience = audience
        self.log = log
        self.members = members

    def step(self):
        self._read_batches()
        return self._push()

    def _read_batches(self):
        self.client = self.client or self.audience.account_id._get_client()
        if self.log.push_batch_id:  # one status read each, never a wait
            apply = partial(self.audience._apply_batch_results, self.log)
            self.log._read_batches(self.client, apply)

    def _push(self):
        sent = self.audience._push_step(self.log, self, self.members)
        self.waiting = not sent and bool(self.log.push_batch_id)
        return (sent, False) if sent or self.waiting else self._pushed()

    def _pushed(self):
        return 0, True


class AudienceRun(PushRun):
    """An audience's sync: the pull's pages, the push, then the segments. A
    Mailchimp failure fails the run with it."""

    def __init__(self, audience):
        super().__init__(audience, audience.current_log_id)

    def step(self):
        audience, log = self.audience, self.log
        try:
            done, finished = self._phase_step()
        except MailchimpError as error:
            _logger.info(
                "Mailchimp sync of audience %s stopped: %s", audience.id, error
            )
            if not log.error_message:
                log._add_error(str(error))
            audience._finish_run(failed=True)
            return 0, True
        if finished:
            audience._webhook_check_exists(self.client, log)
            audience._finish_run()
        return done, finished

    def _phase_step(self):
        audience, log = self.audience, self.log
        self._read_batches()
        if log.pull_running:
            # a batch left by the run before is read before the pull
            self.waiting = bool(log.push_batch_id)
            if self.waiting:
                return 0, False
            done = audience._pull_page(log, self)
            if not log.pull_running:  # what a killed call may have created
                self.env["mailchimp.push.intent"]._adopt(audience)
            return done, False
        if log.segment_phase:
            return audience._segment_step(log, self)
        return self._push()

    def _pushed(self):
        """The push is over: the run goes on with the segments, or ends."""
        return 0, not self.audience._start_segment_phase(self.log)


class MailchimpSyncLog(models.Model):
    _inherit = "mailchimp.sync.log"

    # the state of a run under way
    pull_running = fields.Boolean(copy=False, readonly=True)
    pull_since = fields.Datetime(copy=False, readonly=True)
    pull_before = fields.Datetime(copy=False, readonly=True)
    pull_offset = fields.Integer(copy=False, readonly=True)
    pull_read_count = fields.Integer(copy=False, readonly=True)
    pull_total = fields.Integer(copy=False, readonly=True)
    pull_incomplete = fields.Boolean(copy=False, readonly=True)
    # the pages after the first are read light first (no echo)
    pull_light = fields.Boolean(copy=False, readonly=True)
    push_batch_id = fields.Char("Mailchimp batch running", copy=False, readonly=True)
    deferred = fields.Boolean(
        "Left to the sync under way",
        readonly=True,
        help="A contact's “Sync now” found the audience being synced: that sync "
        "sends the contacts.",
    )

    @property
    def pull_full(self):
        """Whether this run reads every member (deleted ones are then found):
        a full resync, and also a sync whose read must be full."""
        return self.full_read

    def _read_batches(self, client, apply):
        """The one batch-polling policy: the run's batches (ids in the order
        submitted) read once each, never waited for; ``apply(results)`` for
        each finished one. A batch still running stops the reading: the ones
        after it were submitted later."""
        self.ensure_one()
        pending = self.push_batch_id.split()
        while pending:
            try:
                results = upsert.results_if_done(client, pending[0])
            except ResultsRefused as error:
                # never read (address, redirect, size): the members are sent again
                message = MSG_RESULTS_REFUSED.format(error=error)
                self._add_line(self.env["mailchimp.member"], "error", message)
                results = ()
            except MailchimpError as error:
                if error.status != 404:
                    raise
                results = ()  # results are kept 7 days: the members are sent again
            if results is None:
                break
            apply(results)
            pending.pop(0)
            # with its results: a later batch failing never gets it read twice
            self.push_batch_id = " ".join(pending) or False


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    pull_running = fields.Boolean(related="current_log_id.pull_running")
    push_batch_id = fields.Char(
        "Mailchimp batch running", compute="_compute_push_batch_id"
    )

    @api.depends("log_ids.push_batch_id")
    def _compute_push_batch_id(self):
        for audience in self:
            audience.push_batch_id = audience._log_with_batch().push_batch_id

    def _log_with_batch(self):
        """The log whose Mailchimp batch is still to be read (a run that
        failed or a contact's "Sync now" may leave one)."""
        self.ensure_one()
        return self.env["mailchimp.sync.log"].search(
            [
                ("audience_id", "=", self.id),
                ("push_batch_id", "!=", False),
                ("kind", "!=", "export"),  # an export reads its own
            ],
            order="id desc",
            limit=1,
        )

    def _lock_for_sync(self):
        """The audiences of ``self`` not being synced by another transaction.

        Odoo's transactions are REPEATABLE READ: an audience that another
        run changed and committed after this transaction began cannot be
        locked (a serialization failure). That run has it: skipped, like an
        audience locked now, each lock tried in a savepoint."""
        locked = []
        for audience_id in self.ids:
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(
                        SQL(
                            "SELECT id FROM mailchimp_audience WHERE id = %s "
                            "FOR NO KEY UPDATE SKIP LOCKED",
                            audience_id,
                        ),
                        log_exceptions=False,
                    )
                    locked += [row[0] for row in self.env.cr.fetchall()]
            except SerializationFailure:
                _logger.info(
                    "Mailchimp audience %s: run by another worker", audience_id
                )
        return self.browse(locked)

    # ------------------------------------------------------------- run
    def _start_run(self, trigger="manual", full=False):
        """Start a run: ``full`` is what the user asked (the Full resync
        button), the log's kind says it; the read is full also for the first
        run and once every ``FULL_PULL_EVERY`` (the log's ``full_read``)."""
        self.ensure_one()
        now = fields.Datetime.now()
        full_read = (
            full
            or not self.pull_cursor
            or (not self.last_full_pull or self.last_full_pull < now - FULL_PULL_EVERY)
        )
        since = False
        if not full_read:
            since = self.pull_cursor - timedelta(minutes=self.pull_overlap_minutes or 0)
        # contacts ticked without an audience, of the companies whose default
        # audience this is, join it
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("mailchimp_audience_id", "=", self.id)])
        )
        self.env["res.partner"]._mailchimp_adopt_default_audience(companies)
        held = self._log_with_batch()
        log = self.env["mailchimp.sync.log"].create(
            {
                "audience_id": self.id,
                "trigger": trigger,
                "kind": "full" if full else "sync",
                "full_read": full_read,
                "pull_running": True,
                "pull_since": since,
                "pull_before": now,
                # a batch left running is read by this run's first step
                "push_batch_id": held.push_batch_id,
            }
        )
        held.push_batch_id = False
        self.current_log_id = log
        return log

    def _members_to_push(self, log, among=None, after=0):
        """The next 500 flagged members not tried by ``log``'s run, by id
        (``after``: above the last id of the step's previous batch, so the
        query does not pass again over every member already sent)."""
        domain = [
            ("audience_id", "=", self.id),
            ("need_sync", "=", True),
            "|",
            ("attempt_log_id", "=", False),
            ("attempt_log_id", "!=", log.id),
        ]
        if among is not None:
            domain.append(("id", "in", among.ids))
        if after:
            domain.append(("id", ">", after))
        return self.env["mailchimp.member"].search(domain, limit=BATCH_SIZE, order="id")

    def _last_log(self):
        self.ensure_one()
        return self.env["mailchimp.sync.log"].search(
            [
                ("audience_id", "=", self.id),
                ("kind", "in", ("sync", "full")),
            ],
            order="id desc",
            limit=1,
        )

    def _finish_run(self, failed=False):
        log = self.current_log_id
        log._close(failed=failed)
        log.pull_running = False
        if log.notify_when_done:
            log._notify_requester()
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
        self.current_log_id = False

    def _run_sync(self, trigger="manual", full=False, time_budget=None):
        """Start a run where none is under way, then drive it with the one
        loop until done or out of time. Returns ``(units done, every
        audience finished)``."""
        deadline = time.monotonic() + time_budget if time_budget else None
        done, finished_all = 0, True
        for audience in self:
            if not audience.current_log_id:
                audience._start_run(trigger=trigger, full=full)
            units, finished = drive(AudienceRun(audience), deadline)
            done += units
            finished_all = finished_all and finished
        return done, finished_all

    def _remaining_work(self):
        """Work left in the runs under way (a finished or failed run leaves
        none: a batch it left running is read by the next run's first step).
        A batch Mailchimp is still running is not work left: the cron comes
        back for it ``BATCH_RECHECK`` later, never at once (Odoo 19 calls a
        cron again at once while work remains)."""
        count = 0
        for audience in self.filtered("current_log_id"):
            log = audience.current_log_id
            count += PAGE_WORK if log.pull_running else 0
            count += 1 if log.segment_phase else 0
            count += len(audience._members_to_push(log))
        return count

    def _read_held_batches(self):
        """Batches a contact's "Sync now" left running, of audiences with no
        run under way: read once each (``drive`` comes back for the ones
        still running); their members' answers are stored."""
        no_member = self.env["mailchimp.member"]
        for audience in self.filtered(lambda a: not a.current_log_id):
            held = audience._log_with_batch()
            if not held:
                continue
            try:
                drive(PushRun(audience, held, members=no_member))
            except MailchimpError as error:  # read again by the next run
                _logger.info("Mailchimp batch of audience %s: %s", audience.id, error)

    @api.model
    def _cron_sync(self, time_budget=CRON_TIME_BUDGET):
        """Scheduled two-way sync: pull then push for every connected audience,
        in bounded steps; the cron framework commits between calls and calls
        again while work remains (``compat.cron_progress``)."""
        audiences = self.search([("account_id.state", "=", "connected")])
        now = fields.Datetime.now()
        locked = audiences._lock_for_sync()
        due = locked.filtered(
            lambda a: a.current_log_id
            or not a._last_log()
            or a._last_log().date_start <= now - NEW_RUN_MIN_GAP
        )
        (locked - due)._read_held_batches()
        done, _finished = due._run_sync(trigger="cron", time_budget=time_budget)
        remaining = locked._remaining_work()
        cron_progress(self.env, done, remaining)
        return remaining

    # ------------------------------------------------------------- push

    def _push_step(self, log, run, among=None):
        """Send the flagged members (``among`` only, when given) on the
        ``run``'s connections until none is left or the run's deadline
        passes; the number of members handled (0: none left)."""
        self.ensure_one()
        client, connections = run.client, run.connections
        jobs = []  # (plan, future of its POST /batches id)

        def answered(plan, answer, error):
            if error is None:
                try:
                    operations = plan.members._push_answered(plan, answer)
                except MailchimpError as malformed:
                    error = pipeline.error = pipeline.error or malformed
                else:
                    if plan.new:  # the answer is stored: its record goes
                        self.env["mailchimp.push.intent"]._forget_after_commit(
                            [member.id for member, _payload in plan.new.values()]
                        )
                    if operations:
                        job = connections.submit(upsert.start, operations)
                        jobs.append((plan, job))
            if error is not None:
                plan.members._push_failed(plan, error)
            self.env.flush_all()  # the ORM cache stays small
            self.env.invalidate_all()

        pipeline = _Ahead(connections, answered)
        try:
            sent = self._push_chunks(log, client, among, pipeline, run.deadline)
        finally:
            try:
                pipeline.drain()  # every answer applied, then the first error raised
            finally:
                # batches Mailchimp accepted are read by a later step, whatever failed
                self._start_push_batches(client, log, jobs)
        return sent

    def _push_chunks(self, log, client, among, pipeline, deadline):
        sent, mapper, after = 0, None, 0
        # one stream of batches until none is left or the cron call's time is
        # up (one batch at least: a step that sends nothing ends the push): no
        # wait for the last answers between batches (memory stays flat: the
        # window, and the ORM cache dropped after each answer)
        while not sent or not deadline or time.monotonic() <= deadline:
            members = self._members_to_push(log, among, after)
            if not members or pipeline.error:
                break
            after = members[-1].id  # ordered by id
            log._count("pushed", len(members))
            mapper = mapper or members._push_mapper(self, log)
            plan = members._push_prepare(log, client, mapper)
            if plan.new:
                # durable before the call: a killed call leaves it for the next run
                self.env["mailchimp.push.intent"]._record(
                    self, {email: member for email, (member, _p) in plan.new.items()}
                )
                args = plan.new_call_args()
                pipeline.send(plan, upsert.create_members, *args)
            else:
                pipeline.apply(plan, None, None)
            sent += len(members)
        return sent

    def _start_push_batches(self, client, log, jobs):
        """The submitted ``POST /batches`` ids go on the log (their results
        are read now, or by the next steps); a failed submission leaves its
        members flagged and is raised."""
        ids, first_error = [], None
        for plan, future in jobs:
            try:
                ids.append(future.result())
            except MailchimpError as error:
                plan.members._push_failed(plan, error)
                first_error = first_error or error
        if ids:  # after any still running: they are read in order
            log.push_batch_id = " ".join((log.push_batch_id or "").split() + ids)
            log._read_batches(client, partial(self._apply_batch_results, log))
        if first_error is not None:
            raise first_error

    # ------------------------------------------------------------- batches

    def _apply_batch_results(self, log, results):
        """Each operation's answer goes to its member row (``operation_id`` is
        ``<member id>:<kind>``); operations without an answer stay flagged."""
        Member = self.env["mailchimp.member"]
        now = fields.Datetime.now()
        parsed = []
        for result in results:
            member_id, _sep, kind = result.operation_id.partition(":")
            member_id = checks.digits(member_id)
            if member_id is not None and kind in OPERATION_KINDS:
                parsed.append((member_id, kind, result))
        members = Member.browse({mid for mid, _k, _r in parsed}).exists()
        by_id = {m.id: m for m in members if m.audience_id == self}
        synced = []
        for member_id, kind, result in parsed:
            if member_id in by_id:
                by_id[member_id]._apply_operation(kind, result, log, now, synced)
        Member._mark_synced(synced, now)
        Member._confirm_tags(
            [mid for mid, kind, r in parsed if kind == "tags" and r.ok and mid in by_id]
        )
        log._count("updated", len(synced))

    def _push_members_now(self, members):
        """Push ``members`` of this audience now with the run loop, 500 a
        call; the log. While a sync of the audience runs elsewhere, the
        members stay flagged and that sync sends them; a batch Mailchimp is
        still running is read by the next sync."""
        self.ensure_one()
        log = self.env["mailchimp.sync.log"].create({"audience_id": self.id})
        if not self._lock_for_sync():
            log.deferred = True
            log._add_line(self.env["mailchimp.member"], "info", MSG_DEFERRED)
            log._close()
            return log
        try:
            drive(PushRun(self, log, members=members))
        except MailchimpError:
            log._close(failed=True)
        else:
            log._close()
        return log


class _NotSent(Exception):
    """A queued batch that a failed call before it kept from being sent: its
    members stay flagged, untouched, for the next run."""


class _Ahead(parallel.Pipeline):
    """The push's pipeline: the batch just built is queued at once (a worker
    sends it the moment a connection frees), then the oldest answers are
    applied while the other calls are in flight: no connection waits for the
    run's thread to apply an answer. One batch more is held than there are
    connections (memory stays flat). After a failed call, a queued batch is
    not sent, as before."""

    def __init__(self, connections, apply):
        super().__init__(connections, apply)
        self._failed = threading.Event()

    def _call(self, client, fn, *args):
        if self._failed.is_set():
            raise _NotSent
        try:
            return fn(client, *args)
        except MailchimpError:
            self._failed.set()
            raise

    def send(self, context, fn, *args):
        while self._window and self._window[0][1].done():
            self._apply_oldest()
        if self.error is None:
            future = self.connections.submit(self._call, fn, *args)
            self._window.append((context, future))
        while len(self._window) > self.connections.limit:
            self._apply_oldest()

    def _apply_oldest(self):
        if isinstance(self._window[0][1].exception(), _NotSent):
            self._window.popleft()
            return
        super()._apply_oldest()
