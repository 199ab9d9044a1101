"""The push batch of an audience run: submitted with ``POST /batches``, then
polled with bounded waits; a batch still running when a step ends is polled
again by the next step (the cron calls again), its members staying flagged."""

from odoo import fields, models

from ..services import MailchimpError, ResultsRefused, upsert
from .mailchimp_sync_run import PushRun

# waits (seconds) between status polls inside one step: at most 15 s
POLL_WAITS = (1, 2, 4, 8)
MSG_DEFERRED = "A sync of this audience is running: it sends these contacts."
MSG_RESULTS_REFUSED = "{error} Its contacts are sent again by the next sync."
OPERATION_KINDS = frozenset({"put", "restore", "tags", "unsubscribe", "archive"})


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    def _submit_push_batch(self, client, operations, log):
        log.push_batch_id = upsert.start(client, operations)
        return self._poll_push_batch(client, log)

    def _poll_push_batch(self, client, log, waits=POLL_WAITS):
        """Read the results of the run's batches (ids in the order submitted)
        that are finished; True when none is left. A batch still running
        stops the reading: the ones after it were submitted later."""
        self.ensure_one()
        pending = log.push_batch_id.split()
        while pending:
            try:
                results = upsert.results_when_done(client, pending[0], waits)
            except ResultsRefused as error:
                # never read (address, redirect, size): the members are sent again
                message = MSG_RESULTS_REFUSED.format(error=error)
                log._add_line(self.env["mailchimp.member"], "error", message)
                results = ()
            except MailchimpError as error:
                if error.status != 404:
                    raise
                results = ()  # results are kept 7 days: the members are sent again
            if results is None:
                break
            self._apply_batch_results(results, log)
            pending.pop(0)
        log.push_batch_id = " ".join(pending) or False
        return not pending

    def _apply_batch_results(self, results, log):
        """Each operation's answer goes to its member row (``operation_id`` is
        ``<member id>:<kind>``); operations without an answer stay flagged."""
        Member = self.env["mailchimp.member"]
        now = fields.Datetime.now()
        parsed = []
        for result in results:
            member_id, _sep, kind = result.operation_id.partition(":")
            if member_id.isdigit() and kind in OPERATION_KINDS:
                parsed.append((int(member_id), kind, result))
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
        """Push ``members`` of this audience now, 500 a call, with the run's
        push step; the log. While a sync of the audience runs elsewhere, the
        members stay flagged and that sync sends them."""
        self.ensure_one()
        log = self.env["mailchimp.sync.log"].create({"audience_id": self.id})
        if not self._lock_for_sync():
            log.deferred = True
            log._add_line(self.env["mailchimp.member"], "info", MSG_DEFERRED)
            log._close()
            return log
        run = PushRun(self, log, self.account_id._get_client(), members=members)
        try:
            finished = False
            while not finished and not log.push_batch_id:
                # a batch still running is read by the next sync's first step
                _done, finished = run.step()
        except MailchimpError:
            log._close(failed=True)
            return log
        log._close()
        return log
