"""A campaign's status shown by its name ("Sent", not Mailchimp's ``sent``);
the raw value Mailchimp sends stays in ``status``."""

from odoo import api, fields, models

# Mailchimp's campaign statuses (OpenAPI 3.0.85, schema Campaign1, ``status``)
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


class MailchimpCampaign(models.Model):
    _inherit = "mailchimp.campaign"

    status_label = fields.Selection(
        list(CAMPAIGN_STATUSES.items()),
        "Status",
        compute="_compute_status_label",
        help="The campaign's status in Mailchimp.",
    )

    @api.depends("status")
    def _compute_status_label(self):
        for campaign in self:
            status = campaign.status
            campaign.status_label = status if status in CAMPAIGN_STATUSES else False
