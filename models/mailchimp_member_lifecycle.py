"""Member state for a contact's whole life: asked to subscribe again."""

from odoo import fields, models
from odoo.exceptions import UserError

from ..services import MailchimpError, email_and_status


class MailchimpMember(models.Model):
    _inherit = "mailchimp.member"

    resubscribe_asked_at = fields.Datetime("Asked to subscribe again", copy=False)
    resubscribe_source = fields.Char("How they asked to subscribe again", copy=False)

    def _ask_to_resubscribe(self, source, now):
        """``PATCH`` the member to ``pending``: Mailchimp emails the person."""
        self.ensure_one()
        try:
            client = self.audience_id.account_id._get_client()
            remote = client.update_member(
                self.audience_id.mailchimp_id, self.mailchimp_id, {"status": "pending"}
            )
        except MailchimpError as error:
            raise UserError(
                self.env._(
                    "Mailchimp refused for %(email)s: %(error)s",
                    email=self.email,
                    error=error,
                )
            ) from None
        self._clear_need_sync(
            {
                "status": email_and_status(remote)[1] or "pending",
                "resubscribe_asked_at": now,
                "resubscribe_source": source,
                "last_error": False,
            }
        )
