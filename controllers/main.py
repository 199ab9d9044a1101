import hashlib
import logging
import re
from urllib.parse import parse_qsl

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request
from odoo.tools import consteq

from ..models.ir_http import MAX_BODY, RAW_BODY_KEY
from ..models.mailchimp_access import ADMIN_GROUP
from ..models.mailchimp_webhook import WebhookError, check_signature, parse_form

_logger = logging.getLogger(__name__)


class MailchimpController(http.Controller):
    @http.route("/mailchimp/oauth/callback", type="http", auth="user", methods=["GET"])
    def oauth_callback(self, code=None, state=None, error=None, **kwargs):
        """Mailchimp sends the browser back here after the user authorized."""
        Account = request.env["mailchimp.account"]
        if not request.env.user.has_group(ADMIN_GROUP):
            raise Forbidden()
        account = Account._oauth_take_state(state, request.session.sid)
        # the state is spent for good before the code is exchanged (an
        # irreversible call): a request that fails afterwards, or that Odoo
        # retries after a concurrent update, finds it used
        request.env.cr.commit()  # pylint: disable=invalid-commit
        if not account:
            raise Forbidden()
        if error or not code:
            account._oauth_failed(
                f"Mailchimp authorization cancelled ({str(error)[:100]})."
            )
        else:
            account._oauth_complete(code)
        return request.redirect(
            f"/odoo/action-mailchimp_sync.mailchimp_account_action/{account.id}"
        )


FORBIDDEN = "Forbidden"  # wrong secret and unknown audience look the same
SECRET_IN_PATH = re.compile(r"(/mailchimp/webhook/[^/\s]+/)[^\s?\"]+")


class MaskWebhookSecret(logging.Filter):
    """The access log (werkzeug's request line) never shows the webhook URL's
    secret: it is the webhook's only credential."""

    def filter(self, record):
        if isinstance(record.msg, str) and "/mailchimp/webhook/" in record.msg:
            record.msg = SECRET_IN_PATH.sub(r"\1***", record.msg)
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                SECRET_IN_PATH.sub(r"\1***", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def _install_mask():
    access_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, MaskWebhookSecret) for f in access_log.filters):
        access_log.addFilter(MaskWebhookSecret())


_install_mask()


def _reply(status, text):
    return request.make_response(
        text, headers=[("Content-Type", "text/plain; charset=utf-8")], status=status
    )


class MailchimpWebhookController(http.Controller):
    @http.route(
        "/mailchimp/webhook/<int:audience_id>/<string:secret>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
    )
    def webhook(self, audience_id, secret, **kwargs):
        """Mailchimp's deliveries (form-encoded POST) and its URL check (GET)."""
        audience = request.env["mailchimp.audience"].sudo().browse(audience_id).exists()
        if not audience or not audience.active or not audience.webhook_secret:
            # answered like a wrong secret: audience ids cannot be enumerated;
            # an archived audience is synced no more, by its webhook neither
            _logger.warning("Mailchimp webhook refused: unknown audience")
            return _reply(403, FORBIDDEN)
        if not consteq(secret or "", audience.webhook_secret):
            _logger.warning(
                "Mailchimp webhook refused: wrong secret (audience %s)", audience_id
            )
            return _reply(403, FORBIDDEN)
        httprequest = request.httprequest
        if httprequest.method == "GET":
            return _reply(200, "OK")
        raw = httprequest.environ.get(RAW_BODY_KEY) or b""
        if (httprequest.content_length or 0) > MAX_BODY or len(raw) > MAX_BODY:
            return self._malformed(audience, "body too large")
        if audience.webhook_signed and not check_signature(
            audience.webhook_signing_key or "",
            httprequest.headers.get("X-Mailchimp-Signature"),
            raw,
        ):
            _logger.warning(
                "Mailchimp webhook refused: bad signature (audience %s)", audience_id
            )
            self._record_refusal(audience, raw, "bad signature")
            return _reply(403, "Bad signature")
        try:
            form = parse_form(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            with request.env.cr.savepoint():
                audience._webhook_process(form, raw)
        except (UnicodeDecodeError, WebhookError) as error:
            reason = (
                "not UTF-8" if isinstance(error, UnicodeDecodeError) else str(error)
            )
            return self._malformed(audience, reason, raw)
        return _reply(200, "OK")

    def _malformed(self, audience, reason, raw=b""):
        # no personal data in the log: the reason only
        _logger.warning(
            "Mailchimp webhook ignored for audience %s: %s", audience.id, reason
        )
        self._record_refusal(audience, raw, reason)
        return _reply(400, f"Malformed delivery: {reason}")

    def _record_refusal(self, audience, raw, reason):
        """The audience's webhook health shows the last refusal and why."""
        key = hashlib.sha256(raw).hexdigest()
        request.env["mailchimp.webhook.event"]._record_refusal(audience, key, reason)
