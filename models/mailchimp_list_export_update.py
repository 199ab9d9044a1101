"""List export: members Mailchimp already has are updated without stating a
status (``PUT`` with ``status_if_new``, bundled in ``POST /batches``), so an
export never re-subscribes anybody, even someone who unsubscribes while it
runs; the list's tag goes in the same batch, for taggable members only."""

from ..services import MailchimpError, subscriber_hash
from ..services.batches import BatchStatus, member_path, operation, parse_results
from .mailchimp_member_results import _error_text

# waits (seconds) for an export's batch: about a minute in all
EXPORT_POLL_WAITS = (1, 2, 4, 8, 15, 30)


def update_known(run, known, contact_of, results):
    """Update ``{email: payload}`` members; store ``results[email]`` as
    ``(outcome, status)`` with the status Mailchimp answered."""
    params = (
        {"skip_merge_validation": "true"}
        if run.audience.required_policy == "empty"
        else None
    )
    ops, emails = [], []
    for index, (email, payload) in enumerate(known.items()):
        path = member_path(run.list_id, subscriber_hash(email))
        body = {
            "email_address": email,
            "merge_fields": payload.get("merge_fields") or {},
            "status_if_new": run.new_status,
        }
        ops.append(operation("PUT", path, f"{index}:put", body, params))
        if payload.get("tags"):
            tags = {"tags": [{"name": t, "status": "active"} for t in payload["tags"]]}
            ops.append(operation("POST", f"{path}/tags", f"{index}:tags", tags))
        emails.append(email)
    for result in _run_batch(run.client, ops):
        index, _sep, kind = result.operation_id.partition(":")
        if not index.isdigit() or int(index) >= len(emails):
            continue
        email = emails[int(index)]
        if result.ok and kind == "put" and isinstance(result.response, dict):
            results.setdefault(email, ("updated", result.response.get("status")))
        elif not result.ok:
            results[email] = ("error", None)
            run._line("errors", contact_of[email], email, _error_text(result.response))


def _run_batch(client, ops):
    status = BatchStatus.from_api(client.start_batch(ops))
    for wait in (0, *EXPORT_POLL_WAITS):
        if wait:
            client.pause(wait)
        status = BatchStatus.from_api(client.get_batch(status.id))
        if status.done:
            return parse_results(client.download(status.response_body_url))
    raise MailchimpError(
        "Mailchimp is still processing the export's updates; export the list "
        "again in a few minutes.",
        kind="timeout",
    )
