"""Tags and saved segments of an audience (``GET /lists/{id}/segments``) and
the answer of a tag's batch call (``POST /lists/{id}/segments/{segment_id}``,
500 members added or removed a call), checked at the boundary."""

from dataclasses import dataclass

from . import checks
from .checks import InvalidItem, bounded, is_number
from .errors import MalformedResponse
from .interests import checked

SEGMENT_TYPES = frozenset({"static", "saved", "fuzzy"})


@dataclass(frozen=True)
class RemoteSegment:
    """A tag (``static``) or a saved segment of an audience."""

    id: int
    name: str
    type: str = "static"
    member_count: int = 0

    @classmethod
    def from_api(cls, item):
        if not isinstance(item, dict):
            raise InvalidItem("the segment is not an object")
        segment_id = item.get("id")
        if not is_number(segment_id):
            raise InvalidItem("the segment has no numeric id")
        bounded(segment_id, "the segment id", InvalidItem)
        name = checks.text(item.get("name"))
        if not name:
            raise InvalidItem(f"the segment {segment_id} has no name")
        kind = item.get("type")
        return cls(
            id=segment_id,
            name=name,
            type=kind if kind in SEGMENT_TYPES else "static",
            member_count=checks.count_at(item, "member_count"),
        )


@dataclass(frozen=True)
class SegmentAnswer:
    """What a tag's batch call did: counts, and the addresses it could not
    add or remove (not in the audience)."""

    added: int = 0
    removed: int = 0
    failed: frozenset = frozenset()

    @classmethod
    def from_api(cls, answer):
        if not isinstance(answer, dict):
            raise MalformedResponse("the tag's batch answer is not an object")
        errors = answer.get("errors") or []
        if not isinstance(errors, list):
            raise MalformedResponse("the tag's batch errors are not a list")
        failed = set()
        for error in errors:
            emails = error.get("email_addresses") if isinstance(error, dict) else None
            for email in emails if isinstance(emails, list) else ():
                if isinstance(email, str):
                    failed.add(email.strip().lower())
        try:
            added = checks.count_at(answer, "total_added")
            removed = checks.count_at(answer, "total_removed")
        except InvalidItem as reason:
            raise MalformedResponse(f"the tag's batch answer: {reason}") from None
        return cls(added=added, removed=removed, failed=frozenset(failed))


def parse_segments(items):
    """``(segments, reasons)``: the well-formed segments among raw items, and
    why the others were skipped."""
    reasons = []
    return checked(items, RemoteSegment.from_api, reasons), reasons


def find_segment(items, name):
    """The first well-formed segment called ``name`` among raw items."""
    for item in items:
        try:
            segment = RemoteSegment.from_api(item)
        except InvalidItem:
            continue
        if segment.name == name:
            return segment
    return None
