"""Mailchimp batch operations (``POST /batches``): many member writes in one
call, run by Mailchimp in the background.

Used to update members Mailchimp already has *without stating their status*
(``PUT`` with ``status_if_new``): Mailchimp's own guidance for a sync that
must never re-subscribe anybody. The status of a batch is checked here; its
results are downloaded by :mod:`.results_download` and read by
:mod:`.results_archive`.
"""

import json
from dataclasses import dataclass

from .errors import MalformedResponse, path_segment
from .results_download import is_result_url, refuse_address

BATCH_STATES = frozenset(
    {"pending", "preprocessing", "started", "finalizing", "finished"}
)


def member_path(list_id, member_hash, suffix=""):
    """``/lists/{id}/members/{hash}[/suffix]`` with both ids checked."""
    return f"/lists/{path_segment(list_id)}/members/{path_segment(member_hash)}{suffix}"


def operation(method, path, operation_id, body=None, params=None):
    """One operation of ``POST /batches`` (``body`` is sent as JSON text)."""
    op = {"method": method, "path": path, "operation_id": str(operation_id)}
    if body is not None:
        op["body"] = json.dumps(body)
    if params:
        op["params"] = params
    return op


@dataclass(frozen=True)
class BatchStatus:
    id: str
    status: str
    response_body_url: str

    @property
    def done(self):
        return self.status == "finished"

    @classmethod
    def from_api(cls, data):
        if not isinstance(data, dict):
            raise MalformedResponse("the batch status is not an object")
        status = data.get("status")
        batch_id = data.get("id")
        if status not in BATCH_STATES or not isinstance(batch_id, str):
            raise MalformedResponse("the batch status has no id or state")
        path_segment(batch_id)  # an id that will be part of a URL
        url = data.get("response_body_url") or ""
        if status == "finished" and not url:
            raise MalformedResponse("the finished batch has no results address")
        if status == "finished" and not is_result_url(url):
            raise refuse_address(url)
        return cls(id=batch_id, status=status, response_body_url=url)
