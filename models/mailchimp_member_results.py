"""What Mailchimp answered to a push, stored per member: the members it
confirmed in one SQL UPDATE a batch (``_mark_synced``,
mailchimp_sync_state.py), an error line for the others."""

from odoo import fields, models

from ..services import (
    PERMANENT_TITLES,
    UNSUBSCRIBED_OR_CLEANED,
    InvalidItem,
    MailchimpError,
    RemoteMember,
    refusal_text,
)

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
        elif remote.status in UNSUBSCRIBED_OR_CLEANED:
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
        self._clear_need_sync(
            {
                "status_before_archive": self.status,
                "status": "archived",
                "archived_by_odoo": result.ok,
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
        self._clear_need_sync({"last_sync": now, "last_error": False})
        log._add_line(
            self,
            "info",
            f"Left in Mailchimp as it is ({self.status}): "
            + refusal_text(result.response),
        )

    def _skip(self, log, reason, kind="skipped"):
        self._clear_need_sync(
            {"last_error": reason, "last_error_date": fields.Datetime.now()}
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


def _permanent(result):
    """Whether a refused operation will fail again whatever is retried:
    Mailchimp's error title says so (compliance state, forgotten, invalid
    data); server errors and rate limits are not."""
    title = result.title
    if title:
        return title in PERMANENT_TITLES
    return 400 <= result.status_code < 500 and result.status_code != 429
