"""The benchmark's fake Mailchimp: the tests' fake made cheap per call, as its
CPU competes with Odoo's on the benchmark's machine.

* Each list's members are indexed by ``last_changed``: a page of a read sorted
  by ``last_changed`` costs the page, not the list (the tests' fake filters
  and sorts every member on each page, which at 1,000,000 members is seconds a
  page).
* A request's body is parsed once (the server reads it too), and the calls
  are kept without their bodies (the benchmark reads only their method and
  path): a full push of 1,000,000 members does not keep them all twice.

It answers exactly as the tests' fake does (``tests/fake_routes.py``,
``_r_get_members``): the members whose ``last_changed`` is at or after
``since_last_changed`` and before ``before_last_changed`` (spec
``getListsIdMembers``: "Restrict results to subscribers whose information
changed after/before the set timeframe"), sorted by ``last_changed`` with ties
in the list's order (a stable sort), ``offset`` and ``count`` (1,000 at most,
10 by default: spec "The number of records to return. Default value is 10.
Maximum value is 1000"), ``total_items`` the members in the window, and only
the ``fields`` asked for. Any other read goes to the tests' fake.

The index is dropped by any call that may change a member (every method but
GET, and the benchmark's own changes): it is rebuilt, once, by the next read.
"""

import os
import re
import sys
from bisect import bisect_left
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from fake_mailchimp import FakeMailchimp  # noqa: E402

MEMBERS_PATH = re.compile(r"/lists/(?P<lid>[^/]+)/members")
DEFAULT_COUNT = 10  # spec getListsIdMembers: count's default
MAX_COUNT = 1000  # spec getListsIdMembers: count's maximum
INDEXED_SORT = ("last_changed", "ASC")
UNREAD = object()


class CallsWithoutBody(list):
    """The calls made, each kept without its body."""

    def append(self, call):
        super().append(call._replace(body=None))


class BenchFake(FakeMailchimp):
    """The tests' fake, with its member reads by ``last_changed`` indexed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = CallsWithoutBody()
        self._indexes = {}  # list id -> (last_changed datetimes, members), sorted

    def reset_calls(self):
        self.calls = CallsWithoutBody()

    def _request_body(self, request):
        body = getattr(request, "bench_body", UNREAD)
        if body is UNREAD:
            body = request.bench_body = super()._request_body(request)
        return body

    def drop_index(self):
        self._indexes.clear()

    def _route(self, method, path, query, body):
        if method != "GET":
            self.drop_index()
            return super()._route(method, path, query, body)
        match = MEMBERS_PATH.fullmatch(path)
        if match and match["lid"] in self.lists and self._indexable(query):
            return 200, self._indexed_page(match["lid"], query)
        return super()._route(method, path, query, body)

    @staticmethod
    def _indexable(query):
        sort = (query.get("sort_field"), query.get("sort_dir") or "ASC")
        offset, count = query.get("offset", "0"), query.get("count", "0")
        return (
            sort == INDEXED_SORT
            and not query.get("status")
            and offset.isdigit()
            and count.isdigit()
        )

    def _index(self, lid):
        if lid not in self._indexes:
            # a stable sort of the list's order: the tests' fake's order
            members = sorted(
                self.members[lid].values(), key=lambda m: m["last_changed"]
            )
            keys = [datetime.fromisoformat(m["last_changed"]) for m in members]
            self._indexes[lid] = (keys, members)
        return self._indexes[lid]

    def _indexed_page(self, lid, query):
        keys, members = self._index(lid)
        low, high = 0, len(members)
        if query.get("since_last_changed"):
            since = datetime.fromisoformat(query["since_last_changed"])
            low = bisect_left(keys, since)  # last_changed >= since
        if query.get("before_last_changed"):
            before = datetime.fromisoformat(query["before_last_changed"])
            high = max(low, bisect_left(keys, before))  # last_changed < before
        count = min(int(query.get("count", DEFAULT_COUNT)), MAX_COUNT)
        start = low + int(query.get("offset", 0))
        page = members[start : min(high, start + count)]
        result = {
            "members": [self._public(m) for m in page],
            "list_id": lid,
            "total_items": high - low,
        }
        return self._only_fields(result, query.get("fields"))

    @staticmethod
    def _only_fields(result, fields):
        """Only the fields asked for (dot notation), as the tests' fake does."""
        if not fields:
            return result
        wanted = fields.split(",")
        keys = {f.split(".", 1)[1] for f in wanted if f.startswith("members.")}
        result = {k: v for k, v in result.items() if k in wanted or k == "members"}
        result["members"] = [
            {k: v for k, v in m.items() if k in keys} for m in result["members"]
        ]
        return result
