"""The fake Mailchimp's segments beyond tags: saved segments (Mailchimp's own
conditions, a member count), ``GET /segments`` filtered by ``type`` and
paged, and ``DELETE /lists/{id}/segments/{segment_id}``."""

import re

try:  # a module of the tests package, or a top-level one (pure tier)
    from .fake_common import not_found
except ImportError:
    from fake_common import not_found  # noqa: I001


class FakeSegmentRoutes:
    """Segment routes and helpers (before the other routes in the MRO)."""

    SEGMENT_ROUTES = [
        ("DELETE", r"/lists/(?P<lid>[^/]+)/segments/(?P<sid>\d+)", "delete_segment"),
    ]

    def _route(self, method, path, query, body):
        for route_method, pattern, name in self.SEGMENT_ROUTES:
            match = re.fullmatch(pattern, path)
            if route_method == method and match:
                return getattr(self, "_r_" + name)(query, body, **match.groupdict())
        return super()._route(method, path, query, body)

    def add_saved_segment(self, list_id, name, count=0):
        """A saved segment made in Mailchimp (conditions Odoo does not see)."""
        segment = {
            "id": self._next(),
            "name": name,
            "type": "saved",
            "member_hashes": set(),
            "_count": count,
        }
        self.segments[list_id][segment["id"]] = segment
        return segment["id"]

    def segment_named(self, list_id, name):
        """The segment (tag or saved) called ``name``, or None."""
        return next(
            (s for s in self.segments[list_id].values() if s["name"] == name), None
        )

    def _segment_json(self, lid, segment):
        kind = segment.get("type", "static")
        count = segment["_count"] if kind == "saved" else len(segment["member_hashes"])
        return {
            "id": segment["id"],
            "name": segment["name"],
            "type": kind,
            "member_count": count,
            "list_id": lid,
        }

    def _r_get_segments(self, query, body, lid):
        self._list(lid)
        segments = [
            self._segment_json(lid, s)
            for s in self.segments[lid].values()
            if not query.get("type") or s.get("type", "static") == query["type"]
        ]
        return 200, {
            "segments": self._page(segments, query),
            "list_id": lid,
            "total_items": len(segments),
        }

    def _r_delete_segment(self, query, body, lid, sid):
        """Deleting a tag removes it from every member."""
        self._list(lid)
        segment = self.segments[lid].pop(int(sid), None)
        if segment is None:
            raise not_found()
        for member in self.members[lid].values():
            if member["id"] in segment["member_hashes"]:
                member["tags"] = [t for t in member["tags"] if t["id"] != segment["id"]]
                member["tags_count"] = len(member["tags"])
        return 204, None
