"""A live contract check: every call the addon makes to Mailchimp, made by
the addon's own client (``services``, no Odoo) against a real account, each
answer read by the addon's own checks, in a table.

    MAILCHIMP_API_KEY=<key>-<dc> ./scripts/live_check.sh   a real account
    ./scripts/live_check.sh                                 the fake (no key)
    ./scripts/live_check.sh --fake                          the fake, always

With a key it creates a throwaway audience and deletes it at the end, even
on failure. Without one, the same sequence runs against the tests' fake
Mailchimp served over real HTTP on localhost (``live_check_fake.py``): the
test command runs it so, and it never needs a network.

Environment: ``MCS_LIVE_WEBHOOK_URL`` a public URL Mailchimp can reach (it
checks a webhook's URL with a GET; without one the webhook steps are
skipped), ``MCS_LIVE_EMAIL`` the mailbox of the throwaway addresses (default:
the account's email). Exit status: 1 when a call failed in a way the addon
would not handle, else 0.
"""

import argparse
import os
import secrets
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:  # ``services`` as a top-level package, as the pure tier
    sys.path.insert(0, ROOT)

import live_check_audience as audience  # noqa: E402
import live_check_members as members  # noqa: E402
import live_check_reports as reports  # noqa: E402
from live_check_runner import Check, table  # noqa: E402

from services import MailchimpClient, MailchimpError  # noqa: E402

KEY_ENV, EMAIL_ENV = "MAILCHIMP_API_KEY", "MCS_LIVE_EMAIL"
# bounded waits for Mailchimp to run the batch (seconds, about 2 minutes)
LIVE_WAITS = (2, 3, 5, 5, 10, 10, 15, 15, 20, 30)
FAKE_WAITS = (0.05,) * 20
# the fake does not GET a webhook's URL: any https address is taken
FAKE_WEBHOOK_URL = "https://odoo.example.com/mailchimp/webhook/1/live-check"

A, B = "member_a", "member_b"
SETUP = (
    ("GET /ping", audience.ping, ()),
    ("GET / (the account)", audience.root, ()),
    ("POST /lists (throwaway audience)", audience.create_audience, ("account",)),
)
STEPS = (
    ("GET /lists", audience.read_audiences, ("list_id",)),
    ("GET merge-fields", audience.read_merge_fields, ("list_id",)),
    ("POST merge-fields", audience.create_merge_field, ("list_id",)),
    (
        "POST /lists/{id} batch subscribe, create-only",
        members.batch_subscribe,
        ("list_id", "email_a"),
    ),
    ("POST /lists/{id} the same member again", members.batch_subscribe_again, (A,)),
    ("POST /batches (2 PUT + member tags)", members.start_batch, (A,)),
    ("GET /batches/{id} until finished", members.wait_batch, ("batch_id",)),
    ("GET batch results archive, parsed", members.read_results, ("batch_url",)),
    (
        "  PUT member, status_if_new (existing)",
        members.operation_result(members.PUT_EXISTING),
        ("results",),
    ),
    (
        "  PUT member, status_if_new (new)",
        members.operation_result(members.PUT_NEW, "b"),
        ("results",),
    ),
    ("  POST member tags", members.operation_result(members.TAGS), ("results",)),
    ("GET member: status kept, field, tag", members.read_updated, (A, "results")),
    ("GET member made by PUT", members.read_created, (B,)),
    ("GET members (a page)", members.read_members, ("list_id",)),
    ("POST segments (static: a tag)", audience.create_tag, (A,)),
    ("POST segments/{id} add + remove", audience.tag_members, ("segment_id", B)),
    ("GET segments", audience.read_tags, ("segment_id",)),
    ("POST interest-categories (setup)", audience.create_category, ("list_id",)),
    ("GET interest-categories", audience.read_categories, ("category_id",)),
    ("POST interests", audience.create_interest, ("category_id",)),
    ("GET interests", audience.read_interests, ("category_id",)),
    ("POST webhooks", audience.create_webhook, ("list_id",)),
    ("PATCH webhook", audience.update_webhook, ("webhook_id",)),
    ("DELETE webhook", audience.delete_webhook, ("webhook_id",)),
    ("GET member activity-feed", members.read_activity, (A,)),
    (
        "GET campaigns (throwaway audience)",
        reports.campaigns_of_throwaway,
        ("list_id",),
    ),
    ("GET campaigns (other audiences)", reports.find_sent_campaign, ("list_id",)),
    ("GET reports/{id}", reports.read_report, ("campaign",)),
    ("GET reports/{id}/email-activity", reports.read_email_activity, ("campaign",)),
    ("GET reports/{id}/sent-to", reports.read_sent_to, ("campaign",)),
    ("PATCH member (email change)", members.change_email, (A,)),
    ("DELETE member (archive)", members.archive, (A,)),
    ("POST delete-permanent (member)", members.delete_permanent, (B,)),
    ("DELETE segments/{id}", audience.delete_tag, ("segment_id",)),
)
CLEANUP = (  # what an interrupted run left: each runs only if still there
    ("DELETE webhook (cleanup)", audience.delete_webhook, ("webhook_id",)),
    ("DELETE segments/{id} (cleanup)", audience.delete_tag, ("segment_id",)),
    ("DELETE /lists/{id} (throwaway audience)", audience.delete_audience, ("list_id",)),
)


def run_all(check):
    """Every step, then the cleanup (also after a failure); the exit status."""
    try:
        for call, step, needs in SETUP:
            check.run(call, step, needs)
            if step is audience.root and check.email:
                members.addresses(check)
        for call, step, needs in STEPS:
            check.run(call, step, needs)
    finally:
        for call, step, needs in CLEANUP:
            if all(check.ids.get(key) is not None for key in needs):
                check.run(call, step, needs)
    return 1 if check.failed else 0


def report(check, title):
    status = run_all(check)
    print(f"{title}\n")
    print(table(check.rows))
    if check.ids.get("list_id"):
        print(f"\nThe throwaway audience {check.ids['list_id']} is left: delete it.")
    if status:
        print(
            "\nFAILED: a call failed in a way the addon would not handle (see above)."
        )
    return status


def live(key):
    try:
        client = MailchimpClient(api_key=key)
    except MailchimpError as error:
        print(f"live check: {error}", file=sys.stderr)
        return 2
    check = new_check(client, "live", os.environ.get(audience.WEBHOOK_URL_ENV))
    check.email = os.environ.get(EMAIL_ENV) or None
    check.batch_waits = LIVE_WAITS
    check.progress = lambda row: print(
        f"  {row.verdict:<8} {row.call}", file=sys.stderr
    )
    return report(check, f"Live contract check: Mailchimp, data center {client.server}")


def fake():
    """The fake over HTTP (imported here: it needs the test requirements)."""
    from live_check_fake import FAKE_KEY, FakeOverHttp

    with FakeOverHttp() as server:
        client = MailchimpClient(api_key=FAKE_KEY, host=server.api_host)
        url = os.environ.get(audience.WEBHOOK_URL_ENV) or FAKE_WEBHOOK_URL
        check = new_check(client, "fake", url)
        check.batch_waits = FAKE_WAITS
        title = f"Live contract check: the fake Mailchimp over HTTP ({server.base})"
        return report(check, title)


def new_check(client, mode, webhook_url):
    return Check(client, mode, webhook_url=webhook_url, token=secrets.token_hex(3))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fake", action="store_true", help="the fake Mailchimp, even with a key"
    )
    args = parser.parse_args(argv)
    key = os.environ.get(KEY_ENV, "").strip()
    return fake() if args.fake or not key else live(key)


if __name__ == "__main__":
    sys.exit(main())
