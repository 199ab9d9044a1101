"""A segment's tag kept in Mailchimp, the third phase of an audience's run:
planned once per run (its filter searched as the user who saved it, within
the contacts ticked for the audience that Mailchimp has; who gets and who
loses the tag written by SQL in ``mailchimp.segment.member``), then sent 500
additions and 500 removals a call. The brake holds a mass removal until a
manager applies it. The run's place is on its sync log."""

from odoo import fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..compat import Constraint
from ..services import (
    InvalidItem,
    MalformedResponse,
)
from .mailchimp_segment import CTX_REFRESH
from .mailchimp_segment_filter import FILTER_ERRORS, SegmentFilterError

BRAKE_SHARE = 0.5  # a run may remove the tag from at most half its holders...
BRAKE_MIN = 50  # ...or from at most this many contacts
# Mailchimp refusals that concern one segment only (the run goes on)
SEGMENT_REFUSALS = (400, 404)


class MailchimpSegmentMember(models.Model):
    _name = "mailchimp.segment.member"
    _description = "Contact holding a segment's tag"
    _order = "segment_id, id"
    _rec_name = "email"

    segment_id = fields.Many2one(
        "mailchimp.segment", required=True, ondelete="cascade", index=True
    )
    # set null: a deleted contact loses the tag at the next sync
    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True)
    email = fields.Char(required=True)
    state = fields.Selection(
        [("add", "To tag"), ("held", "Tagged"), ("remove", "To untag")],
        required=True,
        default="add",
    )

    _segment_partner_uniq = Constraint(
        "unique(segment_id, partner_id)",
        "A contact holds a segment's tag once.",
    )


class MailchimpSegment(models.Model):
    _inherit = "mailchimp.segment"

    # ------------------------------------------------------------- plan
    def _wanted(self):
        """``[(partner id, email)]``: contacts of the filter, searched as the
        user who saved it, ticked for the audience, that Mailchimp has."""
        user = self.domain_user_id
        company = self.company_id
        if not user:
            raise SegmentFilterError(
                self.env._("the user who saved the filter no longer exists")
            )
        if company and company not in user.company_ids:
            raise SegmentFilterError(
                self.env._("%s, who saved the filter, left the company", user.name)
            )
        Partner = (
            self.env["res.partner"]
            .with_user(user)
            .with_context(allowed_company_ids=(company or user.company_id).ids)
        )
        try:
            domain = self._full_domain(Partner.env)
            with self.env.cr.savepoint():
                query = Partner._search(domain)
                self.env.cr.execute(
                    SQL(
                        """SELECT m.partner_id, lower(m.email)
                             FROM mailchimp_member m
                            WHERE m.audience_id = %s AND m.mailchimp_id IS NOT NULL
                              AND m.email IS NOT NULL
                              AND m.status IS DISTINCT FROM 'archived'
                              AND m.partner_id IN %s""",
                        self.audience_id.id,
                        query.subselect(),
                    )
                )
                return self.env.cr.fetchall()
        except AccessError as error:
            raise SegmentFilterError(str(error)) from None
        except FILTER_ERRORS as error:
            raise SegmentFilterError(
                self.env._("it cannot be searched (%s)", error)
            ) from None

    def _plan(self, log):
        """Write who gets and who loses the tag. False when the filter fails
        (the segment is skipped, nothing changes)."""
        self.ensure_one()
        self.env.flush_all()
        try:
            wanted = self._wanted()
        except SegmentFilterError as error:
            self._skip(log, str(error))
            return False
        cr = self.env.cr
        rows = SQL(
            "SELECT * FROM unnest(%s::int4[], %s::varchar[]) AS w(partner_id, email)",
            [row[0] for row in wanted],
            [row[1] for row in wanted],
        )
        self._add_entrants(rows)
        leaving = SQL(
            """FROM mailchimp_segment_member s
              WHERE s.segment_id = %(id)s AND s.state = 'held'
                AND (s.partner_id IS NULL OR s.partner_id NOT IN (
                     SELECT w.partner_id FROM (%(rows)s) w))""",
            id=self.id,
            rows=rows,
        )
        cr.execute(SQL("SELECT count(*) %s", leaving))
        leavers = cr.fetchone()[0]
        if leavers and self._brake_holds(leavers, empty=not wanted):
            self._hold(log, leavers)
        else:
            cr.execute(
                SQL(
                    "UPDATE mailchimp_segment_member SET state = 'remove' "
                    "WHERE id IN (SELECT s.id %s)",
                    leaving,
                )
            )
            self.write(
                {"state": "synced", "held_removals": 0, "removals_confirmed": False}
            )
        self.env["mailchimp.segment.member"].invalidate_model()
        return True

    def _add_entrants(self, rows):
        """Rows ``add`` for the contacts of ``rows`` (an SQL of partner ids
        and emails) who do not hold the tag; holders' emails kept current. A
        run that stopped halfway is planned again from who holds the tag."""
        self._forget_pending()
        self.env.cr.execute(
            SQL(
                """UPDATE mailchimp_segment_member s SET email = w.email
                     FROM (%(rows)s) w
                    WHERE s.segment_id = %(id)s AND s.partner_id = w.partner_id
                      AND s.email != w.email;
                   INSERT INTO mailchimp_segment_member
                          (segment_id, partner_id, email, state)
                   SELECT %(id)s, w.partner_id, w.email, 'add' FROM (%(rows)s) w
                    WHERE NOT EXISTS (
                          SELECT 1 FROM mailchimp_segment_member s
                           WHERE s.segment_id = %(id)s
                             AND s.partner_id = w.partner_id)""",
                id=self.id,
                rows=rows,
            )
        )

    def _brake_holds(self, leavers, empty):
        """Whether removing ``leavers`` holders waits for a manager: more than
        half of the holders and more than 50, or every holder because the
        filter matches nothing (never confirmed yet)."""
        if self.removals_confirmed:
            return False
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM mailchimp_segment_member "
                "WHERE segment_id = %s AND state = 'held'",
                self.id,
            )
        )
        holders = self.env.cr.fetchone()[0]
        return empty or (leavers > holders * BRAKE_SHARE and leavers > BRAKE_MIN)

    def _hold(self, log, leavers):
        self.write({"state": "waiting", "held_removals": leavers})
        log._add_line(
            self.env["mailchimp.member"],
            "info",
            self.env._(
                "Segment “%(name)s”: the filter would remove the tag from "
                "%(count)s contacts, more than the brake allows, so none was "
                "removed (new contacts were tagged). Check the filter, then "
                "click “Apply the removals” on the segment.",
                name=self.name,
                count=leavers,
            ),
        )

    def _skip(self, log, reason):
        self.write({"state": "error", "last_error": reason})
        log._add_line(
            self.env["mailchimp.member"],
            "error",
            self.env._(
                "Segment “%(name)s” skipped: its filter no longer works (%(reason)s). "
                "Nothing was changed in Mailchimp; save the filter again.",
                name=self.name,
                reason=reason,
            ),
        )

    # ------------------------------------------------------------- send
    def _link_tag(self, remote):
        """The segment's tag is ``remote`` (a :class:`RemoteSegment`); a copy
        imported as Mailchimp's own is dropped."""
        key = str(remote.id)
        self.env["mailchimp.segment"].sudo().with_context(
            active_test=False, **{CTX_REFRESH: True}
        ).search(
            [
                ("audience_id", "=", self.audience_id.id),
                ("origin", "=", "mailchimp"),
                ("mailchimp_id", "=", key),
            ]
        ).unlink()
        self.write({"mailchimp_id": key, "member_count": remote.member_count})

    def _settle(self, log, adds, removes, failed):
        """Record what the call did: added rows hold the tag; removed rows
        and additions Mailchimp could not make are forgotten."""
        tagged = [row_id for row_id, email in adds if email not in failed]
        dropped = [row_id for row_id, email in adds if email in failed]
        cr = self.env.cr
        cr.execute(
            SQL(
                """UPDATE mailchimp_segment_member SET state = 'held'
                    WHERE id = ANY(%s);
                   DELETE FROM mailchimp_segment_member WHERE id = ANY(%s)""",
                tagged,
                dropped + [row_id for row_id, _email in removes],
            )
        )
        self.env["mailchimp.segment.member"].invalidate_model()
        log._count("segment_added", len(tagged))
        log._count("segment_removed", len(removes))
        if dropped:
            log._add_line(
                self.env["mailchimp.member"],
                "info",
                self.env._(
                    "Segment “%(name)s”: %(count)s contacts are not in the audience "
                    "in Mailchimp and were not tagged.",
                    name=self.name,
                    count=len(dropped),
                ),
            )

    def _refused(self, log, error):
        """Mailchimp refused this segment's call: the segment waits for the
        next run (a tag deleted in Mailchimp is created again)."""
        self.write({"state": "error", "last_error": str(error)})
        self._forget_pending()
        if error.status == 404:
            self._forget_tag()
        log._add_line(
            self.env["mailchimp.member"],
            "error",
            self.env._(
                "Segment “%(name)s”: Mailchimp refused the tag (%(error)s).",
                name=self.name,
                error=str(error),
            ),
        )

    def _forget_pending(self):
        self.env.cr.execute(
            SQL(
                """DELETE FROM mailchimp_segment_member
                    WHERE segment_id = %(id)s AND state = 'add';
                   UPDATE mailchimp_segment_member SET state = 'held'
                    WHERE segment_id = %(id)s AND state = 'remove'""",
                id=self.id,
            )
        )
        self.env["mailchimp.segment.member"].invalidate_model()

    def _forget_tag(self):
        """The tag is gone from Mailchimp: nobody holds it any more."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM mailchimp_segment_member WHERE segment_id = ANY(%s)",
                self.ids,
            )
        )
        self.env["mailchimp.segment.member"].invalidate_model()
        self.write({"mailchimp_id": False, "member_count": 0, "state": "new"})

    def _end_sync(self, log):
        """The segment is done for this run: its summary on the log."""
        if log.segment_added or log.segment_removed:
            log._add_line(
                self.env["mailchimp.member"],
                "info",
                self.env._(
                    "Segment “%(name)s”: tag added to %(added)s contacts and removed "
                    "from %(removed)s in Mailchimp.",
                    name=self.name,
                    added=log.segment_added,
                    removed=log.segment_removed,
                ),
            )
        self.last_sync = fields.Datetime.now()
        if self.state != "error":
            self.last_error = False
        log.write(
            {
                "segment_last_id": self.id,
                "segment_current_id": False,
                "segment_added": 0,
                "segment_removed": 0,
            }
        )


def _checked(value_class, answer):
    """Mailchimp's answer as a checked value; a malformed one fails the run."""
    try:
        return value_class.from_api(answer)
    except InvalidItem as reason:
        raise MalformedResponse(f"a segment answer ({reason})") from None
