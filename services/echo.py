"""Odoo's own writes read back (the echo): the key of a member's version, from
what Mailchimp answers to a write and from a light read of the changes.

``GET /lists/{list_id}/members`` takes ``fields``, "a comma-separated list of
fields to return. Reference parameters of sub-objects with dot notation"
(OpenAPI 3.0.85, operation ``getListsIdMembers``; api-notes §9): an
incremental read first asks only for these fields, enough to tell a member
Odoo just wrote (the same ``last_changed``, email, status and values as in
Mailchimp's answer to the write) from one changed since."""

from .remote import parse_time

ECHO_FIELDS = [
    "members." + f
    for f in (
        "id",
        "email_address",
        "status",
        "last_changed",
        "web_id",
        # what RemoteMember.fingerprint() is made of
        "merge_fields",
        "member_rating",
        "stats",
        "tags",
        "marketing_permissions",
        "interests",
    )
] + ["total_items"]


def echo_key(remote, fingerprint=None):
    """The key of a :class:`RemoteMember`'s version: its ``last_changed``
    (Mailchimp's time, to the second) and what a change made in Mailchimp
    within that second would move (email, status, and the values of its
    ``fingerprint()``, passed when already computed)."""
    changed = parse_time(remote.last_changed)
    return "|".join(
        (
            changed.isoformat() if changed else "",
            remote.email.lower(),
            remote.status,
            fingerprint or remote.fingerprint(),
        )
    )
