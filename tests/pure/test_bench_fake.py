"""The benchmark's fake (``benchmark/bench_fake.py``) answers a member read
exactly as the tests' fake does, with its index by ``last_changed``, also
after a write moved a member."""

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmark"))

from bench_fake import BenchFake  # noqa: E402
from fake_mailchimp import FakeMailchimp  # noqa: E402

MEMBERS = 600
QUERIES = 200
FIELDS = "members.id,members.last_changed,total_items"


def _fake():
    """Members created in few seconds (ties in ``last_changed``), then some
    changed later."""
    fake = BenchFake()
    fake.check_contract = False
    list_id = fake.add_list("Bench")
    for i in range(MEMBERS):
        fake.add_member(list_id, f"m{i}@example.com")
        if i % 100 == 0:
            fake.advance(1)
    for i in range(0, MEMBERS, 7):
        fake.advance(0.4)
        fake.set_merge(list_id, f"m{i * 13 % MEMBERS}@example.com", FNAME="B")
    return fake, list_id


def _query(rnd, stamps):
    query = {
        "sort_field": "last_changed",
        "sort_dir": "ASC",
        "offset": str(rnd.choice([0, 3, 99, 100, 450, 700])),
        "count": str(rnd.choice([10, 100, 1000])),
    }
    if rnd.random() < 0.7:
        query["since_last_changed"] = rnd.choice(stamps)
    if rnd.random() < 0.5:
        query["before_last_changed"] = rnd.choice(stamps)
    if rnd.random() < 0.5:
        query["fields"] = FIELDS
    return query


def _same_pages(fake, list_id, seed):
    rnd = random.Random(seed)
    stamps = sorted({m["last_changed"] for m in fake.members[list_id].values()})
    path = f"/lists/{list_id}/members"
    for _ in range(QUERIES):
        query = _query(rnd, stamps)
        indexed = fake._route("GET", path, dict(query), None)
        plain = FakeMailchimp._route(fake, "GET", path, dict(query), None)
        assert indexed == plain, query


def test_pages_as_the_tests_fake():
    fake, list_id = _fake()
    _same_pages(fake, list_id, 1)


def test_a_write_moves_the_member_in_the_next_read():
    fake, list_id = _fake()
    _same_pages(fake, list_id, 2)  # the index is built
    fake.advance(5)
    member = fake.member(list_id, "m0@example.com")
    fake._route("PATCH", f"/lists/{list_id}/members/{member['id']}", {}, {"vip": True})
    query = {"sort_field": "last_changed", "count": "1000"}
    page = fake._route("GET", f"/lists/{list_id}/members", query, None)[1]
    assert page["members"][-1]["id"] == member["id"]
    _same_pages(fake, list_id, 3)
