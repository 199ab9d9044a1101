"""Tags and saved segments through the client, against the fake: the type
filter, every page read, a tag created with its first 500 members, a
segment deleted (its tag leaves every member)."""

import pytest

from conftest import API_KEY
from services import BATCH_SIZE, MailchimpClient, parse_segments


@pytest.fixture
def client(fake):
    return MailchimpClient(api_key=API_KEY)


def test_segments_by_type_on_every_page(fake, client):
    list_id = fake.add_list("News")
    for index in range(25):
        fake.add_saved_segment(list_id, f"Saved {index}", count=index)
    fake.add_member(list_id, "a@example.com", tags=["VIP"])
    everything = list(client.iter_segments(list_id, kind=None))
    assert len(everything) == 26
    assert fake.calls[-1].query["count"] == "1000"
    tags = list(client.iter_segments(list_id))
    assert [t["name"] for t in tags] == ["VIP"]
    saved, reasons = parse_segments(client.iter_segments(list_id, kind="saved"))
    assert not reasons
    assert {s.type for s in saved} == {"saved"}
    assert {s.member_count for s in saved} == set(range(25))


def test_fake_pages_by_ten_by_default(fake, client):
    list_id = fake.add_list("News")
    for index in range(25):
        fake.add_saved_segment(list_id, f"Saved {index}")
    page = client.call(client.sdk.lists.list_segments, list_id)
    assert (len(page["segments"]), page["total_items"]) == (10, 25)


def test_tag_created_with_its_first_members(fake, client):
    list_id = fake.add_list("News")
    for email in ("a@example.com", "b@example.com"):
        fake.add_member(list_id, email)
    answer = client.create_static_segment(
        list_id, "VIP", ["a@example.com", "b@example.com"]
    )
    assert answer["member_count"] == 2
    assert fake.tag_names(list_id, "a@example.com") == ["VIP"]
    with pytest.raises(ValueError):
        client.create_static_segment(
            list_id, "Big", ["x@example.com"] * (BATCH_SIZE + 1)
        )


def test_delete_segment_untags_everyone(fake, client):
    list_id = fake.add_list("News")
    fake.add_member(list_id, "a@example.com", tags=["VIP", "Other"])
    segment_id = fake.segment_named(list_id, "VIP")["id"]
    client.delete_segment(list_id, segment_id)
    assert fake.tag_names(list_id, "a@example.com") == ["Other"]
    assert fake.segment_named(list_id, "VIP") is None
    assert fake.count("DELETE", rf"/lists/{list_id}/segments/{segment_id}") == 1


def test_parse_segments_skips_malformed_items():
    segments, reasons = parse_segments(
        [{"id": 1, "name": "VIP"}, {"id": "x"}, {"id": 2, "name": ""}]
    )
    assert [s.id for s in segments] == [1]
    assert len(reasons) == 2
