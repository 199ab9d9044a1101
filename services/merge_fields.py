"""An audience's merge fields (``GET /lists/{id}/merge-fields``), checked at
the boundary."""

import re
from dataclasses import dataclass

from . import checks
from .checks import InvalidItem
from .payload import MERGE_FIELD_TYPES

# read leniently (Mailchimp writes upper-case tags of at most 10 characters)
TAG_RE = re.compile(r"^[A-Za-z0-9_]{1,50}$")


@dataclass(frozen=True)
class RemoteMergeField:
    tag: str
    name: str
    type: str = "text"
    merge_id: int = 0
    required: bool = False
    display_order: int = 0
    choices: tuple = ()
    phone_format: str | None = None
    date_format: str | None = None
    default_value: str | None = None

    @classmethod
    def from_api(cls, item):
        if not isinstance(item, dict):
            raise InvalidItem("the merge field is not an object")
        tag = item.get("tag")
        if not isinstance(tag, str) or not TAG_RE.match(tag):
            raise InvalidItem(f"the merge tag {str(tag)[:20]!r} is invalid")
        kind = item.get("type")
        options = checks.obj(item.get("options"))
        choices = options.get("choices")
        return cls(
            tag=tag,
            name=checks.text(item.get("name")) or tag,
            type=kind if kind in MERGE_FIELD_TYPES else "text",
            merge_id=checks.count_at(item, "merge_id"),
            required=item.get("required") is True,
            display_order=checks.count_at(item, "display_order"),
            choices=tuple(
                c
                for c in (choices if isinstance(choices, list) else [])
                if isinstance(c, str)
            ),
            phone_format=checks.text(options.get("phone_format")),
            date_format=checks.text(options.get("date_format")),
            default_value=checks.text(item.get("default_value")),
        )
