"""Campaigns, reports and activity are checked at the boundary
(services/campaigns.py), without Odoo."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from services import (
    InvalidItem,
    MalformedResponse,
    RemoteActivity,
    RemoteCampaign,
    RemoteEvent,
    parse_activity_feed,
    parse_activity_page,
    parse_campaign_page,
    subscriber_hash,
)

EMAIL = "ann@example.com"


def campaign(**overrides):
    data = {
        "id": "c1a2b3",
        "web_id": 7,
        "status": "sent",
        "send_time": "2026-11-01T09:00:00+00:00",
        "emails_sent": 2,
        "settings": {"title": "November", "subject_line": "News"},
        "archive_url": "https://eepurl.com/c1a2b3",
    }
    data.update(overrides)
    return data


def report(**overrides):
    data = {
        "id": "c1a2b3",
        "campaign_title": "Report title",
        "subject_line": "Report subject",
        "emails_sent": 5,
        "unsubscribed": 1,
        "bounces": {"hard_bounces": 1, "soft_bounces": 2},
        "opens": {"opens_total": 3, "unique_opens": 1, "open_rate": 0.5},
        "clicks": {"clicks_total": 4, "unique_clicks": 2, "click_rate": 0.25},
    }
    data.update(overrides)
    return data


def test_campaign_with_its_report():
    remote = RemoteCampaign.from_api(campaign(), report())
    assert (remote.id, remote.web_id, remote.status) == ("c1a2b3", 7, "sent")
    assert (remote.title, remote.subject) == ("November", "News")
    assert remote.send_time == datetime(2026, 11, 1, 9, 0)
    assert remote.emails_sent == 2, "the campaign's own count comes first"
    assert (remote.opens, remote.unique_opens) == (3, 1)
    assert (remote.clicks, remote.unique_clicks) == (4, 2)
    assert (remote.bounces, remote.unsubscribes) == (3, 1)
    assert (remote.open_rate, remote.click_rate) == (50.0, 25.0)
    assert remote.archive_url == "https://eepurl.com/c1a2b3"


def test_campaign_falls_back_on_its_report_and_drops_junk():
    remote = RemoteCampaign.from_api(
        campaign(
            settings="junk",
            emails_sent=None,
            web_id="7",
            send_time="yesterday",
            archive_url="javascript:alert(1)",
        ),
        report(opens={"opens_total": -3, "open_rate": "50%"}, bounces=None),
    )
    assert (remote.title, remote.subject) == ("Report title", "Report subject")
    assert (remote.emails_sent, remote.web_id, remote.send_time) == (5, 0, None)
    assert (remote.opens, remote.open_rate, remote.bounces) == (0, 0.0, 0)
    assert remote.archive_url is None


def test_campaign_without_report_then_with_it():
    remote = RemoteCampaign.from_api(campaign())
    assert remote.opens == 0
    assert remote.with_report(report()).opens == 3
    with pytest.raises(InvalidItem, match="another campaign"):
        remote.with_report(report(id="other"))
    with pytest.raises(InvalidItem, match="not an object"):
        remote.with_report([])


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("junk", "not an object"),
        (campaign(id=None), "no id"),
        (campaign(id="../../lists/x"), "is invalid"),
        (campaign(id=42), "is invalid"),
    ],
)
def test_malformed_campaign_is_rejected(bad, reason):
    with pytest.raises(InvalidItem, match=reason):
        RemoteCampaign.from_api(bad)
    page = parse_campaign_page([campaign(), bad])
    assert [c.id for c in page.items] == ["c1a2b3"]
    assert page.rejected[0][0] == 1 and reason in page.rejected[0][1]


@pytest.mark.parametrize("page", [None, {"campaigns": []}, "<html>"])
def test_campaign_page_of_the_wrong_shape_is_an_error(page):
    with pytest.raises(MalformedResponse) as error:
        parse_campaign_page(page)
    assert error.value.kind == "malformed"


def test_email_activity_row():
    row = RemoteActivity.from_api(
        {
            "email_id": subscriber_hash(EMAIL),
            "email_address": EMAIL,
            "activity": [
                {"action": "open", "timestamp": "2026-11-01T10:00:00Z"},
                {
                    "action": "click",
                    "timestamp": "2026-11-01T10:01:00+01:00",
                    "url": "https://example.com/offer",
                },
            ],
        }
    )
    assert row.member_hash == subscriber_hash(EMAIL)
    assert [(e.action, e.timestamp, e.url) for e in row.events] == [
        ("open", datetime(2026, 11, 1, 10, 0), None),
        ("click", datetime(2026, 11, 1, 9, 1), "https://example.com/offer"),
    ]


def test_recipient_row_without_events_is_sent_and_hashes_the_email():
    row = RemoteActivity.from_api({"email_address": " Ann@Example.com "})
    assert row.member_hash == subscriber_hash(EMAIL)
    assert row.events == (RemoteEvent("sent"),)


@pytest.mark.parametrize(
    "bad, reason",
    [
        (["junk"], "not an object"),
        ({"email_id": "../x", "email_address": EMAIL}, "email_id"),
        ({"email_address": "not-an-email"}, "not an address"),
        ({"email_address": EMAIL, "activity": "open"}, "not a list"),
        ({"email_address": EMAIL, "activity": ["open"]}, "not an object"),
        ({"email_address": EMAIL, "activity": [{"timestamp": "x"}]}, "no action"),
    ],
)
def test_malformed_activity_row_is_rejected(bad, reason):
    with pytest.raises(InvalidItem, match=reason):
        RemoteActivity.from_api(bad)
    page = parse_activity_page([bad, {"email_address": EMAIL}])
    assert [r.member_hash for r in page.items] == [subscriber_hash(EMAIL)]
    assert page.rejected[0][0] == 0


@pytest.mark.parametrize("page", [None, {"emails": []}, 3])
def test_activity_page_of_the_wrong_shape_is_an_error(page):
    with pytest.raises(MalformedResponse):
        parse_activity_page(page)


def test_activity_feed():
    """Events as the spec's MemberActivityEvents1 describes them; the legacy
    /activity names are accepted too."""
    feed = parse_activity_feed(
        [
            {
                "activity_type": "open",
                "created_at_timestamp": "2026-11-01T10:00:00+00:00",
                "campaign_id": "c1",
                "campaign_title": "Autumn",
            },
            {
                "activity_type": "click",
                "created_at_timestamp": "2026-11-01T10:01:00+00:00",
                "campaign_id": "c1",
                "link_clicked": "http://x.y",
            },
            {"campaign_id": "c1", "action": "open", "timestamp": "2026-11-01"},
            {"activity_type": "signup", "created_at_timestamp": "2026-10-01T00:00:00Z"},
            {"campaign_id": "../c2", "activity_type": "open"},
            {"campaign_id": "c1"},
            "junk",
        ]
    )
    assert [(e.campaign_id, e.action, e.url) for e in feed.items] == [
        ("c1", "open", None),
        ("c1", "click", "http://x.y"),
        ("c1", "open", None),
        (None, "signup", None),
    ]
    assert feed.items[0].timestamp.isoformat() == "2026-11-01T10:00:00"
    assert [index for index, _reason in feed.rejected] == [4, 5, 6]


@pytest.mark.parametrize("feed", [None, {"activity": []}, {}, "<html>", 3])
def test_activity_feed_of_the_wrong_shape_is_an_error(feed):
    with pytest.raises(MalformedResponse):
        parse_activity_feed(feed)


def test_the_documented_activity_feed_of_each_event_type():
    """tests/data/activity_feed.json: one event of each type Odoo stores, in
    the shape of the spec's MemberActivityEvents1."""
    path = Path(__file__).parent.parent / "data" / "activity_feed.json"
    sample = json.loads(path.read_text())["feed"]
    feed = parse_activity_feed(sample["activity"])
    assert not feed.rejected
    assert [(e.action, e.campaign_id) for e in feed.items] == [
        ("sent", "5aa2102003"),
        ("open", "5aa2102003"),
        ("click", "5aa2102003"),
        ("bounce", "9bb3213114"),
        ("unsub", "9bb3213114"),
    ]
    assert all(e.timestamp for e in feed.items)
    assert feed.items[2].url == "https://www.example.com/autumn"
