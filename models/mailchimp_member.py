import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..compat import Constraint
from ..services import (
    MEMBER_STATUSES,
    InvalidItem,
    RemoteMember,
    parse_activity_feed,
)
from .mailchimp_access import check_manager
from .mailchimp_campaign import admin_url
from .mailchimp_errors import mailchimp_user_errors

_logger = logging.getLogger(__name__)

# Mailchimp's engagement stars are 1 to 5; "0" is the empty first choice the
# priority widget needs to show five stars (a value of "2" is 2 of 5 stars).
MEMBER_RATINGS = [("0", "No rating")] + [(str(n), f"{n} of 5") for n in range(1, 6)]
CONSENT_SOURCES = [("odoo", "Odoo"), ("mailchimp", "Mailchimp"), ("import", "Import")]


class MailchimpMember(models.Model):
    _name = "mailchimp.member"
    _description = "Mailchimp Audience Member"
    _order = "audience_id, id"
    _rec_name = "email"

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    # set null: a deleted contact's member waits for the un-tick policy
    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True)
    mailchimp_id = fields.Char(
        "Mailchimp ID", index=True, copy=False, help="Subscriber hash in Mailchimp."
    )
    web_id = fields.Integer(copy=False)
    email = fields.Char(help="The email address last sent to or read from Mailchimp.")
    status = fields.Selection(list(MEMBER_STATUSES.items()), copy=False)
    archived_by_odoo = fields.Boolean(copy=False)
    last_changed = fields.Datetime("Changed in Mailchimp", copy=False)
    consent_date = fields.Datetime(copy=False)
    consent_source = fields.Selection(CONSENT_SOURCES, copy=False)
    last_sync = fields.Datetime(copy=False)
    last_error = fields.Text(copy=False)
    last_error_date = fields.Datetime(copy=False)
    attempt_log_id = fields.Many2one("mailchimp.sync.log", copy=False, index=True)
    full_pull_mark = fields.Integer(copy=False)
    member_rating = fields.Selection(
        MEMBER_RATINGS, help="Mailchimp's engagement stars (1 to 5)."
    )
    avg_open_rate = fields.Float("Average open rate (%)", digits=(5, 1))
    avg_click_rate = fields.Float("Average click rate (%)", digits=(5, 1))
    subscribed_since = fields.Datetime()
    signup_source = fields.Char()
    tags = fields.Char()
    mailchimp_url = fields.Char("Mailchimp page", compute="_compute_mailchimp_url")
    activity_ids = fields.One2many("mailchimp.member.activity", "member_id")
    remote_hash = fields.Char(
        copy=False, help="Fingerprint of the merge values last seen in Mailchimp."
    )

    _audience_partner_uniq = Constraint(
        "unique(audience_id, partner_id)",
        "A contact is a member of an audience once.",
    )
    _audience_mailchimp_id_uniq = Constraint(
        "unique(audience_id, mailchimp_id)",
        "A Mailchimp member is linked once per audience.",
    )

    @api.depends("web_id", "audience_id.account_id.data_center")
    def _compute_mailchimp_url(self):
        for member in self:
            dc = member.audience_id.account_id.data_center
            # web_id is 0 until Mailchimp has the member: no page, not "0"
            member.mailchimp_url = (
                dc
                and member.web_id
                and admin_url(dc, f"/lists/members/view?id={member.web_id}")
            ) or False

    def action_refresh(self):
        """Re-read this member and its activity feed from Mailchimp now."""
        check_manager(self, "read")
        # what Mailchimp answers is written by the code, after the check
        for member in self.sudo().filtered("mailchimp_id"):
            audience = member.audience_id
            with mailchimp_user_errors(self.env):
                client = audience.account_id._get_client()
                remote = client.get_member(audience.mailchimp_id, member.mailchimp_id)
                feed = parse_activity_feed(
                    client.get_member_activity(
                        audience.mailchimp_id, member.mailchimp_id
                    )
                )
            for index, reason in feed.rejected:
                _logger.info(
                    "Mailchimp activity event %s of member %s skipped: %s",
                    index,
                    member.id,
                    reason,
                )
            try:
                checked = RemoteMember.from_api(remote)
            except InvalidItem as reason:
                raise UserError(
                    self.env._("Mailchimp sent a malformed member: %s", reason)
                ) from None
            log = member.env["mailchimp.sync.log"].new({"audience_id": audience.id})
            audience._apply_remote_members([checked], log)
            member.write(checked.figures())
            campaigns = {
                c.mailchimp_id: c.id
                for c in member.env["mailchimp.campaign"].search(
                    [("audience_id", "=", audience.id)]
                )
            }
            member.env["mailchimp.member.activity"]._store(
                [
                    {
                        "member_id": member.id,
                        "campaign_id": campaigns[event.campaign_id],
                        "action": event.action,
                        "timestamp": event.timestamp or False,
                        "url": event.url or False,
                    }
                    for event in feed.items
                    if event.campaign_id in campaigns
                ]
            )
        return True
