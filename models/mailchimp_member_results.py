"""What Mailchimp answered to a push, stored per member: one SQL UPDATE a
batch for the members it confirmed, an error line for the others."""

from odoo import api, fields, models
from odoo.tools import SQL

from ..services import (
    PERMANENT_TITLES,
    InvalidItem,
    MailchimpError,
    RemoteMember,
    is_permanent_reason,
    parse_time,
    refusal_text,
)
from ..services.echo import echo_key

# Mailchimp's answer to archiving a member it cannot archive (api-notes §3)
NOT_ARCHIVABLE = 405


class MailchimpMember(models.Model):
    _inherit = "mailchimp.member"

    # ------------------------------------------------------------ results
    def _apply_operation(self, kind, result, log, now, synced):
        """Read one operation's answer; members Mailchimp confirmed are added
        to ``synced`` (stored together, one UPDATE a batch)."""
        self.ensure_one()
        if kind == "tags":
            if not result.ok:
                log._add_line(self, "error", "Tags: " + refusal_text(result.response))
            return
        if kind == "archive":
            return self._archived(result, log, now)
        if not result.ok:
            return self._mark_error(
                refusal_text(result.response), log, now, _permanent(result)
            )
        try:
            remote = RemoteMember.from_api(result.response)
        except InvalidItem as reason:
            return self._mark_error(
                f"Malformed answer from Mailchimp: {reason}", log, now
            )
        synced.append((self, remote, False))
        if kind == "restore":
            log._add_line(
                self,
                "info",
                f"Ticked again: restored to {remote.status} in Mailchimp (Odoo "
                "had archived it).",
            )
        elif remote.status in ("unsubscribed", "cleaned"):
            log._add_line(
                self,
                "info",
                f"{remote.status.capitalize()} in Mailchimp (was {self.status}): "
                "values updated, never re-subscribed by Odoo.",
            )

    def _archived(self, result, log, now):
        if result.status_code == NOT_ARCHIVABLE:
            return self._not_archivable(result, log, now)
        if not result.ok and result.status_code != 404:
            return self._mark_error(refusal_text(result.response), log, now)
        self.write(
            {
                "status_before_archive": self.status,
                "status": "archived",
                "archived_by_odoo": result.ok,
                "need_sync": False,
                "last_sync": now,
                "last_error": False,
            }
        )
        if result.ok:
            log._count("archived")

    def _not_archivable(self, result, log, now):
        """Mailchimp answers 405 to archiving a bounced (cleaned), pending or
        archived member ("Can not archive a contact that is bounced, pending
        or archived": api-notes §3, §6): it stays as it is in Mailchimp and
        the DELETE is not sent again."""
        self.write({"need_sync": False, "last_sync": now, "last_error": False})
        log._add_line(
            self,
            "info",
            f"Left in Mailchimp as it is ({self.status}): "
            + refusal_text(result.response),
        )

    @api.model
    def _mark_synced(self, entries, now):
        """Store what Mailchimp answered for ``[(member, remote, created)]``.

        One SQL UPDATE for the whole batch (the rows have no stored
        dependents): this is the hot path of a push. The consent date and
        source change only when consent changes: now and Odoo for a member
        Odoo created; Mailchimp's own opt-in time the first time Odoo links a
        member Mailchimp had; Mailchimp's change time when it changed status."""
        if not entries:
            return
        members = self.browse([member.id for member, _r, _c in entries])
        members.flush_recordset()
        rows = [
            _synced_row(member, remote, created, now)
            for member, remote, created in entries
        ]
        self.env.cr.execute(
            SQL(
                """UPDATE mailchimp_member m
                      SET mailchimp_id = v.mid, web_id = v.web, email = v.email,
                          status = v.status, last_changed = v.changed,
                          need_sync = FALSE, last_sync = %(now)s,
                          last_error = NULL, last_error_date = NULL,
                          archived_by_odoo = FALSE, remote_hash = v.hash,
                          echo_key = v.echo,
                          consent_date = COALESCE(v.consent_date, m.consent_date),
                          consent_source = COALESCE(v.consent_source, m.consent_source),
                          write_date = %(now)s, write_uid = %(uid)s
                     FROM (VALUES %(rows)s)
                       AS v(id, mid, web, email, status, changed, consent_date,
                            consent_source, hash, echo)
                    WHERE m.id = v.id""",
                now=now,
                uid=self.env.uid,
                rows=SQL(", ").join(rows),
            )
        )
        members.invalidate_recordset()
        members.partner_id.invalidate_recordset()  # their related Mailchimp fields

    def _mark_error(self, message, log, now, permanent=None):
        """A refusal: a permanent one (by Mailchimp's error title when known,
        else by its message) waits until the contact changes."""
        self.write(
            {
                "last_error": message,
                "last_error_date": now,
                "need_sync": not (
                    is_permanent_reason(message) if permanent is None else permanent
                ),
            }
        )
        log._add_line(self, "error", message)

    def _skip(self, log, reason, kind="skipped"):
        self.write(
            {
                "need_sync": False,
                "last_error": reason,
                "last_error_date": fields.Datetime.now(),
            }
        )
        log._add_line(self, kind, reason)

    def _push_email_change(self, client, payload, log, now):
        """Update the member in place through its old hash: history is kept."""
        try:
            remote = client.update_member(
                self.audience_id.mailchimp_id, self.mailchimp_id, payload
            )
        except MailchimpError as error:
            if error.retryable:
                raise
            self._mark_error(str(error), log, now)
            return
        try:
            checked = RemoteMember.from_api(remote)
        except InvalidItem as reason:
            self._mark_error(f"Malformed answer from Mailchimp: {reason}", log, now)
            return
        self._mark_synced([(self, checked, False)], now)
        log._count("updated")


def _synced_row(member, remote, created, now):
    """One row of the batch UPDATE, from a checked :class:`RemoteMember`."""
    changed = remote.changed_at or now
    consent_date = consent_source = None
    if created:
        consent_date, consent_source = now, "odoo"
    elif not member.status:  # Mailchimp had it first: its own opt-in
        consent_date = parse_time(remote.timestamp_opt) or changed
        consent_source = "mailchimp"
    elif remote.status != member.status:
        consent_date, consent_source = changed, "mailchimp"
    fingerprint = remote.fingerprint()
    return SQL(
        "(%s, %s, %s, %s, %s, %s::timestamp, %s::timestamp, %s, %s, %s)",
        member.id,
        remote.id,
        remote.web_id or member.web_id or 0,
        remote.email,
        remote.status,
        changed,
        consent_date,
        consent_source,
        fingerprint,
        echo_key(remote, fingerprint) if remote.last_changed else None,
    )


def _permanent(result):
    """Whether a refused operation will fail again whatever is retried:
    Mailchimp's error title says so (compliance state, forgotten, invalid
    data); server errors and rate limits are not."""
    title = result.title
    if title:
        return title in PERMANENT_TITLES
    return 400 <= result.status_code < 500 and result.status_code != 429
