"""The closed loop on the campaign (recipients, opens, clicks, new customers,
revenue, each opening its records) and on the contact ("customer since
<date>, after <campaign>")."""

from collections import defaultdict

from odoo import api, fields, models

# what each figure of the campaign opens in its history (recipients: all)
HISTORY_FIGURES = {
    "recipients": [],
    "opens": [("opened", "=", True)],
    "clicks": [("clicked", "=", True)],
}


class MailchimpCampaign(models.Model):
    _inherit = "mailchimp.campaign"

    conversion_ids = fields.One2many("mailchimp.conversion", "campaign_id")
    conversions_counted = fields.Boolean(
        compute="_compute_conversions_counted",
        help="Sales, Invoicing or CRM is installed: new customers are counted.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    new_customer_count = fields.Integer(
        "New customers", compute="_compute_conversion_figures"
    )
    revenue = fields.Monetary(
        compute="_compute_revenue",
        groups="mailchimp_sync.group_mailchimp_manager",
        currency_field="currency_id",
        help="Untaxed amount of the first order (else invoice) of the new "
        "customers, in the window after their last open or click.",
    )
    recipient_count = fields.Integer("Recipients", compute="_compute_history_figures")
    opened_count = fields.Integer("Opened by", compute="_compute_history_figures")
    clicked_count = fields.Integer("Clicked by", compute="_compute_history_figures")

    @api.depends("conversion_ids")
    def _compute_conversion_figures(self):
        # the count alone: a Mailchimp user reads it, the revenue is managers'
        counts = dict(
            self.env["mailchimp.conversion"]._read_group(
                [("campaign_id", "in", self.ids)], ["campaign_id"], ["__count"]
            )
        )
        for campaign in self:
            campaign.new_customer_count = counts.get(campaign, 0)

    @api.depends("conversion_ids.revenue")
    def _compute_revenue(self):
        sums = dict(
            self.env["mailchimp.conversion"]._read_group(
                [("campaign_id", "in", self.ids)], ["campaign_id"], ["revenue:sum"]
            )
        )
        for campaign in self:
            campaign.revenue = sums.get(campaign, 0.0)

    def _compute_conversions_counted(self):
        counted = bool(self.env["mailchimp.conversion"]._available_sources())
        self.conversions_counted = counted

    def _compute_history_figures(self):
        History = self.env["mailchimp.campaign.history"]
        counts = {}
        for figure, domain in HISTORY_FIGURES.items():
            counts[figure] = dict(
                History._read_group(
                    [("campaign_id", "in", self.ids), *domain],
                    ["campaign_id"],
                    ["__count"],
                )
            )
        for campaign in self:
            campaign.recipient_count = counts["recipients"].get(campaign, 0)
            campaign.opened_count = counts["opens"].get(campaign, 0)
            campaign.clicked_count = counts["clicks"].get(campaign, 0)

    def _open_history(self, figure, title):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": f"{self.title}: {title}",
            "res_model": "mailchimp.campaign.history",
            "view_mode": "list",
            "views": [
                (
                    self.env.ref(
                        "mailchimp_sync.mailchimp_campaign_history_view_list_recipients"
                    ).id,
                    "list",
                )
            ],
            "domain": [("campaign_id", "=", self.id), *HISTORY_FIGURES[figure]],
        }

    def action_open_recipients(self):
        return self._open_history("recipients", self.env._("Recipients"))

    def action_open_opens(self):
        return self._open_history("opens", self.env._("Opened"))

    def action_open_clicks(self):
        return self._open_history("clicks", self.env._("Clicked"))

    def action_open_new_customers(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("%s: new customers", self.title),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", self.conversion_ids.partner_id.ids)],
        }

    def action_open_revenue(self):
        """The first orders or invoices behind the revenue (their own list
        when they are of one kind, else the conversions with their
        documents)."""
        self.ensure_one()
        documents = defaultdict(list)
        for row in self.conversion_ids.filtered("revenue_res_id"):
            documents[row.revenue_model].append(row.revenue_res_id)
        name = self.env._("%s: revenue", self.title)
        if len(documents) == 1:
            model, ids = documents.popitem()
            if model in self.env:
                return {
                    "type": "ir.actions.act_window",
                    "name": name,
                    "res_model": model,
                    "view_mode": "list,form",
                    "domain": [("id", "in", ids)],
                }
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mailchimp_sync.mailchimp_conversion_action"
        )
        action.update(name=name, domain=[("campaign_id", "=", self.id)])
        return action


class ResPartner(models.Model):
    _inherit = "res.partner"

    mailchimp_customer_since = fields.Datetime(
        "Customer since",
        compute="_compute_mailchimp_conversion",
        groups="mailchimp_sync.group_mailchimp_user",
    )
    mailchimp_won_campaign_id = fields.Many2one(
        "mailchimp.campaign",
        "After campaign",
        compute="_compute_mailchimp_conversion",
        groups="mailchimp_sync.group_mailchimp_user",
    )

    def _compute_mailchimp_conversion(self):
        """The campaign that won the contact's commercial entity (one search
        for all the contacts)."""
        rows = self.env["mailchimp.conversion"].search(
            [("partner_id", "in", self.commercial_partner_id.ids)],
            order="conversion_date desc, id desc",
        )
        won = {row.partner_id: row for row in rows}  # the earliest wins
        for partner in self:
            row = won.get(partner.commercial_partner_id)
            partner.mailchimp_customer_since = row.conversion_date if row else False
            partner.mailchimp_won_campaign_id = row.campaign_id if row else False
