"""Issue 15: the answers of writes (batch subscribe, tags, batch operations),
webhook deliveries, merge fields and token metadata become checked value
objects at the boundary; models never read their JSON."""

from datetime import datetime

import pytest

from services import (
    InvalidItem,
    MailchimpError,
    MalformedResponse,
    RemoteMergeField,
    RemoteSegment,
    SegmentAnswer,
    UpsertAnswer,
    email_and_status,
    find_segment,
    subscriber_hash,
)
from services.oauth import TokenMetadata
from services.results_archive import OperationResult
from services.webhooks import RemoteWebhook, WebhookDelivery, WebhookError

EMAIL = "ann@example.com"


def member(email=EMAIL, status="subscribed"):
    return {"id": subscriber_hash(email), "email_address": email, "status": status}


# ------------------------------------------------------------ batch subscribe
def test_upsert_answer_reads_created_updated_and_refusals():
    answer = UpsertAnswer.from_api(
        {
            "new_members": [member(), {"id": "nothex", "email_address": "x@y.z"}],
            "updated_members": [member("bo@example.com", "unsubscribed")],
            "errors": [
                {
                    "email_address": "Cy@Example.com",
                    "error_code": "ERROR_CONTACT_EXISTS",
                },
                {
                    "email_address": "dee@example.com",
                    "error": "dee@example.com is in a compliance state",
                    "error_code": "ERROR_GENERIC",
                },
                {"error": "no address"},
                "not an object",
            ],
        }
    )
    assert [m.email for m in answer.created] == [EMAIL]
    assert [m.status for m in answer.updated] == ["unsubscribed"]
    exists, compliance = answer.refused
    assert (exists.email, exists.exists, exists.permanent) == (
        "cy@example.com",
        True,
        False,
    )
    assert compliance.permanent and not compliance.exists
    assert "compliance state" in compliance.message
    assert len(answer.rejected) == 3, "the bad member and the two bad refusals"


@pytest.mark.parametrize(
    "answer",
    [None, [], "ok", {"new_members": "all"}, {"errors": {"a": 1}}],
)
def test_upsert_answer_of_the_wrong_shape_fails_the_call(answer):
    with pytest.raises(MalformedResponse):
        UpsertAnswer.from_api(answer)


def test_refusal_text_with_field_errors():
    answer = UpsertAnswer.from_api(
        {
            "errors": [
                {
                    "email_address": EMAIL,
                    "error": "Your merge fields were invalid.",
                    "field": "BIRTHDAY",
                    "field_message": "Please enter a valid date",
                }
            ]
        }
    )
    (refusal,) = answer.refused
    assert refusal.message == (
        "Your merge fields were invalid. (BIRTHDAY: Please enter a valid date)"
    )
    assert refusal.permanent


# ------------------------------------------------------------ tags
def test_segments_and_tag_answers():
    assert RemoteSegment.from_api(
        {"id": 7, "name": "VIP", "type": "static", "member_count": 3}
    ) == RemoteSegment(7, "VIP", "static", 3)
    for bad in ({"id": "7", "name": "VIP"}, {"id": 7}, [], {"id": True, "name": "x"}):
        with pytest.raises(InvalidItem):
            RemoteSegment.from_api(bad)
    items = [{"id": "x"}, {"id": 1, "name": "Other"}, {"id": 2, "name": "VIP"}]
    assert find_segment(items, "VIP").id == 2
    assert find_segment(items, "None") is None
    answer = SegmentAnswer.from_api(
        {
            "total_added": 2,
            "total_removed": -1,
            "errors": [{"email_addresses": ["Gone@Example.com", 5]}, "x"],
        }
    )
    assert (answer.added, answer.removed) == (2, 0)
    assert answer.failed == {"gone@example.com"}
    with pytest.raises(MalformedResponse):
        SegmentAnswer.from_api({"errors": "many"})


# ------------------------------------------------------------ batch results
def test_operation_result_title_and_status_only_from_objects():
    assert OperationResult("1:put", 400, {"title": "Member In Compliance State"}).title
    assert OperationResult("1:put", 400, ["title"]).title is None
    assert OperationResult("1:put", 400, {"title": 5}).title is None
    assert OperationResult("1:put", 200, {"status": "pending"}).status == "pending"
    assert OperationResult("1:put", 200, None).status is None


def test_email_and_status():
    assert email_and_status(member("Ann@Example.com")) == (EMAIL, "subscribed")
    assert email_and_status(member(status="zombie")) == (EMAIL, None)
    assert email_and_status({"email_address": "no at sign"}) == (None, None)
    assert email_and_status("x") == (None, None)


# ------------------------------------------------------------ webhooks
def form(**data):
    return {"type": "subscribe", "fired_at": "2026-11-20 10:00:00", "data": data}


def test_webhook_delivery_is_checked():
    delivery = WebhookDelivery.from_form(form(email=EMAIL, list_id="abc"))
    assert delivery.fired == datetime(2026, 11, 20, 10, 0, 0)
    assert (delivery.email, delivery.list_id) == (EMAIL, "abc")
    remote = delivery.member("subscribed", subscriber_hash(EMAIL))
    assert remote.last_changed == "2026-11-20T10:00:00+00:00"
    bad = [
        {"type": "hack", "fired_at": "2026-11-20 10:00:00", "data": {}},
        {"type": "subscribe", "fired_at": "yesterday", "data": {}},
        {"type": "subscribe", "fired_at": "2026-11-20 10:00:00"},
        {"type": "campaign", "fired_at": "2026-11-20 10:00:00", "data": {"id": "../x"}},
    ]
    for delivery_form in bad:
        with pytest.raises(WebhookError):
            WebhookDelivery.from_form(delivery_form)
    with pytest.raises(WebhookError):
        WebhookDelivery.from_form(form(email="nobody")).member("subscribed", "0" * 32)


def test_campaign_delivery_and_webhook_registration():
    delivery = WebhookDelivery.from_form(
        {
            "type": "campaign",
            "fired_at": "2026-11-20 10:00:00",
            "data": {"id": "c1", "status": "sent"},
        }
    )
    assert (delivery.campaign_id, delivery.campaign_status) == ("c1", "sent")
    hook = RemoteWebhook.from_api(
        {"id": "h1", "signing_enabled": True, "signing_secret": "s3cret"}
    )
    assert hook.signing_secret == "s3cret"
    assert "s3cret" not in repr(hook), "the secret never reaches a log"
    unsigned = RemoteWebhook.from_api({"id": "h1", "signing_secret": "s3cret"})
    assert unsigned.signing_secret is None
    with pytest.raises(InvalidItem):
        RemoteWebhook.from_api({"id": "../x"})


# ------------------------------------------------------------ merge fields, OAuth
def test_merge_field_is_checked():
    remote = RemoteMergeField.from_api(
        {
            "tag": "PLAN",
            "name": "Plan",
            "type": "dropdown",
            "required": "yes",
            "options": {"choices": ["Gold", 3, "Silver"]},
        }
    )
    assert (remote.type, remote.required, remote.choices) == (
        "dropdown",
        False,
        ("Gold", "Silver"),
    )
    assert RemoteMergeField.from_api({"tag": "X", "type": "weird"}).type == "text"
    for bad in ({"tag": "A B"}, {"name": "no tag"}, None):
        with pytest.raises(InvalidItem):
            RemoteMergeField.from_api(bad)


def test_token_metadata_checks_the_data_center():
    meta = TokenMetadata.from_api({"dc": "US6", "login": {"email": "me@x.com"}})
    assert (meta.data_center, meta.login_email) == ("us6", "me@x.com")
    for bad in ("evil.example.com/", "us6@x", ""):
        with pytest.raises(MailchimpError):
            TokenMetadata.from_api({"dc": bad})


# ------------------------------------------------------------ groups
def test_groups_and_members_interests_are_checked():
    from services import RemoteCategory, RemoteInterest, RemoteMember

    category = RemoteCategory.from_api(
        {"id": "c1", "title": "Interests", "type": "weird", "display_order": 2}
    )
    assert (category.title, category.type) == ("Interests", "checkboxes")
    interest = RemoteInterest.from_api(
        {"id": "i1", "category_id": "c1", "name": "VIP", "subscriber_count": "12"},
        "c1",
    )
    assert (interest.name, interest.subscriber_count) == ("VIP", 12)
    with pytest.raises(InvalidItem):
        RemoteInterest.from_api({"id": "i2", "category_id": "c9", "name": "x"}, "c1")
    with pytest.raises(InvalidItem):
        RemoteCategory.from_api({"id": "../c", "title": "x"})
    remote = RemoteMember.from_api(
        dict(
            member(),
            interests={"i1": True, "i2": "yes", "../x": True},
            tags=[{"id": 1, "name": "VIP"}],
        )
    )
    assert remote.interests == {"i1": True}
    assert remote.tags_known and remote.tag_names == {"VIP"}
    assert not RemoteMember.from_api(member()).tags_known
    plain = RemoteMember.from_api(member())
    assert (
        plain.fingerprint()
        == RemoteMember.from_api(dict(member(), interests={})).fingerprint()
    )
    assert remote.fingerprint() != plain.fingerprint()
