import dataclasses
import hashlib

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..compat import Constraint
from .mailchimp_access import check_manager
from .mailchimp_errors import mailchimp_user_errors

ACTIONS = [
    ("sent", "Sent"),
    ("open", "Opened"),
    ("click", "Clicked"),
    ("bounce", "Bounced"),
    ("unsub", "Unsubscribed"),
    ("abuse", "Reported as spam"),
]
# Mailchimp's campaign statuses (OpenAPI 3.0.85, schema Campaign1, ``status``),
# each shown by its name ("Sent", not Mailchimp's ``sent``)
CAMPAIGN_STATUSES = {
    "save": "Draft",
    "paused": "Paused",
    "schedule": "Scheduled",
    "sending": "Sending",
    "sent": "Sent",
    "canceled": "Canceled",
    "canceling": "Canceling",
    "archived": "Archived",
}


def admin_url(data_center, path):
    return f"https://{data_center}.admin.mailchimp.com{path}"


class MailchimpCampaign(models.Model):
    _name = "mailchimp.campaign"
    _description = "Mailchimp Campaign"
    _order = "send_time desc, id desc"
    _rec_name = "title"

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    mailchimp_id = fields.Char("Campaign ID", required=True, index=True)
    web_id = fields.Integer()
    title = fields.Char()
    subject = fields.Char()
    status = fields.Char("Status code", help="The status as Mailchimp writes it.")
    status_label = fields.Selection(
        list(CAMPAIGN_STATUSES.items()),
        "Status",
        compute="_compute_status_label",
        help="The campaign's status in Mailchimp.",
    )
    send_time = fields.Datetime()
    emails_sent = fields.Integer()
    opens = fields.Integer()
    unique_opens = fields.Integer()
    clicks = fields.Integer()
    unique_clicks = fields.Integer()
    bounces = fields.Integer()
    unsubscribes = fields.Integer()
    open_rate = fields.Float(
        "Open rate (%)", digits=(5, 2), help="Unique opens / emails delivered, in %."
    )
    click_rate = fields.Float(
        "Click rate (%)", digits=(5, 2), help="Unique clicks / emails delivered, in %."
    )
    archive_url = fields.Char()
    report_url = fields.Char(compute="_compute_report_url")

    _campaign_uniq = Constraint(
        "unique(audience_id, mailchimp_id)",
        "A campaign is stored once per audience.",
    )

    @api.depends("web_id", "audience_id.account_id.data_center")
    def _compute_report_url(self):
        for campaign in self:
            dc = campaign.audience_id.account_id.data_center
            # web_id 0 (none from Mailchimp): no page, not "0"
            campaign.report_url = (
                dc
                and campaign.web_id
                and admin_url(dc, f"/reports/summary?id={campaign.web_id}")
            ) or False

    @api.depends("status")
    def _compute_status_label(self):
        for campaign in self:
            status = campaign.status
            campaign.status_label = status if status in CAMPAIGN_STATUSES else False

    def action_open_report(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.report_url, "target": "new"}

    def action_read_campaigns_now(self):
        """The campaign list's button: campaigns, reports and activity of
        every connected audience the user sees, read now (the scheduled
        action does it every 4 hours)."""
        check_manager(self)
        audiences = self.env["mailchimp.audience"].search(
            [("account_id.state", "=", "connected")]
        )
        if not audiences:
            raise UserError(
                self.env._("No connected Mailchimp account: connect one first.")
            )
        events = 0
        for audience in audiences:
            with mailchimp_user_errors(self.env):
                # what Mailchimp answers is the sync's to write (role checked)
                events += audience.sudo()._sync_campaigns()
        message = self.env._(
            "Campaigns in Odoo: %(campaigns)s. New activity events read from "
            "Mailchimp: %(events)s.",
            campaigns=len(audiences.campaign_ids),
            events=events,
        )
        return audiences.account_id[:1]._notify(message, "success")

    @api.model
    def _vals_from_remote(self, remote):
        """Field values of a checked :class:`RemoteCampaign` (with its report):
        each of its values but its id lands in the field of the same name."""
        return {
            field.name: getattr(remote, field.name) or False
            for field in dataclasses.fields(remote)
            if field.name != "id"
        }


class MailchimpMemberActivity(models.Model):
    _name = "mailchimp.member.activity"
    _description = "Mailchimp Member Activity"
    _order = "timestamp desc, id desc"

    member_id = fields.Many2one(
        "mailchimp.member", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(related="member_id.partner_id", store=True, index=True)
    company_id = fields.Many2one(related="member_id.company_id", store=True)
    campaign_id = fields.Many2one("mailchimp.campaign", ondelete="cascade", index=True)
    action = fields.Selection(ACTIONS, required=True)
    timestamp = fields.Datetime()
    url = fields.Char("Link")
    key = fields.Char(required=True, help="Identity of the event, for re-reads.")

    _event_uniq = Constraint(
        "unique(member_id, key)",
        "An activity event is stored once.",
    )

    @api.model
    def _key(self, campaign_id, action, timestamp, url):
        raw = f"{campaign_id}|{action}|{timestamp}|{url or ''}"
        return hashlib.md5(raw.encode()).hexdigest()

    @api.model
    def _store(self, events):
        """Create the events not stored yet. ``events`` are dicts with
        member_id, campaign_id, action, timestamp, url. Returns the count."""
        if not events:
            return 0
        for event in events:
            event["key"] = self._key(
                event["campaign_id"], event["action"], event["timestamp"], event["url"]
            )
        self.flush_model(["member_id", "key"])
        self.env.cr.execute(
            SQL(
                "SELECT member_id, key FROM mailchimp_member_activity "
                "WHERE member_id = ANY(%s) AND key = ANY(%s)",
                list({e["member_id"] for e in events}),
                list({e["key"] for e in events}),
            )
        )
        seen = set(self.env.cr.fetchall())
        new = []
        for event in events:
            ident = (event["member_id"], event["key"])
            if ident not in seen and event["action"] in dict(ACTIONS):
                seen.add(ident)
                new.append(event)
        self.create(new)
        # the history is an SQL view: what the ORM cached of it is stale now
        self.env["mailchimp.campaign.history"].invalidate_model()
        self.env["res.partner"].invalidate_model(["mailchimp_history_ids"])
        return len(new)


class MailchimpCampaignHistory(models.Model):
    """One line per contact and campaign: what the contact did."""

    _name = "mailchimp.campaign.history"
    _description = "Mailchimp Campaign History"
    _auto = False
    _order = "send_time desc, id desc"
    _depends = {
        "mailchimp.member.activity": [
            "partner_id",
            "member_id",
            "campaign_id",
            "company_id",
            "action",
            "timestamp",
            "url",
        ],
        "mailchimp.campaign": ["send_time", "subject"],
    }

    partner_id = fields.Many2one("res.partner", readonly=True)
    member_id = fields.Many2one("mailchimp.member", readonly=True)
    campaign_id = fields.Many2one("mailchimp.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    send_time = fields.Datetime("Sent", readonly=True)
    subject = fields.Char(readonly=True)
    opened = fields.Boolean(readonly=True)
    first_open = fields.Datetime(readonly=True)
    clicked = fields.Boolean(readonly=True)
    clicked_links = fields.Char(readonly=True)
    bounced = fields.Boolean(readonly=True)
    unsubscribed = fields.Boolean(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE VIEW %s AS (
                SELECT MIN(a.id) AS id, a.partner_id, a.member_id, a.campaign_id,
                       a.company_id, c.send_time, c.subject,
                       BOOL_OR(a.action = 'open') AS opened,
                       MIN(a.timestamp) FILTER (WHERE a.action = 'open') AS first_open,
                       BOOL_OR(a.action = 'click') AS clicked,
                       STRING_AGG(DISTINCT a.url, ', ')
                           FILTER (WHERE a.action = 'click') AS clicked_links,
                       BOOL_OR(a.action = 'bounce') AS bounced,
                       BOOL_OR(a.action IN ('unsub', 'abuse')) AS unsubscribed
                  FROM mailchimp_member_activity a
                  JOIN mailchimp_campaign c ON c.id = a.campaign_id
              GROUP BY a.partner_id, a.member_id, a.campaign_id, a.company_id,
                       c.send_time, c.subject
                )""",
                SQL.identifier(self._table),
            )
        )
