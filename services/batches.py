"""Mailchimp batch operations (``POST /batches``): many member writes in one
call, run by Mailchimp in the background.

Used to update members Mailchimp already has *without stating their status*
(``PUT`` with ``status_if_new``): Mailchimp's own guidance for a sync that
must never re-subscribe anybody. Results come back as a gzipped tar of JSON
files; each holds a list of ``{status_code, operation_id, response}`` where
``response`` is JSON text. Everything read here is checked.
"""

import io
import json
import tarfile
from dataclasses import dataclass

from .counts import bounded, is_number
from .errors import MalformedResponse, path_segment
from .results_download import is_result_url, refuse_address

BATCH_STATES = frozenset(
    {"pending", "preprocessing", "started", "finalizing", "finished"}
)
MAX_RESULT_BYTES = 50 * 1024 * 1024  # a 500-operation result is well under 5 MB


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
    total: int
    finished: int
    errored: int
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

        return cls(
            id=batch_id,
            status=status,
            total=_number(data, "total_operations"),
            finished=_number(data, "finished_operations"),
            errored=_number(data, "errored_operations"),
            response_body_url=url,
        )


def _number(data, key):
    """A count of the batch status: 0 when missing, refused when larger than
    Odoo can store."""
    value = data.get(key)
    if not is_number(value) or value < 0:
        return 0
    return bounded(value, f"the batch's {key}", MalformedResponse)


@dataclass(frozen=True)
class OperationResult:
    operation_id: str
    status_code: int
    response: object  # the decoded JSON answer of the operation, or None

    @property
    def ok(self):
        return 200 <= self.status_code < 300

    @property
    def title(self):
        """Mailchimp's error title (a problem answer), or None."""
        response = self.response if isinstance(self.response, dict) else {}
        title = response.get("title")
        return title if isinstance(title, str) else None

    @property
    def status(self):
        """The member status a successful answer states, or None."""
        response = self.response if isinstance(self.response, dict) else {}
        status = response.get("status")
        return status if isinstance(status, str) else None


def _result(item):
    if not isinstance(item, dict):
        return None
    status_code, operation_id = item.get("status_code"), item.get("operation_id")
    if not isinstance(status_code, int) or not isinstance(operation_id, str):
        return None
    raw = item.get("response")
    try:
        response = json.loads(raw) if isinstance(raw, str) and raw.strip() else None
    except ValueError:
        response = None
    return OperationResult(operation_id, status_code, response)


def parse_results(archive):
    """``[OperationResult]`` from the gzipped tar Mailchimp serves; items of
    the wrong shape are left out (their operations stay unconfirmed)."""
    if len(archive) > MAX_RESULT_BYTES:
        raise MalformedResponse("the batch results are too large")
    results = []
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for member in tar.getmembers():
                if not member.isfile() or not member.name.endswith(".json"):
                    continue
                items = json.loads(tar.extractfile(member).read() or b"[]")
                if not isinstance(items, list):
                    raise MalformedResponse("a batch result file is not a list")
                results.extend(r for r in map(_result, items) if r)
    except (tarfile.TarError, OSError, EOFError, ValueError):
        raise MalformedResponse(
            "the batch results are not a readable archive"
        ) from None
    return results
