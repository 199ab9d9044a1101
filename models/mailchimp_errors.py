"""Mailchimp's errors become the user's errors here, in one place (as Odoo's
``iap_tools`` does for IAP): the message is the service's own, readable and
free of secrets (``services.errors``)."""

from contextlib import contextmanager

from odoo.exceptions import UserError

from ..services import MailchimpError


@contextmanager
def mailchimp_user_errors(env, template=None, ignore_statuses=()):
    """Turn a :class:`MailchimpError` raised inside into a ``UserError``.

    :param template: a translated message with ``%(error)s``, else the
        error's own message
    :param ignore_statuses: HTTP statuses that are not errors here (e.g. 404
        when removing something already gone)
    """
    try:
        yield
    except MailchimpError as error:
        if error.status in ignore_statuses:
            return
        message = str(error)
        if template:
            message = template % {"error": message}
        raise UserError(message) from None
