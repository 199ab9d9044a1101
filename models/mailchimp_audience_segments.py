"""An audience's segments: Mailchimp's own read (all pages, ``count=1000``)
on import, on "Refresh from Mailchimp" and at the start of each run's
segments phase, then each segment of Odoo synced in bounded steps."""

import logging

from odoo import fields, models

from ..services import parse_segments
from .mailchimp_access import check_manager
from .mailchimp_errors import mailchimp_user_errors
from .mailchimp_segment import CTX_REFRESH

_logger = logging.getLogger(__name__)


class MailchimpSyncLog(models.Model):
    _inherit = "mailchimp.sync.log"

    # the segments phase of a run under way
    segment_phase = fields.Boolean(copy=False, readonly=True)
    segments_read = fields.Boolean(copy=False, readonly=True)
    segment_current_id = fields.Many2one(
        "mailchimp.segment", copy=False, readonly=True, ondelete="set null"
    )
    segment_last_id = fields.Integer(copy=False, readonly=True)
    segment_added = fields.Integer(copy=False, readonly=True)
    segment_removed = fields.Integer(copy=False, readonly=True)


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    # ------------------------------------------------------------- read
    def _refresh_segments(self, client=None, log=None):
        """Read every segment of the audience in Mailchimp and apply it."""
        self.ensure_one()
        client = client or self.account_id._get_client()
        items = list(client.iter_segments(self.mailchimp_id, kind=None))
        self._apply_remote_segments(items, log)

    def _apply_remote_segments(self, items, log=None):
        """Counts of Odoo's segments; Mailchimp's own imported read-only; a
        segment gone from Mailchimp removed (an Odoo segment's tag is created
        again by the next run)."""
        self.ensure_one()
        remotes, reasons = parse_segments(items)
        for reason in reasons:
            _logger.info("Segment of audience %s skipped: %s", self.id, reason)
        Segment = (
            self.env["mailchimp.segment"]
            .sudo()
            .with_context(active_test=False, **{CTX_REFRESH: True})
        )
        existing = Segment.search([("audience_id", "=", self.id)])
        ours = existing.filtered(lambda s: s.origin == "odoo")
        ours_by_id = {s.mailchimp_id: s for s in ours if s.mailchimp_id}
        ours_by_name = {s.name: s for s in ours if not s.mailchimp_id}
        theirs = {s.mailchimp_id: s for s in existing - ours}
        links, rest = {}, []
        for remote in remotes:
            key = str(remote.id)
            segment = ours_by_id.get(key)
            if not segment and remote.type == "static":
                segment = ours_by_name.pop(remote.name, None)
            if segment:
                links[key] = (segment, remote)
            else:
                rest.append(remote)
        kept = {str(r.id) for r in rest}
        # first the records no longer needed (a tag now linked to Odoo's); a
        # partial read (a malformed item) deletes nothing
        if not reasons:
            (existing - ours).filtered(lambda s: s.mailchimp_id not in kept).unlink()
        for key, (segment, remote) in links.items():
            _write_changed(segment, _remote_vals(remote, mailchimp_id=key))
        new = []
        for remote in rest:
            vals = _remote_vals(remote, name=remote.name)
            if str(remote.id) in theirs:
                _write_changed(theirs[str(remote.id)], vals)
                continue
            vals.update(mailchimp_id=str(remote.id), origin="mailchimp")
            new.append(dict(vals, audience_id=self.id))
        Segment.create(new)
        if not reasons:
            lost = ours.filtered(
                lambda s: s.mailchimp_id and s.mailchimp_id not in links
            )
            lost._lost(log)

    # ------------------------------------------------------------- run
    def _start_segment_phase(self, log):
        """After the push: whether the run goes on with the segments."""
        self.ensure_one()
        if not self.env["mailchimp.segment"].search_count(
            [("audience_id", "=", self.id)], limit=1
        ):
            return False
        log.segment_phase = True
        return True

    def _segment_step(self, log, run):
        """One unit of the segments phase: Mailchimp's segments read, or a
        segment planned, or one call of a segment's tag. ``(done, finished)``."""
        self.ensure_one()
        if not log.segments_read:
            self._refresh_segments(run.client, log)
            log.segments_read = True
            return 1, False
        segment = log.segment_current_id
        if not segment:
            segment = self.env["mailchimp.segment"].search(
                [
                    ("audience_id", "=", self.id),
                    ("origin", "=", "odoo"),
                    ("id", ">", log.segment_last_id),
                ],
                order="id",
                limit=1,
            )
            if not segment:
                return 0, True
            log.segment_current_id = segment
            if not segment._plan(log):
                segment._end_sync(log)
            return 1, False
        done = segment._send_next(log, run)
        if not done:
            segment._end_sync(log)
        return done, False

    # ------------------------------------------------------------- buttons
    def action_refresh_segments(self):
        check_manager(self)
        for audience in self:
            with mailchimp_user_errors(self.env):
                audience.sudo()._refresh_segments()
        return self.env["mailchimp.account"]._notify(
            self.env._("Segments read from Mailchimp."), "success"
        )


class MailchimpSegment(models.Model):
    _inherit = "mailchimp.segment"

    def _lost(self, log):
        """Odoo's tags deleted in Mailchimp: nobody holds them any more."""
        for segment in self:
            segment._forget_tag()
            if log:
                log._add_line(
                    self.env["mailchimp.member"],
                    "info",
                    self.env._(
                        "Segment “%s”: its tag was deleted in Mailchimp; it is "
                        "created again.",
                        segment.name,
                    ),
                )


def _remote_vals(remote, **extra):
    return dict(extra, member_count=remote.member_count, segment_type=remote.type)


def _write_changed(record, vals):
    """Write only what changed (a refresh of many segments stays cheap)."""
    changed = {k: v for k, v in vals.items() if record[k] != v}
    if changed:
        record.write(changed)
