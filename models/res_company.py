from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    mailchimp_audience_id = fields.Many2one(
        "mailchimp.audience",
        "Default Mailchimp Audience",
        help="Audience of contacts whose sync is ticked without an audience.",
    )
