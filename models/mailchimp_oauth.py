"""Connect a Mailchimp account with OAuth ("Connect with Mailchimp").

Only administrators start it. The ``state`` sent to Mailchimp is a random,
single-use nonce bound to the user and the browser session that started it,
valid 10 minutes; only its hash is stored. A callback that fails (an error
from Mailchimp, a bad or replayed state, a refused code) never changes an
account that is connected.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import consteq

from ..services import MailchimpError, oauth
from .mailchimp_access import ADMIN_GROUP

_logger = logging.getLogger(__name__)

OAUTH_STATE_TTL = timedelta(minutes=10)


def _digest(value):
    return hashlib.sha256((value or "").encode()).hexdigest()


def _session_id():
    from odoo.http import request

    return request.session.sid if request and request.session else ""


class MailchimpOAuthState(models.Model):
    _name = "mailchimp.oauth.state"
    _description = "Mailchimp OAuth authorization in progress"
    _log_access = False

    account_id = fields.Many2one("mailchimp.account", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade")
    session_hash = fields.Char(required=True)
    nonce_hash = fields.Char(required=True, index=True)
    expires_at = fields.Datetime(required=True)

    @api.autovacuum
    def _gc_expired(self):
        self.search([("expires_at", "<", fields.Datetime.now())]).unlink()


class MailchimpAccount(models.Model):
    _inherit = "mailchimp.account"

    oauth_available = fields.Boolean(
        "OAuth configured",
        compute="_compute_oauth_available",
        help="An OAuth client id is set in Settings → Mailchimp: accounts can be "
        "connected with “Connect with Mailchimp”.",
    )

    @api.model
    def _oauth_client_id(self):
        params = self.env["ir.config_parameter"].sudo()
        return params.get_param("mailchimp_sync.oauth_client_id")

    def _compute_oauth_available(self):
        self.oauth_available = bool(self._oauth_client_id())

    def _oauth_redirect_uri(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        return f"{base}/mailchimp/oauth/callback"

    def action_oauth_connect(self):
        """Send the browser to Mailchimp's authorization page."""
        if not self.env.user.has_group(ADMIN_GROUP):
            raise AccessError(
                self.env._("Only administrators can connect a Mailchimp account.")
            )
        self.ensure_one()
        client_id = self._oauth_client_id()
        if not client_id:
            raise UserError(
                self.env._(
                    "Set the OAuth client id and secret of your Mailchimp app in "
                    "Settings → Mailchimp first."
                )
            )
        state = self._oauth_new_state(_session_id())
        url = oauth.authorize_url(client_id, self._oauth_redirect_uri(), state)
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def _oauth_new_state(self, session_id):
        self.ensure_one()
        nonce = secrets.token_urlsafe(32)
        self.env["mailchimp.oauth.state"].sudo().create(
            {
                "account_id": self.id,
                "user_id": self.env.uid,
                "session_hash": _digest(session_id),
                "nonce_hash": _digest(nonce),
                "expires_at": fields.Datetime.now() + OAUTH_STATE_TTL,
            }
        )
        return nonce

    @api.model
    def _oauth_take_state(self, nonce, session_id):
        """The account a callback's ``state`` was issued for, used up; an
        empty set when it is unknown, used, expired, or another user's or
        session's."""
        State = self.env["mailchimp.oauth.state"].sudo()
        row = State.search([("nonce_hash", "=", _digest(nonce))], limit=1)
        if not nonce or not row:
            return self.browse()
        valid = (
            row.user_id == self.env.user
            and consteq(row.session_hash, _digest(session_id))
            and row.expires_at > fields.Datetime.now()
        )
        account = row.account_id
        row.unlink()  # single use, whatever the outcome
        return account.with_env(self.env) if valid else self.browse()

    def _oauth_failed(self, message):
        """A failed authorization changes nothing on a connected account."""
        _logger.info("Mailchimp OAuth of account %s failed: %s", self.id, message)
        if self.state != "connected":
            self._set_error(MailchimpError(message))

    def _oauth_complete(self, code):
        """Exchange the code and store the token like an API key."""
        self.ensure_one()
        params = self.env["ir.config_parameter"].sudo()
        try:
            token, meta = oauth.exchange_code(
                self._oauth_client_id(),
                params.get_param("mailchimp_sync.oauth_client_secret"),
                self._oauth_redirect_uri(),
                code,
            )
        except MailchimpError as error:
            self._oauth_failed(str(error))
            return False
        self.sudo().write(
            {
                "auth_method": "oauth",
                "api_key": token,
                "data_center": meta.data_center,
                "login_email": meta.login_email,
            }
        )
        self.action_test_connection()
        return True
