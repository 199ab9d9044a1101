"""The archive of a batch's results (``response_body_url``), read defensively.

Mailchimp documents a gzipped tar archive of JSON files, each a list of
``{status_code, operation_id, response}`` where ``response`` is JSON text
(api-notes §10; Mailchimp's guide "How to Use Batch Operations",
developer.mailchimp.com/documentation/mailchimp/guides/how-to-use-batch-operations/).
The names of the files are not documented: every regular file is read, links,
folders and other members are skipped and logged, and so is a file whose JSON
is not such a list. What an archive may hold is capped (a small download may
unpack to gigabytes): a file's declared size and the bytes read from it, the
number of files, and the bytes of the whole archive once uncompressed. An
archive over a cap is refused whole (:class:`ResultsRefused`)."""

import gzip
import io
import json
import logging
import tarfile
import zlib
from dataclasses import dataclass

from .errors import MalformedResponse, refused

_logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# A batch of this addon holds at most ~1,500 operations (500 members, a few
# operations each); its results are well under 10 MB uncompressed.
MAX_FILE_BYTES = 16 * MIB  # one file of the archive, declared and read
MAX_UNCOMPRESSED_BYTES = 64 * MIB  # the whole archive once uncompressed
MAX_FILES = 10_000  # members of the archive (usually a file per operation)


@dataclass(frozen=True)
class OperationResult:
    operation_id: str
    status_code: int
    response: object  # the decoded JSON answer of the operation, or None

    @property
    def ok(self):
        return 200 <= self.status_code < 300

    def _text(self, key):
        """The answer's ``key`` when the answer is an object and it is text."""
        value = self.response.get(key) if isinstance(self.response, dict) else None
        return value if isinstance(value, str) else None

    @property
    def title(self):
        """Mailchimp's error title (a problem answer), or None."""
        return self._text("title")

    @property
    def status(self):
        """The member status a successful answer states, or None."""
        return self._text("status")


def _result(item):
    if not isinstance(item, dict):
        return None
    status_code, operation_id = item.get("status_code"), item.get("operation_id")
    if not isinstance(status_code, int) or not isinstance(operation_id, str):
        return None
    raw = item.get("response")
    try:
        response = json.loads(raw) if isinstance(raw, str) and raw.strip() else None
    except (ValueError, RecursionError):
        response = None
    return OperationResult(operation_id, status_code, response)


class _Capped(io.RawIOBase):
    """The uncompressed stream of the archive, refusing to give more than
    :data:`MAX_UNCOMPRESSED_BYTES` (tar headers and padding included)."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.left = MAX_UNCOMPRESSED_BYTES

    def readable(self):
        return True

    def readinto(self, buffer):
        # one byte more than what is left tells that the cap is passed
        data = self.stream.read(min(len(buffer), self.left + 1))
        self.left -= len(data)
        if self.left < 0:
            raise refused(
                f"they hold more than {MAX_UNCOMPRESSED_BYTES} bytes uncompressed"
            )
        buffer[: len(data)] = data
        return len(data)


def _file_bytes(tar, member):
    """The content of one regular file, read with a bounded read."""
    if member.size > MAX_FILE_BYTES:
        raise refused(
            f"the file {member.name[:80]!r} declares {member.size} bytes "
            f"(at most {MAX_FILE_BYTES})"
        )
    data = tar.extractfile(member).read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise refused(
            f"the file {member.name[:80]!r} holds more than {MAX_FILE_BYTES} bytes"
        )
    return data


def _file_results(name, data):
    """The operation results of one file; a file whose JSON is not a list of
    them is skipped and logged, as are the items of the wrong shape."""
    try:
        items = json.loads(data)
    except (ValueError, RecursionError):
        items = None
    if not isinstance(items, list):
        _logger.info("Batch results file %r skipped: not a JSON list", name[:80])
        return []
    results = [r for r in map(_result, items) if r]
    if len(results) < len(items):
        _logger.info(
            "Batch results file %r: %d of %d items are not operation results",
            name[:80],
            len(items) - len(results),
            len(items),
        )
    return results


def _read_members(tar):
    results, seen = [], 0
    for member in tar:
        seen += 1
        if seen > MAX_FILES:
            raise refused(f"they hold more than {MAX_FILES} files")
        if not member.isreg():
            _logger.info(
                "Batch results member %r skipped: not a regular file", member.name[:80]
            )
            continue
        results.extend(_file_results(member.name, _file_bytes(tar, member)))
    return results


def parse_results(archive):
    """``[OperationResult]`` from the gzipped tar Mailchimp serves; items of
    the wrong shape are left out (their operations stay unconfirmed). An
    archive over a cap raises :class:`ResultsRefused`, an unreadable one
    :class:`MalformedResponse`."""
    stream = _Capped(gzip.GzipFile(fileobj=io.BytesIO(archive), mode="rb"))
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            return _read_members(tar)
    except (tarfile.TarError, OSError, EOFError, ValueError, zlib.error):
        raise MalformedResponse(
            "the batch results are not a readable archive"
        ) from None
