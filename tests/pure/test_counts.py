"""Counts from Mailchimp are bounded where its JSON is read (issue 27 item 5):
each lands in an Odoo integer field, so a count above PostgreSQL's integer
fails its page or answer with the reason, and skips its item with the reason."""

import pytest

from services import (
    InvalidItem,
    MalformedResponse,
    RemoteAccount,
    RemoteAudience,
    RemoteCampaign,
    RemoteInterest,
    RemoteMember,
    RemoteMergeField,
    RemoteSegment,
    SegmentAnswer,
    parse_member_page,
)
from services.checks import MAX_COUNT

HUGE = 10**12
MEMBER_ID = "0" * 32


def member():
    return dict(id=MEMBER_ID, email_address="ann@example.com", status="subscribed")


def test_the_bound_is_postgresqls_integer():
    assert MAX_COUNT == 2_147_483_647


def test_a_members_page_announcing_too_many_members_fails_with_the_reason():
    with pytest.raises(MalformedResponse) as error:
        parse_member_page({"members": [member()], "total_items": HUGE})
    assert "total_items 1000000000000" in str(error.value)
    page = parse_member_page({"members": [member()], "total_items": MAX_COUNT})
    assert page.total_items == MAX_COUNT


@pytest.mark.parametrize(
    "build, item, key",
    [
        (RemoteSegment.from_api, {"id": 1, "name": "VIP", "member_count": HUGE}, ""),
        (RemoteSegment.from_api, {"id": HUGE, "name": "VIP"}, "segment id"),
        (
            RemoteAudience.from_api,
            {"id": "abc123", "name": "News", "stats": {"member_count": HUGE}},
            "member_count",
        ),
        (RemoteAudience.from_api, {"id": "abc123", "web_id": HUGE}, "web_id"),
        (
            lambda item: RemoteInterest.from_api(item, "c1"),
            {"id": "abc123", "name": "Tea", "subscriber_count": str(HUGE)},
            "subscriber_count",
        ),
        (RemoteCampaign.from_api, {"id": "abc123", "emails_sent": HUGE}, ""),
        (RemoteMergeField.from_api, {"tag": "FNAME", "merge_id": HUGE}, ""),
        (RemoteMember.from_api, dict(member(), web_id=HUGE), "web_id"),
    ],
)
def test_an_item_with_a_count_too_large_is_skipped_with_the_reason(build, item, key):
    key = key or next(k for k, v in item.items() if v == HUGE)
    with pytest.raises(InvalidItem) as reason:
        build(item)
    assert key in str(reason.value) and str(HUGE) in str(reason.value)


def test_a_campaign_report_with_a_count_too_large_is_skipped_with_the_reason():
    campaign = RemoteCampaign.from_api({"id": "abc123"})
    for report in (
        {"opens": {"opens_total": HUGE}},
        {"bounces": {"hard_bounces": MAX_COUNT, "soft_bounces": MAX_COUNT}},
    ):
        with pytest.raises(InvalidItem):
            campaign.with_report(report)


def test_a_webhook_web_id_too_large_is_refused():
    data = {"email": "ann@example.com", "web_id": str(HUGE)}
    with pytest.raises(InvalidItem, match="web_id"):
        RemoteMember.from_webhook(data, "subscribed", None, MEMBER_ID)


def test_one_answer_with_a_count_too_large_fails_with_the_reason():
    with pytest.raises(MalformedResponse, match="total_subscribers"):
        RemoteAccount.from_api({"account_id": "abc123", "total_subscribers": HUGE})
    with pytest.raises(MalformedResponse, match="total_added"):
        SegmentAnswer.from_api({"total_added": HUGE})


def test_a_collection_page_announcing_too_many_items_fails(client, fake):
    fake.add_list("Newsletter")
    fake.mangle("GET", "/lists", lambda data: dict(data, total_items=HUGE))
    with pytest.raises(MalformedResponse, match="total_items"):
        list(client.iter_lists())
