from werkzeug.datastructures import ImmutableMultiDict

from odoo import models
from odoo.http import request

WEBHOOK_PREFIX = "/mailchimp/webhook/"
MAX_BODY = 100 * 1024  # Mailchimp's deliveries are a few kilobytes
RAW_BODY_KEY = "mailchimp_sync.raw_body"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        httprequest = request.httprequest
        if httprequest.path.startswith(WEBHOOK_PREFIX) and httprequest.method == "POST":
            # Keep the raw body of Mailchimp's deliveries before Odoo parses
            # the form: the signature is computed over the exact bytes.
            if (httprequest.content_length or 0) <= MAX_BODY:
                httprequest.environ[RAW_BODY_KEY] = httprequest.get_data(cache=True)
            # The controller reads only those bytes, so Odoo's form is left
            # unparsed: Werkzeug 3 (Odoo 19, and 18 on Python 3.12) answers
            # 413 to a form that is not UTF-8 while parsing it, before the
            # controller could refuse it as malformed (400).
            httprequest.form = ImmutableMultiDict()
            httprequest.files = ImmutableMultiDict()
        return super()._pre_dispatch(rule, args)
