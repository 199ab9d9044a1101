import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services import (
    MailchimpClient,
    MailchimpError,
    RemoteAccount,
    data_center_from_key,
    parallel,
)
from .mailchimp_access import check_manager
from .mailchimp_errors import mailchimp_user_errors

_logger = logging.getLogger(__name__)

# Mailchimp's API address, replaced only by this system parameter (the
# benchmark's local server): the key is sent to it.
API_HOST_PARAM = "mailchimp_sync.api_host"


class MailchimpAccount(models.Model):
    _name = "mailchimp.account"
    _inherit = ["mailchimp.sync.owned"]
    _description = "Mailchimp Account"
    _order = "sequence, id"
    # what users configure; the connection's state is Mailchimp's answer
    _mailchimp_user_fields = frozenset(
        {
            "name",
            "sequence",
            "active",
            "company_id",
            "auth_method",
            "api_key",
            "parallel_connections",
        }
    )

    name = fields.Char(required=True, default="Mailchimp")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    auth_method = fields.Selection(
        [("api_key", "API key"), ("oauth", "OAuth (Connect with Mailchimp)")],
        default="api_key",
        required=True,
    )
    api_key = fields.Char(
        string="API Key",
        groups="base.group_system",
        copy=False,
        help="Mailchimp API key (ending with the data center, e.g. -us6) or the "
        "OAuth access token. Only administrators can read it.",
    )
    api_key_set = fields.Boolean(compute="_compute_api_key_set")
    data_center = fields.Char(
        readonly=True, copy=False, help="Mailchimp server prefix, e.g. us6."
    )
    state = fields.Selection(
        [("draft", "Not connected"), ("connected", "Connected"), ("error", "Error")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
    )
    last_error = fields.Text(readonly=True, copy=False)
    mailchimp_account_id = fields.Char(
        "Mailchimp Account ID", readonly=True, copy=False
    )
    account_name = fields.Char(readonly=True, copy=False)
    login_email = fields.Char(readonly=True, copy=False)
    total_subscribers = fields.Integer(readonly=True, copy=False)
    audience_ids = fields.One2many("mailchimp.audience", "account_id")
    parallel_connections = fields.Integer(
        "Simultaneous connections",
        default=parallel.DEFAULT_CONNECTIONS,
        help="Batch calls a sync sends at once (1 to 10). Mailchimp allows 10 "
        "simultaneous connections per user, shared with every other tool using "
        "the account: 10 leaves none to them; a refusal (429) lowers it for the "
        "rest of the sync.",
    )
    audience_count = fields.Integer(compute="_compute_audience_count")

    @api.depends_context("uid")
    def _compute_api_key_set(self):
        for account, key in zip(self, self.sudo().mapped("api_key"), strict=True):
            account.api_key_set = bool(key)

    def _compute_audience_count(self):
        counts = dict(
            self.env["mailchimp.audience"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        for account in self:
            account.audience_count = counts.get(account, 0)

    @api.model_create_multi
    def create(self, vals_list):
        derived = [self._prepare_key_vals(vals) for vals in vals_list]
        accounts = super().create(vals_list)
        for account, state in zip(accounts, derived, strict=True):
            if state:
                account.sudo().write(state)
        return accounts

    def write(self, vals):
        state = self._prepare_key_vals(vals)
        res = super().write(vals)
        if state:
            self.sudo().write(state)
        return res

    @api.model
    def _prepare_key_vals(self, vals):
        """A new key resets the connection state and its data center is
        derived: the connection state to write (by the code, after the user's
        own values) is returned."""
        if "api_key" not in vals:
            return {}
        key = (vals["api_key"] or "").strip()
        vals["api_key"] = key or False
        state = {"state": "draft", "last_error": False}
        if vals.get("auth_method", "api_key") == "api_key":
            state["data_center"] = data_center_from_key(key) or False
        return {name: value for name, value in state.items() if name not in vals}

    # ------------------------------------------------------------------ API
    def _get_client(self, **kwargs):
        """The service client for this account (the key is read as superuser,
        it never leaves this method)."""
        self.ensure_one()
        key = self.sudo().api_key
        # a system parameter only: the API host of a local test server
        host = self.env["ir.config_parameter"].sudo().get_param(API_HOST_PARAM)
        if host:
            kwargs.setdefault("host", host)
        if self.auth_method == "oauth":
            return MailchimpClient(
                access_token=key, server=self.data_center or None, **kwargs
            )
        return MailchimpClient(api_key=key, **kwargs)

    def action_test_connection(self):
        """``GET /ping`` then ``GET /``. A failure only sets the error state:
        the form shows it in its banner, once (no notification as well)."""
        check_manager(self)
        self.ensure_one()
        try:
            client = self._get_client()
            client.ping()
            root = RemoteAccount.from_api(client.get_account())
        except MailchimpError as error:
            self.sudo()._set_error(error)
            return True  # the form reloads and shows the error
        self.sudo().write(
            {
                "state": "connected",
                "last_error": False,
                "mailchimp_account_id": root.account_id,
                "account_name": root.account_name or False,
                "login_email": root.email or False,
                "total_subscribers": root.total_subscribers,
            }
        )
        return self._notify(
            self.env._(
                "Connected to Mailchimp account %(name)s "
                "(%(subscribers)s subscribers).",
                name=self.account_name or self.name,
                subscribers=self.total_subscribers,
            ),
            "success",
        )

    def _set_error(self, error):
        _logger.info("Mailchimp account %s: %s", self.id, error)
        self.write({"state": "error", "last_error": str(error)})

    def _notify(self, message, kind, next_action=None):
        """A notification, then ``next_action`` (by default the view reloads)."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Mailchimp"),
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
                "next": next_action
                or {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _check_connected(self):
        for account in self:
            if account.state != "connected":
                raise UserError(
                    self.env._(
                        "The Mailchimp account %s is not connected: use "
                        "“Test connection” first.",
                        account.display_name,
                    )
                )

    def action_import_audiences(self):
        """Read every audience of the account (all pages of 1,000)."""
        check_manager(self)
        self.ensure_one()
        Audience = self.env["mailchimp.audience"]
        known = Audience.with_context(active_test=False).search(
            [("account_id", "=", self.id)]
        )
        with mailchimp_user_errors(self.env):
            remote_lists = list(self._get_client().iter_lists())
        audiences = Audience.sudo()._import_from_remote(self, remote_lists)
        audiences = audiences.with_env(self.env)
        message = self.env._(
            "Audiences imported from Mailchimp: %(names)s (new: %(new)s).",
            names=", ".join(audiences.mapped("name")) or "-",
            new=len(audiences - known),
        )
        return self._notify(
            message,
            "success" if audiences else "warning",
            {
                "type": "ir.actions.act_window",
                "name": self.env._("Audiences"),
                "res_model": "mailchimp.audience",
                "views": [(False, "list"), (False, "form")],
                "domain": [("id", "in", audiences.ids)],
            },
        )

    def action_create_audience(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create a Mailchimp audience"),
            "res_model": "mailchimp.audience.create.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_account_id": self.id},
        }

    def action_view_audiences(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mailchimp_sync.mailchimp_audience_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"default_account_id": self.id}
        return action
