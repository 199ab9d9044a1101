from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from .mailchimp_access import USER_GROUP, check_manager

ALWAYS_SYNCED = {"email", "mailchimp_sync", "mailchimp_audience_id", "active"}


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "mailchimp.sync.mixin"]

    # Sync, exports and webhooks match contacts by normalized email, a batch
    # at a time: without an index each batch would scan every contact.
    email_normalized = fields.Char(index=True)
    # the contact's Mailchimp data: for the Mailchimp roles only
    mailchimp_sync = fields.Boolean(
        "Sync with Mailchimp",
        copy=False,
        tracking=True,
        help="Keep this contact in the Mailchimp audience.",
        groups=USER_GROUP,
    )
    mailchimp_audience_id = fields.Many2one(
        "mailchimp.audience",
        copy=False,
        help="Audience of this contact; the company's default audience when empty.",
        groups=USER_GROUP,
    )
    mailchimp_member_id = fields.Many2one(
        "mailchimp.member",
        compute="_compute_mailchimp_member_id",
        store=True,
        groups=USER_GROUP,
    )
    mailchimp_id = fields.Char(
        related="mailchimp_member_id.mailchimp_id",
        string="Mailchimp ID",
        groups=USER_GROUP,
    )
    mailchimp_status = fields.Selection(
        related="mailchimp_member_id.status",
        string="Mailchimp Status",
        groups=USER_GROUP,
    )
    mailchimp_consent_date = fields.Datetime(
        related="mailchimp_member_id.consent_date",
        string="Consent Date",
        groups=USER_GROUP,
    )
    mailchimp_consent_source = fields.Selection(
        related="mailchimp_member_id.consent_source",
        string="Consent Source",
        groups=USER_GROUP,
    )
    mailchimp_error = fields.Text(
        related="mailchimp_member_id.last_error",
        string="Mailchimp Error",
        groups=USER_GROUP,
    )
    mailchimp_rating = fields.Selection(
        related="mailchimp_member_id.member_rating",
        string="Member rating",
        groups=USER_GROUP,
    )
    # percents (25.0 is 25 %), as Mailchimp's figures are stored
    mailchimp_open_rate = fields.Float(
        related="mailchimp_member_id.avg_open_rate",
        string="Average open rate",
        groups=USER_GROUP,
    )
    mailchimp_click_rate = fields.Float(
        related="mailchimp_member_id.avg_click_rate",
        string="Average click rate",
        groups=USER_GROUP,
    )
    mailchimp_tags = fields.Char(
        related="mailchimp_member_id.tags",
        string="Mailchimp tags",
        groups=USER_GROUP,
    )
    mailchimp_url = fields.Char(
        related="mailchimp_member_id.mailchimp_url", groups=USER_GROUP
    )
    mailchimp_history_ids = fields.One2many(
        "mailchimp.campaign.history",
        "partner_id",
        string="Campaign history",
        groups=USER_GROUP,
    )
    mailchimp_campaign_count = fields.Integer(
        compute="_compute_mailchimp_campaign_count",
        groups=USER_GROUP,
    )
    mailchimp_log_line_ids = fields.One2many(
        "mailchimp.sync.log.line",
        "partner_id",
        string="Mailchimp Sync History",
        groups=USER_GROUP,
    )
    mailchimp_pending_since = fields.Datetime(
        related="mailchimp_member_id.resubscribe_asked_at",
        string="Pending since",
        groups=USER_GROUP,
    )
    mailchimp_resubscribe_source = fields.Char(
        related="mailchimp_member_id.resubscribe_source",
        string="How they asked",
        help="What the manager wrote when asking Mailchimp to send the "
        "confirmation email.",
        groups=USER_GROUP,
    )
    mailchimp_need_sync = fields.Boolean(
        related="mailchimp_member_id.need_sync",
        string="Waiting to be sent",
        groups=USER_GROUP,
    )
    mailchimp_member_shown_ids = fields.Many2many(
        "mailchimp.member",
        compute="_compute_mailchimp_member_shown",
        string="Audiences",
        help="The audiences that know this contact: with a Mailchimp id, a "
        "status or an error.",
        groups=USER_GROUP,
    )
    mailchimp_known = fields.Boolean(
        "In Mailchimp",
        compute="_compute_mailchimp_member_shown",
        help="An audience in Mailchimp has this contact.",
        groups=USER_GROUP,
    )

    @api.depends("mailchimp_member_ids.audience_id", "mailchimp_audience_id")
    def _compute_mailchimp_member_id(self):
        for partner in self:
            partner.mailchimp_member_id = partner.mailchimp_member_ids.filtered(
                lambda m, p=partner: m.audience_id == p.mailchimp_audience_id
            )[:1]

    @api.depends(
        "mailchimp_member_ids.mailchimp_id",
        "mailchimp_member_ids.status",
        "mailchimp_member_ids.last_error",
    )
    def _compute_mailchimp_member_shown(self):
        for partner in self:
            members = partner.mailchimp_member_ids
            partner.mailchimp_member_shown_ids = members.filtered(
                lambda m: m.mailchimp_id or m.status or m.last_error
            )
            partner.mailchimp_known = bool(
                members.filtered(lambda m: m.mailchimp_id or m.status)
            )

    def _compute_mailchimp_campaign_count(self):
        counts = dict(
            self.env["mailchimp.campaign.history"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.mailchimp_campaign_count = counts.get(partner, 0)

    def action_mailchimp_refresh(self):
        check_manager(self, "read")
        self.mailchimp_member_ids.sudo().action_refresh()
        return True

    def action_mailchimp_view_member(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": self.mailchimp_url,
            "target": "new",
        }

    def action_mailchimp_campaigns(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mailchimp campaigns of %s", self.display_name),
            "res_model": "mailchimp.campaign.history",
            "view_mode": "list",
            "domain": [("partner_id", "=", self.id)],
        }

    @tools.ormcache()
    def _mailchimp_mapped_fields(self):
        mappings = (
            self.env["mailchimp.field.mapping"]
            .sudo()
            .search([("direction", "!=", "mc_to_odoo")])
        )
        names = mappings._partner_fields()
        if self.env["mailchimp.audience"].sudo().search_count(
            [("export_categories", "=", True)], limit=1
        ) or self.env["mailchimp.tag.mapping"].sudo().search_count(
            [("direction", "!=", "mc_to_odoo")], limit=1
        ):
            names.add("category_id")
        groups = (
            self.env["mailchimp.interest.category"]
            .sudo()
            .search([("field_id", "!=", False), ("direction", "!=", "mc_to_odoo")])
        )
        names.update(groups.field_id.mapped("name"))
        return frozenset(names)

    def _mailchimp_synced_fields(self):
        return ALWAYS_SYNCED | self._mailchimp_mapped_fields()

    def _mailchimp_ticked_for(self, audience):
        """Whether this contact is synced with ``audience``."""
        self.ensure_one()
        return bool(
            self.active
            and self.mailchimp_sync
            and self.mailchimp_audience_id == audience
        )

    def _mailchimp_default_audience(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        return company.mailchimp_audience_id

    def _mailchimp_ensure_members(self):
        """Flagged partners get a member row in their audience (need_sync).
        The sync's own work, done as superuser: whoever edits the contact."""
        flagged = self.sudo().filtered(lambda p: p.mailchimp_sync)
        for partner in flagged.filtered(lambda p: not p.mailchimp_audience_id):
            audience = partner._mailchimp_default_audience()
            if audience:
                partner.with_context(
                    mailchimp_no_sync=True
                ).mailchimp_audience_id = audience
        # a person forgotten in Mailchimp (GDPR) gets no member again: the
        # tab says so, once (res_partner_notice.py)
        forgotten = self.env["mailchimp.suppression"]._forgotten(
            flagged.mapped("email_normalized")
        )
        self.env["mailchimp.member"].sudo()._create_flagged(
            [
                {"audience_id": p.mailchimp_audience_id.id, "partner_id": p.id}
                for p in flagged.filtered("mailchimp_audience_id")
                if p.email_normalized not in forgotten
                and p.mailchimp_audience_id not in p.mailchimp_member_ids.audience_id
            ]
        )

    def action_mailchimp_sync_now(self):
        """Push these contacts now (one batch call per 500); the message says
        what was done, and an error when nothing could be."""
        check_manager(self, "read")
        self._mailchimp_ensure_members()
        # the push writes the sync's own state: as the cron does, after the check
        members = self.sudo().mailchimp_member_ids.filtered(
            lambda m: m.audience_id.account_id.state == "connected"
        )
        if not members:
            raise UserError(self.sudo()._mailchimp_nothing_sent_reason())
        members._mark_need_sync(odoo_change=False)
        logs = members.env["mailchimp.sync.log"]
        for audience in members.audience_id:
            logs |= audience._push_members_now(members)
        return self.env["mailchimp.account"]._notify(
            *logs._push_summary(
                still_running=any(members.audience_id.mapped("push_batch_id"))
            )
        )

    def _mailchimp_nothing_sent_reason(self):
        if not self.filtered("email_normalized"):
            return self.env._("Nothing was sent: these contacts have no valid email.")
        if all(self.mapped("mailchimp_forgotten")):
            return self.env._(
                "Nothing was sent: erased from Mailchimp (GDPR request), this "
                "address is never sent again."
            )
        if not self.mapped("mailchimp_member_ids"):
            return self.env._(
                "Nothing was sent: tick “Sync with Mailchimp” and choose an audience "
                "(or a default audience in Mailchimp → Mailchimp settings)."
            )
        return self.env._(
            "Nothing was sent: the Mailchimp account of the audience is not "
            "connected (use “Test connection”)."
        )
