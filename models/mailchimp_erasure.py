"""GDPR erasures waiting for Mailchimp (README "A contact's life": Forget in
Mailchimp). ``delete-permanent`` cannot be undone, so it is called only after
the contact's "Forget in Mailchimp" transaction is committed, by the erasures
cron; a failed call stays pending with its status and title only (Mailchimp's
detail may quote the address). A 204, or a 404 (no such member), ends the
erasure, so a retry after a rollback only gets a 404 (``delete-permanent``:
/work/shared/mailchimp api-notes.md, "GDPR erase (204)"; a missing member is a
404 on every ``/lists/{list_id}/members/{subscriber_hash}`` path of
openapi.json)."""

import logging

from markupsafe import Markup

from odoo import api, fields, models

from ..compat import Constraint, cron_progress
from ..services import MailchimpError

_logger = logging.getLogger(__name__)

ERASURE_CRON = "mailchimp_sync.ir_cron_mailchimp_erasure"
ERASURES_PER_CALL = 200  # calls per cron call; the scheduler calls again
ALREADY_ERASED = (404,)  # Mailchimp has no such member: nothing left to erase
PARTNER_NOTICE_FIELDS = [
    "mailchimp_forgotten",
    "mailchimp_notice",
    "mailchimp_notice_warning",
]


class MailchimpErasure(models.Model):
    _name = "mailchimp.erasure"
    _description = "GDPR erasure waiting for Mailchimp"
    _order = "id"
    _rec_name = "audience_id"

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    subscriber_hash = fields.Char(
        required=True,
        index=True,
        help="Mailchimp's id of the member (MD5 of the address), kept only "
        "until Mailchimp has deleted the member.",
    )
    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True)
    attempts = fields.Integer(readonly=True)
    last_error = fields.Char(readonly=True)

    _audience_hash_uniq = Constraint(
        "unique(audience_id, subscriber_hash)",
        "An erasure is asked once per audience and member.",
    )

    @api.model
    def _request(self, partners, audiences, hashes_by_partner):
        """Pending erasures for each of ``partners`` in each of
        ``audiences`` (the member ids in ``hashes_by_partner``), the ones not
        pending already."""
        pending = {
            (e.audience_id.id, e.subscriber_hash)
            for e in self.sudo().search([("audience_id", "in", audiences.ids)])
        }
        vals_list = []
        for partner in partners:
            for audience in audiences:
                for digest in sorted(hashes_by_partner[partner.id]):
                    if (audience.id, digest) not in pending:
                        pending.add((audience.id, digest))
                        vals_list.append(
                            {
                                "audience_id": audience.id,
                                "subscriber_hash": digest,
                                "partner_id": partner.id,
                            }
                        )
        erasures = self.sudo().create(vals_list)
        self.env["res.partner"].invalidate_model(PARTNER_NOTICE_FIELDS)
        if erasures:
            self.env.ref(ERASURE_CRON)._trigger()
        return erasures

    @api.model
    def _cron_erase(self, limit=ERASURES_PER_CALL):
        """Send the pending erasures of connected accounts to Mailchimp; the
        scheduler calls again while some are left to try in this run."""
        # erasures tried the fewest times first: one failing again never
        # holds the others back
        pending = self.search(
            [("audience_id.account_id.state", "=", "connected")],
            order="attempts, id",
        )
        batch = pending[:limit]
        done = self.browse()
        for account in batch.audience_id.account_id:
            done |= batch.filtered(
                lambda e, a=account: e.audience_id.account_id == a
            )._erase_in(account)
        failed = batch - done
        done._confirm()
        # said once, on the first failure; the contact's tab shows the rest
        failed.filtered(lambda e: e.attempts == 1)._notify_requesters(done=0)
        # what the contacts' Mailchimp tab says depends on these rows
        self.env["res.partner"].invalidate_model(PARTNER_NOTICE_FIELDS)
        cron_progress(self.env, len(batch), len(pending) - len(batch))
        return len(failed)

    def _erase_in(self, account):
        """Call ``delete-permanent`` for each erasure of ``account``; returns
        the erasures Mailchimp has done (a failure is kept, with its reason)."""
        try:
            client = account._get_client()
        except MailchimpError as error:
            self._failed(error)
            return self.browse()
        done = self.browse()
        for erasure in self:
            try:
                client.delete_member_permanent(
                    erasure.audience_id.mailchimp_id, erasure.subscriber_hash
                )
            except MailchimpError as error:
                if error.status not in ALREADY_ERASED:
                    erasure._failed(error)
                    continue
            done |= erasure
        return done

    def _failed(self, error):
        reason = " ".join(str(p) for p in (error.status, error.title) if p) or (
            error.kind
        )
        _logger.info("Mailchimp erasure still pending (%s): %s", self.ids, reason)
        for erasure in self:
            erasure.write({"attempts": erasure.attempts + 1, "last_error": reason})

    def _confirm(self):
        """Mailchimp deleted these members: the rows (and their member ids)
        go; a contact none of whose erasures is left gets a chatter note."""
        partners = self.partner_id
        self._notify_requesters(done=len(self))
        self.unlink()
        left = set(self.search([("partner_id", "in", partners.ids)]).partner_id.ids)
        finished = partners.filtered(lambda p: p.id not in left)
        if finished:
            note = Markup("<p>%s</p>") % self.env._(
                "Mailchimp confirmed the permanent deletion (GDPR request) in "
                "every audience."
            )
            finished._message_log_batch(
                dict.fromkeys(finished.ids, note),
                author_id=self.env.ref("base.partner_root").id,
            )

    def _notify_requesters(self, done):
        """Tell who asked: how many deletions Mailchimp confirmed, or how many
        wait for the next run."""
        for user, erasures in self.grouped("create_uid").items():
            if not user or user._is_superuser():
                continue
            if done:
                message = self.env._(
                    "Forget in Mailchimp (GDPR): permanent deletions confirmed by "
                    "Mailchimp: %(count)s.",
                    count=len(erasures),
                )
            else:
                message = self.env._(
                    "Forget in Mailchimp (GDPR): permanent deletions not "
                    "confirmed yet: %(count)s (%(error)s); the next run tries "
                    "again.",
                    count=len(erasures),
                    error=erasures[:1].last_error,
                )
            user._bus_send(
                "simple_notification",
                {
                    "type": "success" if done else "warning",
                    "title": self.env._("Mailchimp"),
                    "message": message,
                    "sticky": not done,
                },
            )
