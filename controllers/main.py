import logging

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)


class MailchimpController(http.Controller):
    @http.route("/mailchimp/oauth/callback", type="http", auth="user", methods=["GET"])
    def oauth_callback(self, code=None, state=None, error=None, **kwargs):
        """Mailchimp sends the browser back here after the user authorized."""
        Account = request.env["mailchimp.account"]
        account = Account._oauth_check_state(state)
        if not account or not request.env.user.has_group("base.group_system"):
            raise Forbidden()
        if error or not code:
            account._set_error(
                Exception(f"Mailchimp authorization cancelled ({error}).")
            )
        else:
            account._oauth_complete(code)
        return request.redirect(
            f"/odoo/action-mailchimp_sync.mailchimp_account_action/{account.id}"
        )
