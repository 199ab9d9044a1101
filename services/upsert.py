"""The one upsert protocol, used by the push, the list export and the contact
actions: members Mailchimp has never seen are created (batch subscribe,
``update_existing=false``, which can never change a status); members it has
are updated without stating a status (``PUT`` with ``status_if_new``), many at
once through ``POST /batches``, whose results are read back when Mailchimp has
run them."""

from dataclasses import dataclass

from .batches import BatchStatus, member_path, operation
from .errors import MalformedResponse
from .helpers import subscriber_hash
from .remote import InvalidItem, RemoteMember
from .results_archive import parse_results

SKIP_VALIDATION = {"skip_merge_validation": "true"}
# what an update sends of a member (schema "Add List Members" of PUT
# /lists/{list_id}/members/{subscriber_hash}; api-notes §6): never ``status``,
# which overwrites an existing member's, nor ``tags``, which a PUT ignores
UPDATE_FIELDS = ("email_address", "merge_fields", "interests", "marketing_permissions")


def update_body(member, status_if_new):
    """The body of a ``PUT`` updating a member: what ``member`` (a payload
    dict) holds of :data:`UPDATE_FIELDS` and ``status_if_new``, the status
    used only if Mailchimp does not have the member (api-notes §6, "Use
    ``status_if_new`` on create paths"). It cannot carry a status."""
    body = {key: member[key] for key in UPDATE_FIELDS if key in member}
    body["status_if_new"] = status_if_new
    return body


def restore_body(body, status):
    """An update body that states ``status``: only to restore a member Odoo
    itself archived (``status`` has no ``archived``; api-notes §6)."""
    return {**body, "status": status}


def update_operation(list_id, member_hash, body, operation_id, skip_validation):
    """``PUT`` of a known member: ``body`` from :func:`update_body` (or
    :func:`restore_body`)."""
    return operation(
        "PUT",
        member_path(list_id, member_hash),
        operation_id,
        body,
        SKIP_VALIDATION if skip_validation else None,
    )


def tags_operation(list_id, member_hash, tags, operation_id, removed=()):
    """Add ``tags`` to a member and remove ``removed`` (made inactive); a
    ``PUT`` ignores tags."""
    body = {
        "tags": [{"name": tag, "status": "active"} for tag in tags]
        + [{"name": tag, "status": "inactive"} for tag in removed]
    }
    return operation(
        "POST", member_path(list_id, member_hash, "/tags"), operation_id, body
    )


def member_hash(email, known_hash=None):
    return known_hash or subscriber_hash(email)


def create_members(client, list_id, payloads, update_existing, skip_validation):
    """One batch subscribe call, its answer checked (:class:`UpsertAnswer`):
    on a worker thread, Mailchimp's JSON (every member in full) is dropped as
    soon as it is read, so the answers waiting their turn stay small."""
    return UpsertAnswer.from_api(
        client.batch_upsert(list_id, payloads, update_existing, skip_validation)
    )


def start(client, operations):
    """Submit the operations; the batch's id."""
    return BatchStatus.from_api(client.start_batch(operations)).id


def results_if_done(client, batch_id):
    """The batch's results when Mailchimp finished it (one status read, never
    a wait), else None: the run reads it again later."""
    status = BatchStatus.from_api(client.get_batch(batch_id))
    if status.done:
        return parse_results(client.download(status.response_body_url))
    return None


# --------------------------------------------------------------- answers
# batch subscribe's code for an address the audience already has
CONTACT_EXISTS = "ERROR_CONTACT_EXISTS"
REFUSED = "Mailchimp refused the member."
# Batch subscribe gives most refusals one code (ERROR_GENERIC): for those the
# permanent ones are told apart by the reason Mailchimp states.
PERMANENT_REASONS = (
    "compliance state",
    "permanently deleted",
    "looks fake or invalid",
    "merge fields were invalid",
    "please enter",
    "is already a list member",
)


def refusal_text(error):
    """A readable message from a batch subscribe error or a problem answer
    (``title``, ``detail``, field errors)."""
    if not isinstance(error, dict):
        return REFUSED
    message = _text(error.get("error")) or _text(error.get("title")) or REFUSED
    if _text(error.get("detail")):
        message += f" — {error['detail']}"
    if _text(error.get("field")):
        message += f" ({error['field']}: {_text(error.get('field_message'))})"
    details = error.get("errors")
    fields_errors = [
        f"{e['field']}: {_text(e.get('message'))}"
        for e in (details if isinstance(details, list) else [])
        if isinstance(e, dict) and _text(e.get("field"))
    ]
    if fields_errors:
        message += " (" + "; ".join(fields_errors) + ")"
    return message


def _text(value):
    return value if isinstance(value, str) else ""


def is_permanent_reason(message):
    """Whether a refusal stated as ``message`` fails again whatever is sent."""
    message = (message or "").lower()
    return any(reason in message for reason in PERMANENT_REASONS)


@dataclass(frozen=True)
class Refusal:
    """One address batch subscribe did not take."""

    email: str
    code: str
    message: str

    @property
    def exists(self):
        """Already in the audience: updated instead (without a status)."""
        return self.code == CONTACT_EXISTS

    @property
    def permanent(self):
        return not self.exists and is_permanent_reason(self.message)


@dataclass(frozen=True)
class UpsertAnswer:
    """The answer of one batch subscribe call (``POST /lists/{id}``), checked:
    members of the wrong shape are left out (they stay to be sent again)."""

    created: tuple = ()  # RemoteMember
    updated: tuple = ()  # RemoteMember
    refused: tuple = ()  # Refusal
    rejected: tuple = ()  # reasons, for the log

    @classmethod
    def from_api(cls, answer):
        if not isinstance(answer, dict):
            raise MalformedResponse("the batch subscribe answer is not an object")
        created, rejected = _members(answer.get("new_members"), "new_members")
        updated, more = _members(answer.get("updated_members"), "updated_members")
        refused = []
        for error in _list(answer.get("errors"), "errors"):
            email = error.get("email_address") if isinstance(error, dict) else None
            if not isinstance(email, str) or not email.strip():
                rejected.append("a refusal without an email address")
                continue
            code = error.get("error_code")
            refused.append(
                Refusal(
                    email.strip().lower(),
                    code if isinstance(code, str) else "",
                    refusal_text(error),
                )
            )
        return cls(tuple(created), tuple(updated), tuple(refused), (*rejected, *more))

    def by_email(self, members):
        return {member.email.lower(): member for member in members}


def _list(value, key):
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedResponse(f"the batch subscribe answer's {key} is not a list")
    return value


def _members(value, key):
    members, rejected = [], []
    for item in _list(value, key):
        try:
            members.append(RemoteMember.from_api(item))
        except InvalidItem as reason:
            rejected.append(str(reason))
    return members, rejected
