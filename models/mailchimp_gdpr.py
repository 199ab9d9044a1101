"""GDPR marketing permissions of audiences that have GDPR fields enabled.

Consent given in Odoo is sent only when it is recorded with its date and
source; a withdrawal made in Odoo is sent; a withdrawal made in Mailchimp is
never overridden by Odoo.
"""

import logging

from odoo import api, fields, models

from ..compat import Constraint
from ..services import InvalidItem, RemotePermission
from .mailchimp_member import CONSENT_SOURCES

_logger = logging.getLogger(__name__)


class MailchimpMarketingPermission(models.Model):
    _name = "mailchimp.marketing.permission"
    _description = "Mailchimp GDPR marketing permission"
    _order = "audience_id, id"
    _rec_name = "text"

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    mailchimp_id = fields.Char("Permission id", required=True)
    text = fields.Char(required=True)

    _permission_uniq = Constraint(
        "unique(audience_id, mailchimp_id)",
        "A marketing permission is stored once per audience.",
    )

    @api.model
    def _known(self, audience, permissions):
        """``{Mailchimp id: permission}`` of ``audience``, the permissions
        among ``permissions`` (:class:`RemotePermission`) it lacked created."""
        known = {p.mailchimp_id: p for p in audience.marketing_permission_ids}
        for permission in permissions:
            perm_id = permission.marketing_permission_id
            if perm_id not in known:
                known[perm_id] = self.sudo().create(
                    {
                        "audience_id": audience.id,
                        "mailchimp_id": perm_id,
                        "text": permission.text,
                    }
                )
        return known


class MailchimpMemberConsent(models.Model):
    _name = "mailchimp.member.consent"
    _inherit = ["mailchimp.sync.owned"]
    _description = "Consent to a Mailchimp marketing permission"
    _order = "member_id, permission_id"
    # a manager gives or withdraws a consent; its date and source are set by
    # the server, its rows come with the member's permissions
    _mailchimp_user_fields = frozenset({"enabled"})
    _mailchimp_sync_records = True

    member_id = fields.Many2one(
        "mailchimp.member", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(related="member_id.partner_id", store=True, index=True)
    permission_id = fields.Many2one(
        "mailchimp.marketing.permission", required=True, ondelete="cascade"
    )
    enabled = fields.Boolean("Consent given")
    date = fields.Datetime("Consent date")
    source = fields.Selection(CONSENT_SOURCES)
    withdrawn_in_mailchimp = fields.Boolean(
        readonly=True,
        help="The contact withdrew this consent in Mailchimp: Odoo never gives it "
        "back on their behalf.",
    )

    _member_permission_uniq = Constraint(
        "unique(member_id, permission_id)",
        "One consent per member and permission.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("mailchimp_no_sync"):
            now = fields.Datetime.now()
            for vals in vals_list:
                if vals.get("enabled"):  # a consent never given has no date
                    vals.setdefault("source", "odoo")
                    vals.setdefault("date", now)
        consents = super().create(vals_list)
        if not self.env.context.get("mailchimp_no_sync"):
            consents.member_id._mark_need_sync()
        return consents

    def write(self, vals):
        # Mailchimp's answers are written by the code (as superuser): a
        # context key alone proves nothing
        from_mailchimp = self.env.su and self.env.context.get("mailchimp_no_sync")
        res = super().write(vals)
        if "enabled" in vals and not from_mailchimp:
            # a consent changed by a user is Odoo's, dated now, sent next run
            stamp = {"source": "odoo", "date": fields.Datetime.now()}
            self.sudo().with_context(mailchimp_no_sync=True).write(
                {key: value for key, value in stamp.items() if key not in vals}
            )
            self.member_id._mark_need_sync()
        return res

    def _payload(self):
        """``marketing_permissions`` to send for these consents."""
        payload = []
        for consent in self:
            if not (consent.date and consent.source):
                continue  # undocumented consent is never sent
            if consent.enabled and consent.withdrawn_in_mailchimp:
                continue  # Mailchimp's withdrawal stands
            payload.append(
                {
                    "marketing_permission_id": consent.permission_id.mailchimp_id,
                    "enabled": consent.enabled,
                }
            )
        return payload

    def _apply_remote_answer(self, enabled, changed):
        """Mailchimp's answer (given at ``changed``), unless this consent was
        changed in Odoo after that: Odoo's change is then sent next."""
        self.ensure_one()
        if self.enabled == enabled:
            return
        if self.source == "odoo" and self.date and self.date > changed:
            return
        self.with_context(mailchimp_no_sync=True).write(
            {
                "enabled": enabled,
                "date": changed,
                "source": "mailchimp",
                "withdrawn_in_mailchimp": not enabled,
            }
        )


class MailchimpMember(models.Model):
    _inherit = "mailchimp.member"

    consent_ids = fields.One2many("mailchimp.member.consent", "member_id")

    def _apply_remote_permissions(self, remote_permissions, changed):
        """Bring Mailchimp's marketing permissions (a member's
        ``marketing_permissions`` items) into Odoo."""
        self.ensure_one()
        permissions = self._checked_permissions(remote_permissions)
        if not permissions:
            return
        known = self.env["mailchimp.marketing.permission"]._known(
            self.audience_id, permissions
        )
        consents = {c.permission_id.mailchimp_id: c for c in self.consent_ids}
        changed = changed or fields.Datetime.now()
        new_consents = []
        for permission in permissions:
            perm_id = permission.marketing_permission_id
            if perm_id in consents:
                consents[perm_id]._apply_remote_answer(permission.enabled, changed)
                continue
            new_consents.append(
                {
                    "member_id": self.id,
                    "permission_id": known[perm_id].id,
                    "enabled": permission.enabled,
                    # a consent never given has no date
                    "date": permission.enabled and changed,
                    "source": permission.enabled and "mailchimp",
                }
            )
        self.env["mailchimp.member.consent"].with_context(
            mailchimp_no_sync=True
        ).create(new_consents)

    def _checked_permissions(self, remote_permissions):
        """:class:`RemotePermission` values, one per permission; malformed
        items are logged and left out."""
        permissions = {}
        for item in remote_permissions or ():
            try:
                permission = RemotePermission.from_api(item)
            except InvalidItem as reason:
                _logger.info(
                    "Mailchimp marketing permission of member %s skipped: %s",
                    self.id,
                    reason,
                )
                continue
            permissions.setdefault(permission.marketing_permission_id, permission)
        return list(permissions.values())


class ResPartner(models.Model):
    _inherit = "res.partner"

    mailchimp_consent_ids = fields.One2many(
        "mailchimp.member.consent",
        "partner_id",
        string="Marketing permissions",
        groups="mailchimp_sync.group_mailchimp_user",
    )
