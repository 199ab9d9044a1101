"""Steps of the live contract check on throwaway members: the upsert protocol
(batch subscribe that only creates, ``PUT`` with ``status_if_new`` and member
tags bundled in ``POST /batches``, the results archive read back), member
reads, an email change, archive and permanent delete. Each step makes the
calls the addon makes, through its own client and helpers (``services``)."""

from live_check_audience import MERGE_TAG
from live_check_runner import Mismatch, Refused, Skipped

from services import (
    RemoteMember,
    parse_activity_feed,
    parse_member_page,
    subscriber_hash,
)
from services.batches import BatchStatus
from services.results_archive import parse_results
from services.upsert import create_members, start, tags_operation, update_operation

MEMBER_TAG = "mcs-check"
PUT_EXISTING, PUT_NEW, TAGS = "put-existing", "put-new", "tags"


def addresses(check):
    """Throwaway addresses of the account owner's mailbox (``+`` suffixed):
    members a, b and c (a's new address). Nothing is mailed to them: the
    audience has no double opt-in and no campaign is sent."""
    local, _, domain = check.email.partition("@")
    local = local.split("+")[0]
    for key in ("a", "b", "c"):
        check.ids[f"email_{key}"] = f"{local}+mcs-check-{check.token}-{key}@{domain}"


def _member(check, key):
    email = check.ids[f"email_{key}"]
    return check.ids["list_id"], subscriber_hash(email), email


# ------------------------------------------------------------ upsert
def _create_payload(email):
    return {
        "email_address": email,
        "status": "subscribed",
        "merge_fields": {"FNAME": "Check", MERGE_TAG: "created"},
    }


def batch_subscribe(check):
    list_id, member_hash, email = _member(check, "a")
    answer = create_members(
        check.client, list_id, [_create_payload(email)], False, False
    )
    if answer.refused:
        raise Refused(answer.refused[0].message)
    if [m.id for m in answer.created] != [member_hash]:
        raise Mismatch(f"{len(answer.created)} created, not the member sent")
    check.ids["member_a"] = member_hash
    return f"1 created ({answer.created[0].status})"


def batch_subscribe_again(check):
    """Create-only never changes a member Mailchimp has: it is refused as
    existing (the addon then updates it with ``PUT``, without a status)."""
    list_id, _, email = _member(check, "a")
    answer = create_members(
        check.client, list_id, [_create_payload(email)], False, False
    )
    if answer.created or answer.updated:
        raise Mismatch("the existing member was created or updated again")
    if len(answer.refused) != 1 or not answer.refused[0].exists:
        raise Mismatch(f"{len(answer.refused)} refusal(s), none as existing")
    return f"refused as existing ({answer.refused[0].code}), nothing changed"


def start_batch(check):
    list_id, hash_a, email_a = _member(check, "a")
    _, hash_b, email_b = _member(check, "b")
    existing = {
        "email_address": email_a,
        "status_if_new": "unsubscribed",  # never applied: the member exists
        "merge_fields": {MERGE_TAG: "updated"},
    }
    new = {
        "email_address": email_b,
        "status_if_new": "subscribed",
        "merge_fields": {"FNAME": "Check"},  # the addon always sends them
    }
    operations = [
        update_operation(list_id, hash_a, existing, PUT_EXISTING, False),
        update_operation(list_id, hash_b, new, PUT_NEW, False),
        tags_operation(list_id, hash_a, [MEMBER_TAG], TAGS),
    ]
    check.ids["batch_id"] = start(check.client, operations)
    return f"batch {check.ids['batch_id']}: {len(operations)} operations"


def wait_batch(check):
    """Polled with bounded waits (the addon reads a batch's status once a
    step, ``results_if_done``; this check has no later step to leave it to)."""
    waited = 0
    for wait in (0, *check.batch_waits):
        if wait:
            check.client.pause(wait)
            waited += wait
        answer = check.client.get_batch(check.ids["batch_id"])
        status = BatchStatus.from_api(answer)
        if status.done:
            check.ids["batch_url"] = status.response_body_url
            return (
                f"finished after {waited:g} s: {answer.get('finished_operations')}/"
                f"{answer.get('total_operations')} operations, "
                f"{answer.get('errored_operations')} errored"
            )
    raise Skipped(
        f"still {status.status} after {waited:g} s (the addon reads it later)"
    )


def read_results(check):
    archive = check.client.download(check.ids["batch_url"])
    check.status = 200  # a failed download raises with its status
    results = parse_results(archive)
    check.ids["results"] = {result.operation_id: result for result in results}
    if not results:
        raise Mismatch("an archive without results")
    return f"{len(archive)} bytes, {len(results)} results"


def operation_result(operation_id, key=None):
    """The step reading one operation's result from the archive."""

    def step(check):
        result = check.ids["results"].get(operation_id)
        if result is None:
            raise Mismatch("no result for this operation in the archive")
        check.status = result.status_code
        if not result.ok:
            raise Refused(result.title or "refused")
        if key:
            check.ids[f"member_{key}"] = subscriber_hash(check.ids[f"email_{key}"])
        return f"member {result.status}" if result.status else "done"

    return step


# ------------------------------------------------------------ reads
def read_updated(check):
    """What the batch did to the member batch subscribe made: its status
    kept, its merge field and tag written."""
    list_id, member_hash, _ = _member(check, "a")
    member = RemoteMember.from_api(check.client.get_member(list_id, member_hash))
    said = f"{member.status}, {MERGE_TAG}={member.merge_fields.get(MERGE_TAG)!r}"
    if member.status != "subscribed":
        raise Mismatch(f"status changed by status_if_new: {said}")
    if member.merge_fields.get(MERGE_TAG) != "updated":
        raise Mismatch(f"the PUT's merge field not written: {said}")
    if MEMBER_TAG not in member.tag_names:
        raise Mismatch(f"tag {MEMBER_TAG} missing: {said}")
    return f"{said}, tags {sorted(member.tag_names)}"


def read_created(check):
    list_id, member_hash, _ = _member(check, "b")
    member = RemoteMember.from_api(check.client.get_member(list_id, member_hash))
    if member.status != "subscribed":
        raise Mismatch(f"made {member.status}, not with status_if_new")
    return f"made {member.status} (status_if_new)"


def read_members(check):
    page = parse_member_page(check.client.get_member_page(check.ids["list_id"], 0))
    if page.rejected:
        raise Mismatch(f"{len(page.rejected)} member(s) rejected: {page.rejected[0]}")
    return f"{len(page.members)} of {page.total_items} members, all valid"


def read_activity(check):
    list_id, member_hash, _ = _member(check, "a")
    parsed = parse_activity_feed(check.client.get_member_activity(list_id, member_hash))
    return f"{len(parsed.items)} events, {len(parsed.rejected)} rejected"


# ------------------------------------------------------------ changes
def change_email(check):
    list_id, member_hash, _ = _member(check, "a")
    new = check.ids["email_c"]
    answer = check.client.update_member(list_id, member_hash, {"email_address": new})
    member = RemoteMember.from_api(answer)
    if member.email.lower() != new.lower() or member.id != subscriber_hash(new):
        raise Mismatch("the answer is not the member under its new address")
    check.ids["email_a"] = new  # the same member from now on
    check.ids["member_a"] = member.id
    return f"member {member.status} under its new address"


def archive(check):
    list_id, member_hash, _ = _member(check, "a")
    check.client.archive_member(list_id, member_hash)
    said = f"{check.status} archived"
    member = RemoteMember.from_api(check.client.get_member(list_id, member_hash))
    if member.status != "archived":
        raise Mismatch(f"{said}, but read back {member.status}")
    check.status = None
    return f"{said}; read back {member.status}"


def delete_permanent(check):
    list_id, member_hash, _ = _member(check, "b")
    check.client.delete_member_permanent(list_id, member_hash)
    return "erased (the address cannot be imported again)"
