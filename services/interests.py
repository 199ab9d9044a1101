"""An audience's groups (``GET /lists/{id}/interest-categories``) and their
interests (``.../interests``), checked at the boundary."""

from dataclasses import dataclass

from . import checks
from .checks import InvalidItem

# how the signup form shows a group, with the label Odoo shows for each
CATEGORY_TYPES = {
    "checkboxes": "Checkboxes",
    "dropdown": "Drop-down",
    "radio": "Radio buttons",
    "hidden": "Hidden",
}


@dataclass(frozen=True)
class RemoteCategory:
    """A group title ("Interests") and how the signup form shows it."""

    id: str
    title: str
    type: str = "checkboxes"
    display_order: int = 0

    @classmethod
    def from_api(cls, item):
        if not isinstance(item, dict):
            raise InvalidItem("the group is not an object")
        category_id = checks.resource_id(item, "id", "group")
        kind = item.get("type")
        return cls(
            id=category_id,
            title=checks.text(item.get("title")) or category_id,
            type=kind if kind in CATEGORY_TYPES else "checkboxes",
            display_order=checks.count_at(item, "display_order"),
        )


@dataclass(frozen=True)
class RemoteInterest:
    """One group name (an interest) of a category."""

    id: str
    category_id: str
    name: str
    subscriber_count: int = 0
    display_order: int = 0

    @classmethod
    def from_api(cls, item, category_id):
        """From one interest of the category ``category_id``."""
        if not isinstance(item, dict):
            raise InvalidItem("the group name is not an object")
        interest_id = checks.resource_id(item, "id", "group name")
        if item.get("category_id", category_id) != category_id:
            raise InvalidItem("the group name belongs to another group")
        count = item.get("subscriber_count")
        if isinstance(count, str):
            count = checks.digits(count)  # Mailchimp sends this count as a string
        return cls(
            id=interest_id,
            category_id=category_id,
            name=checks.text(item.get("name")) or interest_id,
            subscriber_count=checks.count(count, "subscriber_count"),
            display_order=checks.count_at(item, "display_order"),
        )


def checked(items, build, rejected):
    """The items ``build`` accepts; the reasons of the others in ``rejected``."""
    result = []
    for item in items:
        try:
            result.append(build(item))
        except InvalidItem as reason:
            rejected.append(str(reason))
    return result
