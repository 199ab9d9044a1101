"""The live contract check's bookkeeping: one row per call, its verdict, and
the table printed at the end (``live_check.py``).

Verdicts:

* ``ok``: Mailchimp answered and the addon's own checks (``services``)
  accept the answer;
* ``refused``: Mailchimp said no with a reason the addon reads and shows
  (a 4xx problem answer, an ``errors[]`` entry, an operation's 4xx);
* ``skipped``: not run, and why;
* ``failed``: an answer the addon would not handle (malformed, not what the
  addon relies on), no answer (network, timeout), or a server error.
"""

from dataclasses import dataclass, field

from services import MailchimpError
from services.checks import InvalidItem

OK, REFUSED, SKIPPED, FAILED = "ok", "refused", "skipped", "failed"
ANSWER_WIDTH = 88  # characters of an answer shown in the table
# what a step needs, said the way the table says it
NEEDS = {
    "account": "the account (GET /)",
    "list_id": "the throwaway audience",
    "email_a": "a throwaway address",
    "member_a": "the member made by batch subscribe",
    "member_b": "the member made by PUT",
    "batch_id": "the batch",
    "batch_url": "the finished batch",
    "results": "the batch results",
    "segment_id": "the tag",
    "category_id": "the interest category",
    "webhook_id": "the webhook",
    "campaign": "a sent campaign",
}


class Skipped(Exception):
    """A step that cannot run here (the reason is shown)."""


class Refused(Exception):
    """Mailchimp said no inside a successful answer (``errors[]``)."""


class Mismatch(Exception):
    """Mailchimp answered, but not what the addon relies on."""


@dataclass
class Row:
    call: str
    verdict: str
    answer: str


@dataclass
class Check:
    """What the steps share: the client, the ids made on the way, the rows."""

    client: object
    mode: str  # "live" or "fake"
    webhook_url: str | None = None
    email: str | None = None  # an address of the account's owner
    token: str = ""  # in the names of what the run makes
    batch_waits: tuple = ()
    ids: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)
    status: int | None = None  # HTTP status of the last answer
    progress: object = None  # called with each row as it is made

    def __post_init__(self):
        self._watch_status()

    def _watch_status(self):
        """Keep the status of each answer (the SDK returns decoded JSON)."""
        api_client = self.client.sdk.api_client
        request = api_client.request

        def watched(*args, **kwargs):
            response = request(*args, **kwargs)
            self.status = getattr(response, "status_code", None)
            return response

        api_client.request = watched

    def add(self, call, verdict, answer):
        self.rows.append(Row(call, verdict, " ".join(str(answer).split())))
        if self.progress:
            self.progress(self.rows[-1])

    def run(self, call, step, needs=()):
        """Run ``step(self)`` (it returns a short summary) and record a row."""
        missing = [NEEDS[key] for key in needs if self.ids.get(key) is None]
        if missing:
            self.add(call, SKIPPED, "needs " + ", ".join(missing))
            return
        self.status = None
        try:
            summary = step(self)
        except Skipped as reason:
            self.add(call, SKIPPED, reason)
        except Refused as reason:
            self.add(call, REFUSED, self._said(reason))
        except Mismatch as reason:
            self.add(call, FAILED, self._said(reason))
        except MailchimpError as error:
            self.add(call, *verdict_of(error))
        except InvalidItem as reason:
            self.add(call, FAILED, self._said(f"malformed: {reason}"))
        except Exception as error:  # noqa: BLE001 - the addon would crash on it
            self.add(call, FAILED, f"{type(error).__name__}: {error}")
        else:
            self.add(call, OK, self._said(summary))

    def _said(self, text):
        return f"{self.status} {text}" if self.status else str(text)

    @property
    def failed(self):
        return [row for row in self.rows if row.verdict == FAILED]


def verdict_of(error):
    """``(verdict, answer)`` of a :class:`MailchimpError`: a 4xx with a title
    is a refusal the addon shows; anything else is a failure."""
    if error.status and 400 <= error.status < 500:
        said = f"{error.status} {error.title or ''}"
        if error.detail:
            said += f": {error.detail}"
        return REFUSED, said
    return FAILED, f"{error.status or error.kind}: {error}"


def table(rows):
    """The rows as a fixed-width table, and a line of counts."""
    width = max([len("call")] + [len(row.call) for row in rows])
    lines = [
        f"{'call':<{width}}  {'verdict':<8}  what Mailchimp answered",
        f"{'-' * width}  {'-' * 8}  {'-' * 23}",
    ]
    for row in rows:
        answer = row.answer
        if len(answer) > ANSWER_WIDTH:
            answer = answer[: ANSWER_WIDTH - 1] + "…"
        lines.append(f"{row.call:<{width}}  {row.verdict:<8}  {answer}")
    counts = {v: 0 for v in (OK, REFUSED, SKIPPED, FAILED)}
    for row in rows:
        counts[row.verdict] += 1
    lines.append("")
    lines.append(", ".join(f"{n} {verdict}" for verdict, n in counts.items()))
    return "\n".join(lines)
