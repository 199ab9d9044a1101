from odoo import models
from odoo.http import request

WEBHOOK_PREFIX = "/mailchimp/webhook/"
MAX_CACHED_BODY = 100 * 1024
RAW_BODY_KEY = "mailchimp_sync.raw_body"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # Keep the raw body of Mailchimp's deliveries before Odoo parses the
        # form: the signature is computed over the exact bytes.
        httprequest = request.httprequest
        if (
            httprequest.path.startswith(WEBHOOK_PREFIX)
            and httprequest.method == "POST"
            and (httprequest.content_length or 0) <= MAX_CACHED_BODY
        ):
            httprequest.environ[RAW_BODY_KEY] = httprequest.get_data(cache=True)
        return super()._pre_dispatch(rule, args)
