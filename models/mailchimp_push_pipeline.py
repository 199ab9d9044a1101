"""The push step of a run: several batches of 500 members on the run's
parallel connections (the run's, ``services/parallel.py``).

The run's thread plans each batch (ORM reads, payloads), hands the HTTP call
to a worker and plans the next one while it is in flight; the answers are
applied by the run's thread in the order the batches were planned. The
``POST /batches`` operations of the members Mailchimp already has are
submitted the same way; the run then reads their results (its
``push_batch_id`` lists the ids, in order)."""

import threading
from functools import partial

from odoo import models

from ..services import MailchimpError, parallel, upsert

# batches of 500 a push step plans per connection before it waits for the
# last answers: a step stays bounded (memory, the cron's time budget)
CHUNKS_PER_CONNECTION = 4


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    def _push_step(self, log, run, among=None):
        """Send the next batches of flagged members (``among`` only, when
        given) on the ``run``'s connections; the number of members handled
        (0: none left)."""
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
                    if operations:
                        job = connections.submit(upsert.start, operations)
                        jobs.append((plan, job))
            if error is not None:
                plan.members._push_failed(plan, error)
            self.env.flush_all()  # the ORM cache stays small
            self.env.invalidate_all()

        pipeline = _Ahead(connections, answered)
        try:
            sent = self._push_chunks(log, client, among, pipeline)
        finally:
            try:
                pipeline.drain()  # every answer applied, then the first error raised
            finally:
                # batches Mailchimp accepted are read by a later step, whatever failed
                self._start_push_batches(client, log, jobs)
        return sent

    def _push_chunks(self, log, client, among, pipeline):
        sent = 0
        for _index in range(pipeline.connections.limit * CHUNKS_PER_CONNECTION):
            members = self._members_to_push(log, among)
            if not members or pipeline.error:
                break
            log._count("pushed", len(members))
            plan = members._push_prepare(log, client)
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
