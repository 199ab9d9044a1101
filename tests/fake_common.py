"""Shared pieces of the fake Mailchimp: Mailchimp's own wording of its
errors, formats and helpers."""

import hashlib
import re
from collections import namedtuple
from datetime import datetime

API_RE = re.compile(
    r"^https://(?P<dc>[a-z0-9]+)\.api\.mailchimp\.com/3\.0(?P<path>/.*)?$"
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
US_PHONE_RE = re.compile(r"^\d{3}-\d{3}-\d{4}$")
PROBLEM = "application/problem+json; charset=utf-8"
ERROR_DOC = "https://mailchimp.com/developer/marketing/docs/errors/"

Call = namedtuple("Call", "method path query body")

# Mailchimp's own wording of its errors.
MSG_INVALID_KEY = (
    "Your API key may be invalid, or you've attempted to access the wrong "
    "datacenter."
)
MSG_NOT_VALIDATED = (
    "The resource submitted could not be validated. For field-specific details, "
    "see the 'errors' array."
)
MSG_FAKE = "{email} looks fake or invalid, please enter a real email address."
MSG_FORGOTTEN = (
    "{email} was permanently deleted and cannot be re-imported. The contact must "
    "re-subscribe to get back on the list."
)
MSG_EXISTS = (
    "{email} is already a list member. Use PUT to insert or update list members."
)
MSG_COMPLIANCE = (
    "{email} is in a compliance state due to unsubscribe, bounce, or compliance "
    "review and cannot be subscribed."
)
MSG_EMAIL_STATUS = (
    'This member\'s status is "{status}." You can only update email addresses '
    'for members with a status of "subscribed."'
)
MSG_CANNOT_ARCHIVE = (
    "This list member cannot be removed. Can not archive a contact that is "
    "bounced, pending or archived"
)


# The formats Mailchimp accepts when a date is written, whatever the field's
# display format (merge field documentation, "Merge field types"; api-notes
# §5): dates in four forms, birthdays as MM/DD.
WRITE_PATTERNS = {
    "date": ("%Y-%m-%d", "%Y/%m/%d", "%d-%m-%Y", "%m/%d/%Y"),
    "birthday": ("%m/%d",),
}


def _matches_date_format(value, mtype):
    """Whether Mailchimp takes ``value`` for a ``date``/``birthday`` field."""
    for pattern in WRITE_PATTERNS[mtype]:
        try:
            text = f"{value}/2000" if mtype == "birthday" else str(value)
            datetime.strptime(text, f"{pattern}/%Y" if mtype == "birthday" else pattern)
        except ValueError:
            continue
        return True
    return False


BATCH_FILE_SIZE = 100  # results per JSON file of a batch archive


def md5(email):
    return hashlib.md5(email.strip().lower().encode()).hexdigest()


class Problem(Exception):
    def __init__(self, status, title, detail="", errors=None):
        super().__init__(title)
        self.status, self.title, self.detail, self.errors = (
            status,
            title,
            detail,
            errors,
        )


def problem_body(problem, instance=""):
    """Mailchimp's RFC 7807 problem document of ``problem`` (api-notes
    section 3; spec schema ProblemDetailDocument, ``errors`` on a 400)."""
    body = {
        "type": ERROR_DOC,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": instance,
    }
    if problem.errors:
        body["errors"] = [
            e if isinstance(e, dict) else {"field": e[0], "message": e[1]}
            for e in problem.errors
        ]
    return body


def not_found():
    return Problem(
        404, "Resource Not Found", "The requested resource could not be found."
    )


BATCH_RESULTS_URL = "https://mailchimp-api-batch.s3.amazonaws.com/"
