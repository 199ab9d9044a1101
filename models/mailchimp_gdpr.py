"""GDPR marketing permissions of audiences that have GDPR fields enabled.

Consent given in Odoo is sent only when it is recorded with its date and
source; a withdrawal made in Odoo is sent; a withdrawal made in Mailchimp is
never overridden by Odoo.
"""

from odoo import api, fields, models


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

    _sql_constraints = [
        (
            "permission_uniq",
            "unique(audience_id, mailchimp_id)",
            "A marketing permission is stored once per audience.",
        )
    ]


class MailchimpMemberConsent(models.Model):
    _name = "mailchimp.member.consent"
    _description = "Consent to a Mailchimp marketing permission"
    _order = "member_id, permission_id"

    member_id = fields.Many2one(
        "mailchimp.member", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(related="member_id.partner_id", store=True, index=True)
    permission_id = fields.Many2one(
        "mailchimp.marketing.permission", required=True, ondelete="cascade"
    )
    enabled = fields.Boolean("Consent given")
    date = fields.Datetime("Consent date")
    source = fields.Selection(
        [("odoo", "Odoo"), ("mailchimp", "Mailchimp"), ("import", "Import")]
    )
    withdrawn_in_mailchimp = fields.Boolean(
        readonly=True,
        help="The contact withdrew this consent in Mailchimp: Odoo never gives it "
        "back on their behalf.",
    )

    _sql_constraints = [
        (
            "member_permission_uniq",
            "unique(member_id, permission_id)",
            "One consent per member and permission.",
        )
    ]

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
        odoo_change = "enabled" in vals and not self.env.context.get(
            "mailchimp_no_sync"
        )
        if odoo_change:
            # a consent changed by a user is Odoo's, dated now, sent next run
            vals = dict(vals)
            vals.setdefault("source", "odoo")
            vals.setdefault("date", fields.Datetime.now())
        res = super().write(vals)
        if odoo_change:
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


class MailchimpMember(models.Model):
    _inherit = "mailchimp.member"

    consent_ids = fields.One2many("mailchimp.member.consent", "member_id")

    def _apply_remote_permissions(self, remote_permissions, changed):
        """Bring Mailchimp's marketing permissions into Odoo."""
        self.ensure_one()
        if not remote_permissions:
            return
        audience = self.audience_id
        Permission = self.env["mailchimp.marketing.permission"].sudo()
        known = {p.mailchimp_id: p for p in audience.marketing_permission_ids}
        consents = {c.permission_id.mailchimp_id: c for c in self.consent_ids}
        Consent = self.env["mailchimp.member.consent"].with_context(
            mailchimp_no_sync=True
        )
        changed = changed or fields.Datetime.now()
        for remote in remote_permissions:
            perm_id = remote.get("marketing_permission_id")
            if not perm_id:
                continue
            if perm_id not in known:
                known[perm_id] = Permission.create(
                    {
                        "audience_id": audience.id,
                        "mailchimp_id": perm_id,
                        "text": remote.get("text") or perm_id,
                    }
                )
            enabled = bool(remote.get("enabled"))
            consent = consents.get(perm_id)
            if not consent:
                Consent.create(
                    {
                        "member_id": self.id,
                        "permission_id": known[perm_id].id,
                        "enabled": enabled,
                        # a consent never given has no date
                        "date": enabled and changed,
                        "source": enabled and "mailchimp",
                    }
                )
            elif consent.enabled and not enabled:
                if consent.source == "odoo" and consent.date and consent.date > changed:
                    continue  # consent given in Odoo after this version
                consent.with_context(mailchimp_no_sync=True).write(
                    {
                        "enabled": False,
                        "date": changed,
                        "source": "mailchimp",
                        "withdrawn_in_mailchimp": True,
                    }
                )
            elif enabled and not consent.enabled:
                if consent.source == "odoo" and consent.date and consent.date > changed:
                    continue  # withdrawn in Odoo after this version: sent next
                consent.with_context(mailchimp_no_sync=True).write(
                    {
                        "enabled": True,
                        "date": changed,
                        "source": "mailchimp",
                        "withdrawn_in_mailchimp": False,
                    }
                )


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    gdpr_enabled = fields.Boolean(
        "GDPR fields", readonly=True, help="The audience has marketing permissions."
    )
    marketing_permission_ids = fields.One2many(
        "mailchimp.marketing.permission", "audience_id", string="Marketing permissions"
    )

    @api.model
    def _vals_from_remote(self, remote):
        vals = super()._vals_from_remote(remote)
        vals["gdpr_enabled"] = bool(remote.get("marketing_permissions"))
        return vals


class ResPartner(models.Model):
    _inherit = "res.partner"

    mailchimp_consent_ids = fields.One2many(
        "mailchimp.member.consent",
        "partner_id",
        string="Marketing permissions",
        groups="mailchimp_sync.group_mailchimp_user",
    )
