"""The only place of the addon that talks to Mailchimp.

It wraps the official ``mailchimp-marketing`` SDK and adds what the SDK lacks:
explicit timeouts, bounded retries with exponential backoff and jitter on 429, 5xx
and connection errors, pagination of list endpoints, batching helpers, and the
translation of Mailchimp's problem+json errors into one exception type.
"""

import itertools
import logging
import random
import time

import mailchimp_marketing
import requests
from mailchimp_marketing.api_client import ApiClientError

from . import results_download
from .campaigns import FEED_ACTIVITY_TYPES
from .checks import bounded, digits
from .errors import (
    MailchimpError,
    MalformedResponse,
    error_from_response,
    path_segment,
    scrub,
)
from .helpers import BATCH_SIZE, DC_RE, data_center_from_key

_logger = logging.getLogger(__name__)

PAGE_SIZE = 1000  # Mailchimp's maximum ``count`` for collection reads
MAX_RETRY_AFTER = 60  # seconds: a longer 429 wait ends the run (next cron call)
# Timeouts (seconds). An unreachable Mailchimp is reported within a few seconds;
# a reachable one may take long to answer a 500-member batch call (Mailchimp's
# own limit is 120 s).
CONNECT_TIMEOUT = 4
READ_TIMEOUT = 120
DEFAULT_TIMEOUT = (CONNECT_TIMEOUT, READ_TIMEOUT)
# A connection that could not be made is tried once more, after a short pause,
# so a click on an unreachable Mailchimp answers within
# (CONNECT_RETRIES + 1) * CONNECT_TIMEOUT + 1.5 * CONNECT_RETRY_DELAY seconds;
# the scheduled sync tries again at its next call.
CONNECT_RETRIES = 1
CONNECT_RETRY_DELAY = 1.0
MAX_RETRIES = 4  # 429, 5xx and read timeouts
BACKOFF = 1.0  # seconds before the first retry, doubled at each one
MAX_BACKOFF = 30.0

# Errors that will fail again whatever we retry: the member row keeps the error
# and is left alone until the contact changes.
PERMANENT_TITLES = frozenset(
    {
        "Member In Compliance State",
        "Forgotten Email Not Subscribed",
        "Invalid Resource",
        "Member Exists",
    }
)


def _sleep(seconds):
    """Backoff pause (module-level so tests can replace it)."""
    time.sleep(seconds)


class MailchimpClient:
    """Thin, stateless-ish wrapper around ``mailchimp_marketing.Client``.

    :param api_key: ``<key>-<dc>``; or use ``access_token`` + ``server`` (OAuth).
    :param sleep: injectable for tests; called with the backoff delay in seconds.
    """

    def __init__(
        self,
        api_key=None,
        access_token=None,
        server=None,
        max_retries=MAX_RETRIES,
        sleep=None,
        host=None,
        hidden=(),
    ):
        # what a copy for another connection needs (``parallel.py``)
        self.settings = {k: v for k, v in locals().items() if k != "self"}
        self.on_throttle = None  # called with the error before a 429 is retried
        self._secrets = tuple(s for s in (api_key, access_token) if s)
        if not self._secrets:
            raise MailchimpError("No Mailchimp API key is set.", kind="config")
        # other secrets a request carries (the webhook URL's): never in an error
        self._secrets += tuple(s for s in hidden if s)
        server = server or data_center_from_key(api_key)
        if not server or not DC_RE.match(server):
            raise MailchimpError(
                "The API key has no data center suffix (it should end with "
                "something like '-us6'). Copy the whole key from Mailchimp.",
                kind="config",
            )
        self.server = server
        self.max_retries = max_retries
        self.sleep = sleep
        config = {"server": server, "timeout": DEFAULT_TIMEOUT}
        if access_token:
            config["access_token"] = access_token
        else:
            config["api_key"] = api_key
        self.sdk = mailchimp_marketing.Client(config)
        if host:  # an explicit setting (a local test server), never a default
            self.sdk.api_client.host = host
        self._last_headers = {}
        self._watch_responses()

    def _watch_responses(self):
        """Keep the headers of the last answer: the SDK drops them, and a 429
        says in ``Retry-After`` how long to wait."""
        api_client = self.sdk.api_client
        request = api_client.request

        def watched(*args, **kwargs):
            response = request(*args, **kwargs)
            self._last_headers = getattr(response, "headers", None) or {}
            return response

        api_client.request = watched

    def pause(self, seconds):
        """Wait between polls (replaced in tests, like the backoff)."""
        (self.sleep or _sleep)(seconds)

    # ------------------------------------------------------------------ core
    def call(self, fn, *args, **kwargs):
        """Call an SDK method with retries; return the decoded JSON (or ``{}``).

        The SDK's positional text arguments are path parameters: each is
        checked by :func:`path_segment` before anything is sent."""
        args = tuple(
            path_segment(arg)
            if isinstance(arg, str | int) and not isinstance(arg, bool)
            else arg
            for arg in args
        )
        for attempt in itertools.count(1):
            try:
                return self._call_once(fn, *args, **kwargs)
            except MailchimpError as error:
                if not error.retryable or attempt > self._retries_for(error):
                    raise
                delay = self._retry_delay(error, attempt)
                if error.status == 429 and self.on_throttle:
                    self.on_throttle(error)
                _logger.info(
                    "Mailchimp %s (%s); retry %d/%d in %.1fs",
                    error.title or error.kind,
                    error.status or "-",
                    attempt,
                    self.max_retries,
                    delay,
                )
                self.pause(delay)

    def _retries_for(self, error):
        """How many times ``error`` is retried: few when Mailchimp could not be
        reached at all (the user waits; the cron tries again later)."""
        if error.kind == "network":
            return min(CONNECT_RETRIES, self.max_retries)
        return self.max_retries

    def _retry_delay(self, error, attempt):
        """Mailchimp's ``Retry-After`` on a 429, else exponential backoff with
        jitter. A wait longer than :data:`MAX_RETRY_AFTER` is not waited: the
        error goes up, the run stops and resumes at the next cron call."""
        # ``Retry-After``: a number of seconds
        wait = digits(str(self._last_headers.get("Retry-After") or "").strip())
        if error.status == 429 and wait is not None:
            if wait > MAX_RETRY_AFTER:
                raise error
            return wait
        delay = min(MAX_BACKOFF, BACKOFF * 2 ** (attempt - 1))
        if error.kind == "network":
            delay = min(delay, CONNECT_RETRY_DELAY)
        return delay + random.uniform(0, delay / 2)

    def _call_once(self, fn, *args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except ApiClientError as err:
            if err.status_code is None:
                raise self._network_error(err.text) from None
            raise error_from_response(
                err.status_code, err.text, self._secrets
            ) from None
        if isinstance(result, requests.Response):
            # The SDK returns the raw response when the body is empty or not
            # JSON: a 204, but also a 429/403 without a body, or a 200 whose
            # JSON is truncated.
            if not result.ok:
                raise error_from_response(
                    result.status_code, result.text, self._secrets
                )
            if result.status_code != 204 and (result.text or "").strip():
                raise MalformedResponse("a body that is not JSON")
            return {}
        if not isinstance(result, dict):
            # a 200 with HTML (the SDK returns the text) or a JSON list
            raise MalformedResponse("an answer that is not a JSON object")
        return result

    def _network_error(self, exc, host=None):
        """The error of a failed request to ``host`` (the API's by default)."""
        host = host or f"{self.server}.api.mailchimp.com"
        # a connect timeout is a ConnectionError too: Mailchimp was not reached
        if isinstance(exc, requests.ConnectionError):
            return MailchimpError(
                f"Mailchimp could not be reached ({host}); "
                "check the network (and the data center of the key), then try "
                "again.",
                kind="network",
            )
        if isinstance(exc, requests.Timeout):
            return MailchimpError(
                "Mailchimp did not answer in time (timeout); try again later.",
                kind="timeout",
            )
        return MailchimpError(
            scrub(f"Mailchimp request failed: {exc}", self._secrets), kind="network"
        )

    def paginate(self, fn, key, *args, **params):
        """Yield pages (lists of items) of a collection endpoint."""
        offset = 0
        while True:
            data = self.call(fn, *args, count=PAGE_SIZE, offset=offset, **params)
            items = data.get(key)
            if not isinstance(items, list):
                # a page without its list is not the end of the collection
                raise MalformedResponse(f"the page has no list of {key}")
            if items:
                yield items
            offset += len(items)
            total = bounded(data.get("total_items"), "total_items", MalformedResponse)
            if not items or len(items) < PAGE_SIZE or (total and offset >= total):
                return

    def iterate(self, fn, key, *args, **params):
        for page in self.paginate(fn, key, *args, **params):
            yield from page

    # -------------------------------------------------------------- account
    def ping(self):
        return self.call(self.sdk.ping.get)

    def get_account(self):
        return self.call(
            self.sdk.root.get_root,
            fields=[
                "account_id",
                "account_name",
                "email",
                "login_id",
                "total_subscribers",
                "username",
            ],
        )

    # ------------------------------------------------------------ audiences
    def iter_lists(self):
        return self.iterate(self.sdk.lists.get_all_lists, "lists")

    def get_list(self, list_id):
        return self.call(self.sdk.lists.get_list, list_id)

    def create_list(self, body):
        return self.call(self.sdk.lists.create_list, body)

    def iter_merge_fields(self, list_id):
        return self.iterate(
            self.sdk.lists.get_list_merge_fields, "merge_fields", list_id
        )

    def add_merge_field(self, list_id, body):
        return self.call(self.sdk.lists.add_list_merge_field, list_id, body)

    # -------------------------------------------------------------- members
    def batch_upsert(
        self, list_id, members, update_existing=True, skip_merge_validation=False
    ):
        """``POST /lists/{id}``: at most 500 members in one call."""
        if len(members) > BATCH_SIZE:
            raise ValueError(f"At most {BATCH_SIZE} members per batch call")
        params = {"skip_merge_validation": "true"} if skip_merge_validation else {}
        return self.call(
            self.sdk.lists.batch_list_members,
            list_id,
            {"members": members, "update_existing": update_existing},
            **params,
        )

    @staticmethod
    def _window(since, before, fields, **params):
        """The query of a member read sorted by ``last_changed``."""
        params.update(sort_field="last_changed", sort_dir="ASC")
        if since:
            params["since_last_changed"] = since
        if before:
            params["before_last_changed"] = before
        if fields:
            # the SDK joins a list; a string would be split into characters
            params["fields"] = fields.split(",") if isinstance(fields, str) else fields
        return params

    def iter_member_pages(self, list_id, since=None, before=None, fields=None):
        params = self._window(since, before, fields)
        return self.paginate(
            self.sdk.lists.get_list_members_info, "members", list_id, **params
        )

    def get_member_page(self, list_id, offset, since=None, before=None, fields=None):
        params = self._window(since, before, fields, count=PAGE_SIZE, offset=offset)
        return self.call(self.sdk.lists.get_list_members_info, list_id, **params)

    def get_member(self, list_id, member_hash):
        return self.call(self.sdk.lists.get_list_member, list_id, member_hash)

    def update_member(self, list_id, member_hash, body):
        """``PATCH``: used to change the email of an existing member in place."""
        return self.call(self.sdk.lists.update_list_member, list_id, member_hash, body)

    def archive_member(self, list_id, member_hash):
        return self.call(self.sdk.lists.delete_list_member, list_id, member_hash)

    def delete_member_permanent(self, list_id, member_hash):
        """GDPR erasure: the address can never be imported again."""
        return self.call(
            self.sdk.lists.delete_list_member_permanent, list_id, member_hash
        )

    # ------------------------------------------------------------ tags
    def iter_segments(self, list_id, kind="static"):
        """Tags (``static``), saved segments (``saved``), or all (None)."""
        params = {"type": kind} if kind else {}
        return self.iterate(self.sdk.lists.list_segments, "segments", list_id, **params)

    def create_static_segment(self, list_id, name, emails=()):
        """A tag, given in the same call to ``emails`` (at most 500)."""
        if len(emails) > BATCH_SIZE:
            raise ValueError(f"At most {BATCH_SIZE} emails per call")
        body = {"name": name, "static_segment": list(emails)}
        return self.call(self.sdk.lists.create_segment, list_id, body)

    def batch_segment(self, list_id, segment_id, add=(), remove=()):
        if len(add) > BATCH_SIZE or len(remove) > BATCH_SIZE:
            raise ValueError(f"At most {BATCH_SIZE} emails each way per call")
        body = {"members_to_add": list(add), "members_to_remove": list(remove)}
        method = self.sdk.lists.batch_segment_members
        return self.call(method, body, list_id, segment_id)

    def delete_segment(self, list_id, segment_id):
        return self.call(self.sdk.lists.delete_segment, list_id, segment_id)

    # ------------------------------------------------------------ activity
    def get_member_activity(self, list_id, member_hash):
        """Every campaign event of a member's activity feed, page after page
        (its default page is 10 events; the answer has no ``total_items``:
        spec schema ``MemberActivityEvents1``)."""
        return list(
            self.iterate(
                self.sdk.lists.get_list_member_activity_feed,
                "activity",
                list_id,
                member_hash,
                activity_filters=list(FEED_ACTIVITY_TYPES),
            )
        )

    # ------------------------------------------------------------ groups
    def iter_interest_categories(self, list_id):
        return self.iterate(
            self.sdk.lists.get_list_interest_categories, "categories", list_id
        )

    def iter_interests(self, list_id, category_id):
        return self.iterate(
            self.sdk.lists.list_interest_category_interests,
            "interests",
            list_id,
            category_id,
        )

    def create_interest(self, list_id, category_id, name):
        return self.call(
            self.sdk.lists.create_interest_category_interest,
            list_id,
            category_id,
            {"name": name},
        )

    # ------------------------------------------------------------ campaigns
    def iter_campaign_pages(self, list_id):
        params = {"list_id": list_id, "status": "sent", "sort_field": "send_time"}
        return self.paginate(self.sdk.campaigns.list, "campaigns", **params)

    def iter_sent_to_pages(self, campaign_id):
        return self.paginate(
            self.sdk.reports.get_campaign_recipients, "sent_to", campaign_id
        )

    def get_report(self, campaign_id):
        return self.call(self.sdk.reports.get_campaign_report, campaign_id)

    def iter_email_activity_pages(self, campaign_id, since=None):
        params = {"since": since} if since else {}
        return self.paginate(
            self.sdk.reports.get_email_activity_for_campaign,
            "emails",
            campaign_id,
            **params,
        )

    # ------------------------------------------------------------ webhooks
    def create_webhook(self, list_id, body):
        return self.call(self.sdk.lists.create_list_webhook, list_id, body)

    def get_webhook(self, list_id, webhook_id):
        return self.call(self.sdk.lists.get_list_webhook, list_id, webhook_id)

    def update_webhook(self, list_id, webhook_id, body):
        return self.call(self.sdk.lists.update_list_webhook, list_id, webhook_id, body)

    def delete_webhook(self, list_id, webhook_id):
        return self.call(self.sdk.lists.delete_list_webhook, list_id, webhook_id)

    # ------------------------------------------------------------ batches
    def start_batch(self, operations):
        """``POST /batches``: returns Mailchimp's batch status answer."""
        return self.call(self.sdk.batches.start, {"operations": list(operations)})

    def get_batch(self, batch_id):
        return self.call(self.sdk.batches.status, batch_id)

    def download(self, url):
        try:
            return results_download.fetch(url, DEFAULT_TIMEOUT)
        except requests.RequestException as exc:
            raise self._network_error(exc, results_download.host_of(url)) from None
