"""What the contact's Mailchimp tab says about the contact, once: erased from
Mailchimp (GDPR) and by whom, ticked without an audience, not sent yet, or
not synced. One sentence, never two that contradict each other."""

from odoo import api, fields, models
from odoo.tools import format_date

from ..services import subscriber_hash
from .mailchimp_access import USER_GROUP


class ResPartner(models.Model):
    _inherit = "res.partner"

    mailchimp_forgotten = fields.Boolean(
        "Erased from Mailchimp",
        compute="_compute_mailchimp_notice",
        help="Forgotten in Mailchimp (GDPR request): this address is never "
        "sent to Mailchimp again.",
        groups=USER_GROUP,
    )
    mailchimp_notice = fields.Text(
        compute="_compute_mailchimp_notice", groups=USER_GROUP
    )
    mailchimp_notice_warning = fields.Boolean(
        compute="_compute_mailchimp_notice", groups=USER_GROUP
    )

    @api.depends(
        "email_normalized", "mailchimp_sync", "mailchimp_audience_id", "mailchimp_known"
    )
    def _compute_mailchimp_notice(self):
        forgotten = self.env["mailchimp.suppression"]._forgotten(
            self.mapped("email_normalized")
        )
        pending = self._mailchimp_pending_erasures()
        for partner in self:
            request = forgotten.get(partner.email_normalized)
            partner.mailchimp_forgotten = bool(request)
            notice, warning = (
                partner._mailchimp_forgotten_notice(request, pending[partner])
                if request
                else partner._mailchimp_sync_notice()
            )
            partner.mailchimp_notice = notice
            partner.mailchimp_notice_warning = warning

    def _mailchimp_pending_erasures(self):
        """``{partner: erasures Mailchimp has not confirmed}`` (by contact, or
        by the member id of its current address)."""
        partners = self.filtered("id")
        hashes = {
            subscriber_hash(p.email_normalized): p
            for p in partners.filtered("email_normalized")
        }
        erasures = (
            self.env["mailchimp.erasure"]
            .sudo()
            .search(
                [
                    "|",
                    ("partner_id", "in", partners.ids),
                    ("subscriber_hash", "in", list(hashes)),
                ]
            )
        )
        return {
            partner: erasures.filtered(
                lambda e, p=partner: e.partner_id == p
                or hashes.get(e.subscriber_hash) == p
            )
            for partner in self
        }

    def _mailchimp_forgotten_notice(self, request, pending):
        notice = self.env._(
            "Erased from Mailchimp (GDPR request) by %(user)s on %(date)s: this "
            "address is never sent to Mailchimp again.",
            user=request.user_id.name or self.env._("Odoo"),
            date=format_date(self.env, request.date),
        )
        if not pending:
            return notice, False
        errors = pending.filtered("last_error")
        if not errors:
            return notice + " " + self.env._(
                "Mailchimp is deleting it from: %(audiences)s.",
                audiences=", ".join(pending.audience_id.mapped("display_name")),
            ), False
        return notice + " " + self.env._(
            "Mailchimp has not deleted it yet from: %(audiences)s (last answer: "
            "%(error)s); the next run tries again.",
            audiences=", ".join(errors.audience_id.mapped("display_name")),
            error=errors[-1:].last_error,
        ), True

    def _mailchimp_sync_notice(self):
        """``(notice, warning)`` of a contact Mailchimp does not have."""
        if self.mailchimp_known:
            return False, False
        if not self.mailchimp_sync:
            return self.env._(
                "This contact is not in Mailchimp yet. Tick “Sync with Mailchimp” "
                "and save: the next synchronization sends it to the audience."
            ), False
        # ticked without an audience: the company's default one is given at
        # the save and at the next run (res_partner_audience.py)
        audience = self.mailchimp_audience_id or self._mailchimp_default_audience()
        if not audience:
            return self.env._(
                "“Sync with Mailchimp” is ticked but this contact has no audience: "
                "nothing is sent. Choose its audience here, or a default audience "
                "in Settings → Mailchimp."
            ), True
        return self.env._(
            "This contact is not in Mailchimp yet: the next synchronization sends "
            "it to the audience %(audience)s.",
            audience=audience.display_name,
        ), False
