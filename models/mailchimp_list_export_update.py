"""List export: members Mailchimp already has are updated without stating a
status (``PUT`` with ``status_if_new``, bundled in ``POST /batches``), so an
export never re-subscribes anybody, even someone who unsubscribes while it
runs; the list's tag goes in the same batch, for taggable members only."""

from odoo.tools import SQL

from ..services import (
    BATCH_SIZE,
    SegmentAnswer,
    checks,
    chunks,
    find_segment,
    refusal_text,
    upsert,
)

# statuses Mailchimp lets us tag
TAGGABLE = {"subscribed", "pending", "transactional"}


def update_known(run, known, contact_of, results):
    """Update ``{email: payload}`` members; store ``results[email]`` as
    ``(outcome, status)`` with the status Mailchimp answered. An operation's
    id is its mailing contact's."""
    skip = run.audience.required_policy == "empty"
    ops = []
    for email, payload in known.items():
        key, contact_id = upsert.member_hash(email), contact_of[email]
        body = upsert.update_body(
            {"email_address": email, "merge_fields": payload.get("merge_fields") or {}},
            run.new_status,
        )
        ops.append(
            upsert.update_operation(run.list_id, key, body, f"{contact_id}:put", skip)
        )
        if payload.get("tags"):
            ops.append(
                upsert.tags_operation(
                    run.list_id, key, payload["tags"], f"{contact_id}:tags"
                )
            )
    batch_id = upsert.start(run.client, ops)
    # one status read, never a wait: Mailchimp runs one batch at a time, an
    # unfinished one is read by a later step (its id on the run's log)
    done = upsert.results_if_done(run.client, batch_id)
    if done is None:
        run.pending.append((batch_id, [[e, contact_of[e]] for e in known]))
        return
    apply_update_results(run, contact_of, results, done)


def apply_update_results(run, contact_of, results, batch_results):
    """Store ``(outcome, status)`` in ``results[email]`` from the results of
    an update batch of the members ``contact_of`` ``{email: contact id}``."""
    email_of = {contact_id: email for email, contact_id in contact_of.items()}
    for result in batch_results:
        contact_id, _sep, kind = result.operation_id.partition(":")
        email = email_of.get(checks.digits(contact_id))
        if email is None:
            continue
        if result.ok and kind == "put":
            results.setdefault(email, ("updated", result.status))
        elif not result.ok:
            results[email] = ("error", None)
            run._line("errors", contact_of[email], email, refusal_text(result.response))


class ExportTagging:
    """What an export remembers (who holds the tag) and the tag removal of
    members who left the list, 500 per call."""

    def _store(self, results, contact_of):
        counts = self.counts
        rows = []
        for email, (outcome, status) in results.items():
            tagged = outcome in ("added", "updated") and status in TAGGABLE
            if outcome == "added":
                counts["created"] += 1
            elif outcome == "updated":
                counts["updated"] += 1
            if tagged:
                counts["tagged"] += 1
            elif outcome == "updated":
                self._line(
                    "not_tagged",
                    contact_of[email],
                    email,
                    f"{(status or '').capitalize()} in Mailchimp: updated, not tagged.",
                )
            if outcome in ("added", "updated", "error"):
                rows.append(
                    SQL(
                        "(%s, %s, %s, %s, %s, %s, %s)",
                        self.export.id,
                        contact_of[email],
                        email,
                        status,
                        outcome,
                        tagged,
                        self.log.id,
                    )
                )
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO mailchimp_list_export_member
                       (export_id, contact_id, email, status, outcome, tagged, log_id)
                   VALUES %s
                   ON CONFLICT (export_id, email) DO UPDATE
                      SET contact_id = EXCLUDED.contact_id,
                          status = EXCLUDED.status,
                          outcome = EXCLUDED.outcome,
                          tagged = EXCLUDED.tagged OR (
                              mailchimp_list_export_member.tagged
                              AND EXCLUDED.outcome = 'error'),
                          log_id = EXCLUDED.log_id""",
                SQL(", ").join(rows),
            )
        )

    def _hold_pending(self):
        """The members of a batch Mailchimp has not finished keep their row
        (and their tag) under this run's log: they are no leavers; their
        outcome is stored when the results are read."""
        rows = [
            SQL("(%s, %s, %s, %s)", self.export.id, contact_id, email, self.log.id)
            for _batch, members in self.pending
            for email, contact_id in members
        ]
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO mailchimp_list_export_member
                       (export_id, contact_id, email, log_id)
                   VALUES %s
                   ON CONFLICT (export_id, email) DO UPDATE
                      SET log_id = EXCLUDED.log_id""",
                SQL(", ").join(rows),
            )
        )

    def _remove_leavers(self):
        """Members tagged by an earlier export and no longer in the list (or
        opted out) lose the tag; they stay in Mailchimp."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT id, email, contact_id, tagged
                     FROM mailchimp_list_export_member
                    WHERE export_id = %s AND (log_id IS NULL OR log_id != %s)
                 ORDER BY id""",
                self.export.id,
                self.log.id,
            )
        )
        leavers = cr.fetchall()
        tagged = [row for row in leavers if row[3]]
        segment_id = self._segment_id() if tagged else False
        for batch in chunks(tagged, BATCH_SIZE) if segment_id else ():
            answer = self.client.batch_segment(
                self.list_id, segment_id, remove=[row[1] for row in batch]
            )
            failed = SegmentAnswer.from_api(answer).failed
            for _id, email, contact_id, _tagged in batch:
                if email in failed:
                    continue  # no longer in the audience: nothing to remove
                self._line(
                    "untagged",
                    contact_id,
                    email,
                    "Left the mailing list: tag removed in Mailchimp.",
                )
        if leavers:
            cr.execute(
                SQL(
                    "DELETE FROM mailchimp_list_export_member WHERE id = ANY(%s)",
                    [row[0] for row in leavers],
                )
            )

    def _segment_id(self):
        """The Mailchimp id of the list's tag (a static segment)."""
        export = self.export
        if export.segment_id:
            return export.segment_id
        segment = find_segment(self.client.iter_segments(self.list_id), export.tag_name)
        if segment:
            export.segment_id = segment.id
            return segment.id
        return False

    # -------------------------------------------------------------- log
