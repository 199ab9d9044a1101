"""A segment's tag sent to Mailchimp: up to 500 additions and 500 removals a
call, several calls at once on the run's parallel connections
(``services/parallel.py``), their answers settled in order by the run's
thread. The first call creates the tag."""

from odoo import models
from odoo.tools import SQL

from ..services import (
    BATCH_SIZE,
    MailchimpError,
    RemoteSegment,
    SegmentAnswer,
    find_segment,
    parallel,
)
from .mailchimp_segment_sync import SEGMENT_REFUSALS, _checked


class MailchimpSegment(models.Model):
    _inherit = "mailchimp.segment"

    def _pending(self, state, limit=BATCH_SIZE):
        self.env.cr.execute(
            SQL(
                "SELECT id, email FROM mailchimp_segment_member "
                "WHERE segment_id = %s AND state = %s ORDER BY id LIMIT %s",
                self.id,
                state,
                limit,
            )
        )
        return self.env.cr.fetchall()

    def _send_next(self, log, run):
        """Send the next calls of 500 additions and 500 removals (the first
        additions create the tag). Returns the contacts sent."""
        self.ensure_one()
        try:
            if not self.mailchimp_id:
                return self._create_tag(log, run)
            return self._send_calls(log, run)
        except MailchimpError as error:
            if error.retryable or error.status not in SEGMENT_REFUSALS:
                raise
            self._refused(log, error)
            return 0

    def _create_tag(self, log, run):
        """The tag found in Mailchimp, else created with the first additions."""
        client = run.client
        list_id = self.audience_id.mailchimp_id
        found = find_segment(client.iter_segments(list_id), self.name)
        if found:
            self._link_tag(found)
            return self._send_calls(log, run)
        adds = self._pending("add")
        if not adds:
            return 0
        answer = client.create_static_segment(
            list_id, self.name, [email for _id, email in adds]
        )
        self._link_tag(_checked(RemoteSegment, answer))
        self._settle(log, adds, [], frozenset())
        return len(adds)

    def _send_calls(self, log, run):
        """Up to one call per connection at once, answers settled in order;
        after a refused call nothing more is sent and the refusal is raised."""
        connections = run.connections
        limit = connections.limit * BATCH_SIZE
        adds, removes = self._pending("add", limit), self._pending("remove", limit)
        sent = 0

        def settle(call, result, error):
            nonlocal sent
            if error is None:
                self.member_count = max(
                    0, self.member_count + result.added - result.removed
                )
                self._settle(log, *call, result.failed)
                sent += len(call[0]) + len(call[1])

        pipeline = parallel.Pipeline(connections, settle)
        list_id, segment_id = self.audience_id.mailchimp_id, int(self.mailchimp_id)
        for start in range(0, max(len(adds), len(removes)), BATCH_SIZE):
            end = start + BATCH_SIZE
            call = (adds[start:end], removes[start:end])
            emails = ([e for _i, e in call[0]], [e for _i, e in call[1]])
            pipeline.send(call, _segment_call, list_id, segment_id, *emails)
        pipeline.drain()
        return sent


def _segment_call(client, list_id, segment_id, add, remove):
    """On a worker: one call, its answer checked."""
    return _checked(
        SegmentAnswer, client.batch_segment(list_id, segment_id, add=add, remove=remove)
    )
