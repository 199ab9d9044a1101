"""Emails Mailchimp must never get back from Odoo.

A contact deleted in Odoo leaves a tombstone in its audience, so "create
contacts from Mailchimp" never brings it back; a person forgotten in Mailchimp
(GDPR) leaves a suppression for every audience, so no pull, webhook, export or
push re-adds them. Only a hash of the email is kept.
"""

import hashlib

from odoo import api, fields, models
from odoo.tools import email_normalize

REASONS = [("deleted", "Deleted in Odoo"), ("forgotten", "Forgotten (GDPR)")]


def email_digest(email, normalized=False):
    """SHA-256 of the normalized address: the email itself is not kept.
    ``normalized``: the caller's email is already Odoo's normalized form."""
    if not normalized:
        email = email_normalize(email or "") or (email or "").strip().lower()
    return hashlib.sha256(email.encode()).hexdigest()


class MailchimpSuppression(models.Model):
    _name = "mailchimp.suppression"
    _description = "Email Mailchimp must not get back from Odoo"
    _order = "id desc"
    _rec_name = "email_hash"

    email_hash = fields.Char(required=True, index=True, readonly=True)
    audience_id = fields.Many2one(
        "mailchimp.audience",
        ondelete="cascade",
        index=True,
        readonly=True,
        help="Empty: every audience (a person forgotten everywhere).",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    reason = fields.Selection(REASONS, required=True, readonly=True)
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True
    )

    @api.model
    def _record(self, audience, emails, reason):
        """Remember ``emails`` (for ``audience``, or every audience): the
        code's own record, whoever deleted the contact."""
        company = audience.company_id or self.env.company
        digests = {email_digest(e) for e in emails if e}
        known = set(
            self.sudo()
            .search(
                [
                    ("email_hash", "in", list(digests)),
                    ("audience_id", "=", audience.id or False),
                    ("reason", "=", reason),
                ]
            )
            .mapped("email_hash")
        )
        return self.sudo().create(
            [
                {
                    "email_hash": digest,
                    "audience_id": audience.id or False,
                    "company_id": company.id,
                    "reason": reason,
                }
                for digest in digests - known
            ]
        )

    @api.model
    def _suppressed(self, audience, emails, normalized=False):
        """``{email: reason}`` of the ``emails`` Odoo must not re-add to
        ``audience``: deleted there, or forgotten anywhere (``normalized``:
        the emails are already normalized, as ``email_normalized`` is)."""
        by_digest = {email_digest(e, normalized): e for e in emails if e}
        if not by_digest:
            return {}
        rows = (
            self.sudo()
            .search(
                [
                    ("email_hash", "in", list(by_digest)),
                    "|",
                    ("audience_id", "=", False),
                    ("audience_id", "=", audience.id),
                ]
            )
            .sorted(lambda r: r.reason != "forgotten")  # forgotten first
        )
        result = {}
        for row in rows:
            result.setdefault(by_digest[row.email_hash], row.reason)
        return result

    @api.model
    def _forgotten(self, emails):
        """``{email: suppression}`` of the ``emails`` (normalized) forgotten in
        Mailchimp (GDPR), the latest request of each."""
        by_digest = {email_digest(e, normalized=True): e for e in emails if e}
        if not by_digest:
            return {}
        result = {}
        for row in self.sudo().search(
            [("email_hash", "in", list(by_digest)), ("reason", "=", "forgotten")],
            order="id desc",
        ):
            result.setdefault(by_digest[row.email_hash], row)
        return result
