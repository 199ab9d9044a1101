"""The one upsert protocol, used by the push, the list export and the contact
actions: members Mailchimp has never seen are created (batch subscribe,
``update_existing=false``, which can never change a status); members it has
are updated without stating a status (``PUT`` with ``status_if_new``), many at
once through ``POST /batches``, whose results are read back when Mailchimp has
run them."""

from .batches import BatchStatus, member_path, operation, parse_results
from .helpers import subscriber_hash

SKIP_VALIDATION = {"skip_merge_validation": "true"}


def update_operation(list_id, member_hash, body, operation_id, skip_validation):
    """``PUT`` of a known member: ``body`` holds ``status_if_new`` and never a
    status unless the caller states a change the person made."""
    return operation(
        "PUT",
        member_path(list_id, member_hash),
        operation_id,
        body,
        SKIP_VALIDATION if skip_validation else None,
    )


def tags_operation(list_id, member_hash, tags, operation_id):
    """Add ``tags`` to a member (``PUT`` ignores tags)."""
    body = {"tags": [{"name": tag, "status": "active"} for tag in tags]}
    return operation(
        "POST", member_path(list_id, member_hash, "/tags"), operation_id, body
    )


def member_hash(email, known_hash=None):
    return known_hash or subscriber_hash(email)


def start(client, operations):
    """Submit the operations; the batch's id."""
    return BatchStatus.from_api(client.start_batch(operations)).id


def results_when_done(client, batch_id, waits):
    """Poll the batch with bounded ``waits``; its results once finished, else
    None (poll again later)."""
    for wait in (0, *waits):
        if wait:
            client.pause(wait)
        status = BatchStatus.from_api(client.get_batch(batch_id))
        if status.done:
            return parse_results(client.download(status.response_body_url))
    return None
