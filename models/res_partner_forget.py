"""Forget in Mailchimp (GDPR erasure of a contact, README "A contact's life"):
the button does everything local, in its own transaction, and calls nothing;
Mailchimp's irreversible ``delete-permanent`` comes after that commit, from
the erasures cron (``mailchimp_erasure.py``), which retries what fails."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..services import subscriber_hash
from .mailchimp_access import MANAGER_GROUP


class ResPartner(models.Model):
    _inherit = "res.partner"

    def action_mailchimp_forget(self):
        """GDPR erasure: erased in Odoo's Mailchimp data and suppressed now,
        permanently deleted in every audience of every connected account as
        soon as this is saved (in the background)."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only Mailchimp managers can forget people."))
        partners = self.filtered("email_normalized")
        if not partners:
            raise UserError(self.env._("These contacts have no email to forget."))
        audiences = self.env["mailchimp.audience"].search(
            [("account_id.state", "=", "connected")]
        )
        hashes = partners._mailchimp_member_hashes()
        self.env["mailchimp.suppression"]._record(
            self.env["mailchimp.audience"],
            partners.mapped("email_normalized"),
            "forgotten",
        )
        erasures = self.env["mailchimp.erasure"]._request(partners, audiences, hashes)
        partners._mailchimp_erase_locally()
        partners._mailchimp_log_forget()
        return self.env["mailchimp.account"]._notify(
            partners._mailchimp_forget_message(erasures), "success"
        )

    def _mailchimp_forget_message(self, erasures):
        """What Forget did, for one person or several."""
        who = (
            self.display_name if len(self) == 1 else self.env._("%s people", len(self))
        )
        if not erasures:
            return self.env._(
                "%(who)s erased from Odoo's Mailchimp data; nothing new to delete "
                "in Mailchimp (no connected audience, or already asked).",
                who=who,
            )
        return self.env._(
            "%(who)s erased from Odoo's Mailchimp data; Mailchimp deletes the "
            "data permanently in the background from: %(audiences)s. You will be "
            "notified.",
            who=who,
            audiences=", ".join(erasures.audience_id.mapped("display_name")),
        )

    def _mailchimp_member_hashes(self):
        """``{partner id: member ids to delete}``: the current address's, and
        the ids Mailchimp gave their members (an address changed since)."""
        rows = self.sudo().mailchimp_member_ids
        hashes = {}
        for partner in self:
            known = rows.filtered(lambda r, p=partner: r.partner_id == p)
            hashes[partner.id] = {
                subscriber_hash(partner.email_normalized),
                *filter(None, known.mapped("mailchimp_id")),
            }
        return hashes

    def _mailchimp_erase_locally(self):
        """Odoo's Mailchimp data of these contacts goes (also rows of the same
        address left by other contacts); the contact is unticked without any
        push. Only real tables are deleted from: the campaign history is a
        view over the member activity, which goes with the members."""
        env = self.env(su=True)
        emails = self.mapped("email_normalized")
        by_contact_or_email = [
            "|",
            ("partner_id", "in", self.ids),
            ("email", "in", emails),
        ]
        members = env["mailchimp.member"].search(by_contact_or_email)
        env["mailchimp.member.activity"].search(
            [("member_id", "in", members.ids)]
        ).unlink()
        env["mailchimp.conversion"].search([("partner_id", "in", self.ids)]).unlink()
        env["mailchimp.sync.log.line"].search(by_contact_or_email).unlink()
        env["mailchimp.segment.member"].search(by_contact_or_email).unlink()
        env["mailchimp.list.export.member"].search([("email", "in", emails)]).unlink()
        members.unlink()
        env["mailchimp.campaign.history"].invalidate_model()
        self.sudo().with_context(mailchimp_no_sync=True, mail_notrack=True).write(
            {"mailchimp_sync": False}
        )
        self.invalidate_recordset()

    def _mailchimp_log_forget(self):
        """The GDPR request in the chatter: who and when, no personal data."""
        note = Markup("<p>%s</p>") % self.env._(
            "Erased from Mailchimp (GDPR request) by %(user)s on %(date)s.",
            user=self.env.user.name,
            date=format_date(self.env, fields.Date.context_today(self)),
        )
        self.sudo()._message_log_batch(
            dict.fromkeys(self.ids, note), author_id=self.env.user.partner_id.id
        )

    @api.model
    def _mailchimp_forgotten_reason(self):
        return self.env._(
            "Forgotten in Mailchimp (GDPR): this address is never sent again."
        )
