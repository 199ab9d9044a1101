"""The key of the version of a member Odoo itself last wrote to Mailchimp
(``services/echo.py``): the next incremental read leaves that version out."""

from odoo import fields, models


class MailchimpMember(models.Model):
    _inherit = "mailchimp.member"

    echo_key = fields.Char(
        copy=False,
        help="Key of the version Mailchimp answered to Odoo's last write "
        "(its time of change and values): read back unchanged, it is skipped.",
    )
