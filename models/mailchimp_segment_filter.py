"""A segment's filter: a domain on contacts written by a manager and run by
the cron as superuser, so it is parsed as the user who saved it, must name
fields of contacts that can be searched, and is searched as that user."""

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import dateutil as safe_dateutil
from odoo.tools.safe_eval import safe_eval
from odoo.tools.safe_eval import time as safe_time

from .mailchimp_mapping_policy import path_fields

# what a filter may raise when parsed or searched
FILTER_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    SyntaxError,
    NameError,
    AccessError,
    psycopg2.Error,
)


class SegmentFilterError(Exception):
    """A segment's filter cannot be used (the message says why)."""


def domain_eval_context(env):
    """The names Odoo offers a filter's domain (as for saved filters)."""
    today = fields.Date.context_today(env.user)
    return {
        "uid": env.uid,
        "time": safe_time,
        "datetime": safe_datetime,
        "dateutil": safe_dateutil,
        "relativedelta": safe_dateutil.relativedelta.relativedelta,
        "context_today": lambda: today,
        "current_date": today.strftime("%Y-%m-%d"),
        "company_id": env.company.id,
        "company_ids": env.companies.ids,
    }


def parse_domain(env, text):
    """The domain of ``text``, evaluated as ``env``'s user; its fields must be
    fields of contacts. Raises :class:`SegmentFilterError`."""
    try:
        domain = safe_eval(text or "[]", domain_eval_context(env))
    except FILTER_ERRORS as error:
        raise SegmentFilterError(env._("it cannot be read (%s)", error)) from None
    if not isinstance(domain, list | tuple):
        raise SegmentFilterError(env._("it is not a list of conditions"))
    for leaf in domain:
        if leaf in ("&", "|", "!"):
            continue
        if not isinstance(leaf, list | tuple) or len(leaf) != 3:
            raise SegmentFilterError(env._("“%s” is not a condition", leaf))
        if isinstance(leaf[0], str):
            _check_path(env, leaf[0])
    return list(domain)


def _check_path(env, path):
    for _model, _name, field in path_fields(env, path):
        if field is None:
            raise SegmentFilterError(env._("“%s” is not a field of contacts", path))
        if not field._description_searchable:
            # Odoo would drop the condition with an error at every search
            raise SegmentFilterError(
                env._(
                    "“%(path)s” cannot be searched (%(field)s is not stored)",
                    path=path,
                    field=field.string,
                )
            )
