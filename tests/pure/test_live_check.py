"""The live contract check (scripts/live_check.py) against the fake: every
call made and read by the addon's own checks, refusals shown as such, an
answer the addon would not handle failing the check, and the throwaway
audience deleted whatever happens."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import live_check  # noqa: E402
from live_check_fake import seed  # noqa: E402
from live_check_runner import Check, Row, table  # noqa: E402

from services import subscriber_hash  # noqa: E402

URL = "https://odoo.example.com/mailchimp/webhook/1/secret"
TOKEN = "t1"
MEMBER_A = f"owner+mcs-check-{TOKEN}-a@example.com"  # the fake's owner's mailbox


@pytest.fixture
def check(fake, client):
    seed(fake)  # another audience, with a sent campaign
    return Check(client, "fake", webhook_url=URL, token=TOKEN, batch_waits=(1,))


def verdicts(check):
    return {row.call: row.verdict for row in check.rows}


def answer(check, call):
    return next(row.answer for row in check.rows if row.call == call)


def throwaway_audiences(fake):
    return [a for a in fake.lists.values() if a["name"].startswith("mailchimp_sync")]


def test_every_call_ok_and_the_audience_deleted(fake, check):
    assert live_check.run_all(check) == 0
    expected = [c for c, *_ in live_check.SETUP + live_check.STEPS]
    assert [row.call for row in check.rows] == [
        *expected,
        "DELETE /lists/{id} (throwaway audience)",
    ]
    assert set(verdicts(check).values()) == {"ok"}, table(check.rows)
    assert answer(check, "GET member: status kept, field, tag") == (
        "200 subscribed, MCSCHK='updated', tags ['mcs-check']"
    )
    assert "ERROR_CONTACT_EXISTS" in answer(
        check, "POST /lists/{id} the same member again"
    )
    assert not throwaway_audiences(fake)
    assert fake.count("DELETE", r"/lists/\w+") == 1


def test_without_a_public_url_the_webhook_is_skipped(fake, check):
    check.webhook_url = None
    assert live_check.run_all(check) == 0
    assert verdicts(check)["POST webhooks"] == "skipped"
    assert answer(check, "POST webhooks") == (
        "needs a public URL (set MCS_LIVE_WEBHOOK_URL)"
    )
    assert answer(check, "DELETE webhook") == "needs the webhook"
    assert not fake.count("POST", r"/lists/\w+/webhooks")


def test_a_refusal_is_shown_and_does_not_fail_the_check(fake, check):
    detail = "You cannot create more than 30 merge fields."
    body = {"title": "Invalid Resource", "detail": detail}
    fake.fail("POST", r"/lists/\w+/merge-fields", 400, body=body)
    assert live_check.run_all(check) == 0
    assert verdicts(check)["POST merge-fields"] == "refused"
    assert answer(check, "POST merge-fields") == f"400 Invalid Resource: {detail}"


def test_a_malformed_answer_fails_and_the_audience_is_deleted(fake, check):
    fake.mangle("GET", r"/lists/\w+/members", lambda page: {"members": "none"})
    assert live_check.run_all(check) == 1
    assert verdicts(check)["GET members (a page)"] == "failed"
    assert "malformed" in answer(check, "GET members (a page)")
    assert check.rows[-1].verdict == "ok"
    assert not throwaway_audiences(fake)


def test_a_status_changed_by_status_if_new_fails(fake, check):
    """The contract the upsert relies on: PUT with status_if_new never
    changes the status of a member Mailchimp has."""
    member_path = rf"/lists/\w+/members/{subscriber_hash(MEMBER_A)}"
    fake.mangle("GET", member_path, lambda data: dict(data, status="unsubscribed"))
    assert live_check.run_all(check) == 1
    call = "GET member: status kept, field, tag"
    assert verdicts(check)[call] == "failed"
    assert "status changed by status_if_new" in answer(check, call)


def test_an_audience_refused_skips_the_rest(fake, check):
    body = {"title": "Forbidden", "detail": "You have reached the audience limit."}
    fake.fail("POST", "/lists", 403, body=body)
    assert live_check.run_all(check) == 0
    assert verdicts(check)["POST /lists (throwaway audience)"] == "refused"
    steps = check.rows[3:]
    assert len(steps) == len(live_check.STEPS)
    assert {row.verdict for row in steps} == {"skipped"}
    assert answer(check, "GET /lists") == "needs the throwaway audience"


def test_an_interrupted_run_deletes_what_it_made(fake, check):
    def interrupt(data):
        raise KeyboardInterrupt

    fake.mangle("PATCH", r"/lists/\w+/webhooks/\w+", interrupt)
    with pytest.raises(KeyboardInterrupt):
        live_check.run_all(check)
    assert [row.call for row in check.rows[-3:]] == [
        "DELETE webhook (cleanup)",
        "DELETE segments/{id} (cleanup)",
        "DELETE /lists/{id} (throwaway audience)",
    ]
    assert {row.verdict for row in check.rows[-3:]} == {"ok"}
    assert not throwaway_audiences(fake)


def test_the_table():
    rows = [Row("GET /ping", "ok", "200 fine"), Row("POST /x", "failed", "x" * 200)]
    lines = table(rows).splitlines()
    assert lines[0].split() == ["call", "verdict", "what", "Mailchimp", "answered"]
    assert lines[2].split() == ["GET", "/ping", "ok", "200", "fine"]
    assert lines[3].endswith("x…") and len(lines[3]) < 120
    assert lines[-1] == "1 ok, 0 refused, 0 skipped, 1 failed"


def test_the_fake_mode_never_uses_the_key(monkeypatch, capsys):
    """Over HTTP on localhost (the test command's run), even with a key set."""
    monkeypatch.setenv("MAILCHIMP_API_KEY", "0123456789abcdef0123456789abcdef-us1")
    assert live_check.main(["--fake"]) == 0
    out = capsys.readouterr().out
    assert "the fake Mailchimp over HTTP (http://127.0.0.1:" in out
    assert out.rstrip().endswith(
        f"{len(live_check.STEPS) + 4} ok, 0 refused, 0 skipped, 0 failed"
    )


def test_an_audience_left_behind_is_said(fake, check, capsys):
    body = {"title": "Forbidden", "detail": "The audience cannot be deleted."}
    fake.fail("DELETE", r"/lists/\w+", 403, body=body)
    assert live_check.report(check, "Title") == 0
    list_id = throwaway_audiences(fake)[0]["id"]
    assert f"The throwaway audience {list_id} is left: delete it." in (
        capsys.readouterr().out
    )
