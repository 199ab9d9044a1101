"""Issue 18: batch calls on several connections at once (``services/parallel``):
answers applied in the order sent, errors kept with their call, a 429 retried
and the connections lowered for the rest of the run."""

import threading
import time

import pytest

from services import MailchimpClient, MailchimpError, parallel

RATE_LIMITED = {"title": "Too Many Requests", "detail": "Too many connections"}


def _members(start, count):
    return [
        {"email_address": f"p{i}@example.com", "status": "subscribed"}
        for i in range(start, start + count)
    ]


def test_clamp():
    assert parallel.clamp(None) == parallel.DEFAULT_CONNECTIONS == 4
    assert parallel.clamp(0) == 4
    assert parallel.clamp(3) == 3
    assert parallel.clamp(50) == parallel.MAX_CONNECTIONS == 10


def test_answers_applied_in_order_on_the_callers_thread(client):
    connections = parallel.Connections(client, 4)
    applied, threads = [], set()
    caller = threading.get_ident()

    def slow(worker, index):
        assert worker is not client, "each worker has its own client"
        threads.add(threading.get_ident())
        time.sleep(0.01 * (8 - index % 8))  # the first ones finish last
        return index

    def apply(context, answer, error):
        assert threading.get_ident() == caller
        applied.append((context, answer, error))

    pipeline = parallel.Pipeline(connections, apply)
    for index in range(16):
        pipeline.send(f"batch {index}", slow, index)
    pipeline.drain()
    connections.close()
    assert applied == [(f"batch {i}", i, None) for i in range(16)]
    assert caller not in threads and 1 < len(threads) <= 4


def test_batch_answers_stay_with_their_batch(client, fake):
    list_id = fake.add_list("Parallel")
    fake.add_member(list_id, "p3@example.com", "subscribed")
    connections = parallel.Connections(client, 4)
    answers = {}

    def apply(context, answer, error):
        answers[context] = answer

    pipeline = parallel.Pipeline(connections, apply)
    for start in range(0, 40, 10):
        batch = _members(start, 10)
        pipeline.send(start, MailchimpClient.batch_upsert, list_id, batch, False)
    pipeline.drain()
    connections.close()
    for start, answer in answers.items():
        created = {m["email_address"] for m in answer["new_members"]}
        refused = {e["email_address"] for e in answer["errors"]}
        expected = {f"p{i}@example.com" for i in range(start, start + 10)}
        assert created | refused == expected
        assert refused == ({"p3@example.com"} if start == 0 else set())
    assert fake.count("POST", f"/lists/{list_id}") == 4


def test_a_failed_call_stops_sending_and_is_raised_after_the_others(client, fake):
    list_id = fake.add_list("Parallel")
    fake.fail("POST", f"/lists/{list_id}", status=400, skip=1, body={"title": "Bad"})
    connections = parallel.Connections(client, 2)
    applied = []
    pipeline = parallel.Pipeline(
        connections, lambda c, a, e: applied.append((c, a is not None, e is not None))
    )
    for start in range(0, 60, 10):
        pipeline.send(start, MailchimpClient.batch_upsert, list_id, _members(start, 10))
    with pytest.raises(MailchimpError):
        pipeline.drain()
    connections.close()
    assert applied[:2] == [(0, True, False), (10, False, True)]
    assert len(applied) < 6, "nothing sent after the failure was known"


def test_429_is_retried_and_lowers_the_connections(fake, sleeps):
    client = MailchimpClient(api_key=fake.api_key, sleep=sleeps.append, max_retries=4)
    list_id = fake.add_list("Parallel")
    fake.fail(
        "POST",
        f"/lists/{list_id}",
        status=429,
        body=RATE_LIMITED,
        headers={"Retry-After": "1"},
        times=2,
    )
    connections = parallel.Connections(client, 4)
    answers = []
    pipeline = parallel.Pipeline(connections, lambda c, a, e: answers.append((c, e)))
    for start in range(0, 80, 10):
        pipeline.send(start, MailchimpClient.batch_upsert, list_id, _members(start, 10))
    pipeline.drain()
    connections.close()
    assert answers == [(start, None) for start in range(0, 80, 10)]
    assert connections.throttled == 2 and connections.limit <= 3
    assert sleeps == [1, 1], "Retry-After honoured on the worker's retry"
    assert len(fake.members[list_id]) == 80
