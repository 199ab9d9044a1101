"""Steps of the live contract check around the throwaway audience: the
account, the audience itself (made and deleted), its merge fields, a tag
(static segment), groups and a webhook. Each step makes the calls the addon
makes, through its own client, and reads the answer with the addon's own
checks (``services``); it returns a short summary for the table."""

from live_check_runner import Mismatch, Skipped

from services import (
    RemoteAccount,
    RemoteAudience,
    RemoteCategory,
    RemoteInterest,
    RemoteMergeField,
    RemoteSegment,
    SegmentAnswer,
    find_segment,
)
from services.webhooks import EVENTS, RemoteWebhook

MERGE_TAG = "MCSCHK"  # the merge field the check creates (10 characters at most)
CATEGORY = {"title": "mailchimp_sync check", "type": "checkboxes"}
INTEREST = "Checked"
# Mailchimp checks a webhook's URL with a GET before it accepts it (api-notes
# §11): only a URL it can reach is registered in a real account.
WEBHOOK_URL_ENV = "MCS_LIVE_WEBHOOK_URL"


def audience_body(name, email):
    """``POST /lists`` with what Mailchimp requires (api-notes §4; the shape
    of the addon's audience wizard, ``_payload``)."""
    return {
        "name": name,
        "contact": {
            "company": "mailchimp_sync live check",
            "address1": "1 Check Street",
            "city": "Atlanta",
            "state": "GA",
            "zip": "30308",
            "country": "US",
        },
        "permission_reminder": "A throwaway audience of the mailchimp_sync check.",
        "campaign_defaults": {
            "from_name": "mailchimp_sync check",
            "from_email": email,
            "subject": "",
            "language": "en",
        },
        "email_type_option": False,
        "double_optin": False,
    }


# ------------------------------------------------------------------ account
def ping(check):
    answer = check.client.ping()
    if not isinstance(answer.get("health_status"), str):
        raise Mismatch("no health_status")
    return f"health_status: {answer['health_status']}"


def root(check):
    account = RemoteAccount.from_api(check.client.get_account())
    check.ids["account"] = account.account_id
    check.email = check.email or account.email
    if not check.email:
        raise Mismatch("the account has no email (set MCS_LIVE_EMAIL)")
    return (
        f"account {account.account_id}, total_subscribers {account.total_subscribers}"
    )


# ------------------------------------------------------------------ audience
def create_audience(check):
    name = f"mailchimp_sync check {check.token}"
    answer = check.client.create_list(audience_body(name, check.email))
    audience = RemoteAudience.from_api(answer)
    check.ids["list_id"] = audience.id
    return f"audience {audience.id} “{audience.name}”"


def read_audiences(check):
    audiences = []
    for item in check.client.iter_lists():
        audiences.append(RemoteAudience.from_api(item))
    check.ids["audiences"] = [a.id for a in audiences]
    if check.ids["list_id"] not in check.ids["audiences"]:
        raise Mismatch(f"{len(audiences)} audiences, the throwaway one not listed")
    return f"{len(audiences)} audiences, the throwaway one listed"


def read_merge_fields(check):
    items = list(check.client.iter_merge_fields(check.ids["list_id"]))
    tags = [RemoteMergeField.from_api(item).tag for item in items]
    return f"{len(tags)} merge fields: {', '.join(tags)}"


def create_merge_field(check):
    body = {"tag": MERGE_TAG, "name": "Check", "type": "text"}
    answer = check.client.add_merge_field(check.ids["list_id"], body)
    field = RemoteMergeField.from_api(answer)
    if field.tag != MERGE_TAG:
        raise Mismatch(f"merge field {field.tag}, not {MERGE_TAG}")
    return f"merge field {field.tag} ({field.type})"


def delete_audience(check):
    """Not an addon call: the check's own cleanup (spec ``deleteListsId``)."""
    client = check.client
    client.call(client.sdk.lists.delete_list, check.ids["list_id"])
    check.ids["list_id"] = None
    return "the throwaway audience is deleted"


# ------------------------------------------------------------------ tags
def create_tag(check):
    list_id, name = check.ids["list_id"], f"mcs check {check.token}"
    answer = check.client.create_static_segment(list_id, name, [check.ids["email_a"]])
    segment = RemoteSegment.from_api(answer)
    check.ids["segment_id"] = segment.id
    return f"tag {segment.id} ({segment.type}), {segment.member_count} member"


def tag_members(check):
    list_id, segment_id = check.ids["list_id"], check.ids["segment_id"]
    answer = SegmentAnswer.from_api(
        check.client.batch_segment(
            list_id,
            segment_id,
            add=[check.ids["email_b"]],
            remove=[check.ids["email_a"]],
        )
    )
    if (answer.added, answer.removed) != (1, 1) or answer.failed:
        raise Mismatch(f"added {answer.added}, removed {answer.removed}")
    return "1 added, 1 removed"


def read_tags(check):
    items = list(check.client.iter_segments(check.ids["list_id"]))
    found = find_segment(items, f"mcs check {check.token}")
    if not found or found.id != check.ids["segment_id"]:
        raise Mismatch(f"{len(items)} tags, the check's not among them")
    return f"{len(items)} tag(s), the check's has {found.member_count} member"


def delete_tag(check):
    check.client.delete_segment(check.ids["list_id"], check.ids["segment_id"])
    check.ids["segment_id"] = None
    return "tag deleted"


# ------------------------------------------------------------------ groups
def create_category(check):
    """Not an addon call (groups are made in Mailchimp): the interest
    category the next steps read (spec ``postListsIdInterestCategories``)."""
    client = check.client
    answer = client.call(
        client.sdk.lists.create_list_interest_category, check.ids["list_id"], CATEGORY
    )
    check.ids["category_id"] = RemoteCategory.from_api(answer).id
    return f"category {check.ids['category_id']}"


def read_categories(check):
    items = list(check.client.iter_interest_categories(check.ids["list_id"]))
    ids = [RemoteCategory.from_api(item).id for item in items]
    if check.ids["category_id"] not in ids:
        raise Mismatch(f"{len(ids)} categories, the check's not among them")
    return f"{len(ids)} category"


def create_interest(check):
    list_id, category_id = check.ids["list_id"], check.ids["category_id"]
    answer = check.client.create_interest(list_id, category_id, INTEREST)
    interest = RemoteInterest.from_api(answer, category_id)
    return f"interest {interest.id} “{interest.name}”"


def read_interests(check):
    list_id, category_id = check.ids["list_id"], check.ids["category_id"]
    items = list(check.client.iter_interests(list_id, category_id))
    names = [RemoteInterest.from_api(item, category_id).name for item in items]
    if INTEREST not in names:
        raise Mismatch(f"{len(names)} interests, “{INTEREST}” not among them")
    return f"{len(names)} interest: {', '.join(names)}"


# ------------------------------------------------------------------ webhook
def webhook_body(url):
    """As the addon registers it (``mailchimp_webhook._webhook_body``)."""
    return {
        "url": url,
        "events": dict.fromkeys(EVENTS, True),
        "sources": {"user": True, "admin": True, "api": False},
    }


def create_webhook(check):
    if not check.webhook_url:
        raise Skipped(f"needs a public URL (set {WEBHOOK_URL_ENV})")
    answer = check.client.create_webhook(
        check.ids["list_id"], webhook_body(check.webhook_url)
    )
    hook = RemoteWebhook.from_api(answer)
    check.ids["webhook_id"] = hook.id
    signed = "signed" if hook.signing_secret else "unsigned"
    return f"webhook {hook.id} ({signed})"


def update_webhook(check):
    list_id, hook_id = check.ids["list_id"], check.ids["webhook_id"]
    check.client.update_webhook(list_id, hook_id, webhook_body(check.webhook_url))
    return "webhook updated"


def delete_webhook(check):
    check.client.delete_webhook(check.ids["list_id"], check.ids["webhook_id"])
    check.ids["webhook_id"] = None
    return "webhook deleted"
