"""The push batches of a run: submitted with ``POST /batches``, their status
read once per step, never waited for; a batch still running is read again by
the next step or cron call (``drive`` in ``mailchimp_sync_run.py``), its
members staying flagged."""

from odoo import fields, models

from ..services import MailchimpError, ResultsRefused, upsert
from .mailchimp_sync_run import PushRun, drive

MSG_DEFERRED = "A sync of this audience is running: it sends these contacts."
MSG_RESULTS_REFUSED = "{error} Its contacts are sent again by the next sync."
OPERATION_KINDS = frozenset({"put", "restore", "tags", "unsubscribe", "archive"})


class MailchimpSyncLog(models.Model):
    _inherit = "mailchimp.sync.log"

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

    def _apply_batch_results(self, log, results):
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
