"""The benchmark's Mailchimp: the tests' stateful fake behind a real HTTP
server on localhost, in its own process, with a latency model.

The latency model (an assumption, printed with every result):

* a round trip of 150 ms per call (TLS, distance, Mailchimp's front end);
* server time of 4 ms per member written (batch subscribe; the operations of
  ``POST /batches`` run in Mailchimp's background: the batch is finished that
  long after it was submitted, no connection held) and 0.5 ms per member read;
* at most 10 calls at once per API key: the 11th gets a 429, as Mailchimp
  answers.

``/_bench/...`` routes (no latency) let the benchmark change Mailchimp's data
and read the calls made; the tests of killed workers (``tests/worker_case.py``)
also hold back the answer of one call (``hold``, ``release``) and read the
members each batch subscribe created (``stats``).
"""

import json
import os
import re
import socketserver
import sys
import threading
import time
from collections import Counter
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests

from bench_fake import BenchFake
from fake_mailchimp import FakeMailchimp  # noqa: F401 (scripts/live_check_fake.py)

ROUND_TRIP_S = 0.150
WRITE_S = 0.004  # per member written
READ_S = 0.0005  # per member read
MAX_CONNECTIONS = 10  # per API key
RETRY_AFTER_S = "1"
MODEL = (
    f"latency model (assumption): round trip {ROUND_TRIP_S * 1000:.0f} ms a call, "
    f"server time {WRITE_S * 1000:.0f} ms per member written and "
    f"{READ_S * 1000:.1f} ms per member read, at most {MAX_CONNECTIONS} "
    "connections at once per API key (the next gets a 429)"
)
API_PREFIX = "/3.0"
MAILCHIMP = "https://us6.api.mailchimp.com/3.0"
S3_PREFIX = "/_s3/"
HOP_HEADERS = {"connection", "transfer-encoding", "content-encoding"}
BATCH_SUBSCRIBE = re.compile(r"/lists/[^/]+")  # POST: create (or update) members
HOLD_MAX_S = 120  # a held answer is sent anyway after this long
READ_ONLY_ROUTES = {"_bench_stats", "_bench_status", "_bench_hold", "_bench_release"}


def server_time(method, path, body, answer):
    """Mailchimp's own work for one call under the model (seconds)."""
    if method == "POST" and isinstance(body, dict) and "members" in body:
        return WRITE_S * len(body["members"])
    if method == "GET" and isinstance(answer, dict):
        return READ_S * len(answer.get("members") or ())
    if method in ("PUT", "PATCH", "POST", "DELETE") and not path.startswith("/batches"):
        return WRITE_S
    return 0.0


class Hold:
    """The ``nth`` call matching ``method`` and ``path`` (a regular expression
    of the API path) is done in Mailchimp, but its answer waits until
    released: its caller can be killed in the middle of the call."""

    def __init__(self, method, path, nth):
        self.method, self.path, self.nth = method, re.compile(path), nth
        self.seen = 0
        self.held = threading.Event()
        self.released = threading.Event()

    def take(self, method, path):
        """Whether this call's answer is the one held (under the app's lock)."""
        if method != self.method or not self.path.fullmatch(path):
            return False
        self.seen += 1
        return self.seen == self.nth


class BenchMailchimp:
    """The WSGI application: the fake, its latency and the connection limit."""

    def __init__(self, fake):
        self.fake = fake
        self.lock = threading.Lock()
        self.open = 0
        self.refused = 0
        self.model_s = []  # round trip + server time of each call
        self.ready_at = {}  # batch id -> when Mailchimp has run it
        self.hold = None
        self.sent = 0  # members sent in batch subscribe calls
        self.created = Counter()  # email -> members batch subscribe created
        self.already = 0  # answered "already a list member" (ERROR_CONTACT_EXISTS)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_bench/"):
            return self._control(path, environ, start_response)
        with self.lock:
            if self.open >= MAX_CONNECTIONS:
                self.refused += 1
                return self._reply(
                    start_response, 429, b"", {"Retry-After": RETRY_AFTER_S}
                )
            self.open += 1
        try:
            return self._api(path, environ, start_response)
        finally:
            with self.lock:
                self.open -= 1

    def _api(self, path, environ, start_response):
        started = time.monotonic()
        request = self._request(path, environ)
        response = self.fake._handle(request)
        body = self.fake._request_body(request)
        answer = self._json(response)
        method, api_path = request.method, path[len(API_PREFIX) :]
        self._batch_timing(method, api_path, request, answer, response)
        work = server_time(method, api_path, body, answer)
        with self.lock:
            self.model_s.append(ROUND_TRIP_S + work)
            self._tally(method, api_path, body, answer)
            hold = self.hold if self.hold and self.hold.take(method, api_path) else None
        if hold:
            hold.held.set()
            hold.released.wait(HOLD_MAX_S)
        time.sleep(max(0.0, ROUND_TRIP_S + work - (time.monotonic() - started)))
        headers = {
            k: v for k, v in response.headers.items() if k.lower() not in HOP_HEADERS
        }
        return self._reply(
            start_response, response.status_code, response.content, headers
        )

    def _batch_timing(self, method, path, request, answer, response):
        """A batch runs in Mailchimp for 4 ms an operation after it is
        submitted: polled before that, it is still "started"."""
        if method == "POST" and path == "/batches" and isinstance(answer, dict):
            operations = len(json.loads(request.body)["operations"])
            self.ready_at[answer.get("id")] = time.monotonic() + WRITE_S * operations
        elif method == "GET" and path.startswith("/batches/"):
            batch_id = path.rsplit("/", 1)[-1]
            if time.monotonic() < self.ready_at.get(batch_id, 0):
                data = self.fake._batch_json(batch_id, "started")
                response._content = json.dumps(data).encode()

    def _tally(self, method, path, body, answer):
        """Batch subscribe: the members sent, created (per email) and answered
        "already a list member"."""
        if method != "POST" or not BATCH_SUBSCRIBE.fullmatch(path):
            return
        if isinstance(body, dict):
            self.sent += len(body.get("members") or ())
        if not isinstance(answer, dict):
            return
        for member in answer.get("new_members") or ():
            self.created[member["email_address"].lower()] += 1
        for error in answer.get("errors") or ():
            if error.get("error_code") == "ERROR_CONTACT_EXISTS":
                self.already += 1

    @staticmethod
    def _json(response):
        try:
            return json.loads(response.content or b"null")
        except ValueError:
            return None

    @staticmethod
    def _request(path, environ):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        query = environ.get("QUERY_STRING")
        if path.startswith(S3_PREFIX):
            url = (
                "https://mailchimp-api-batch.s3.amazonaws.com/" + path[len(S3_PREFIX) :]
            )
        else:
            url = MAILCHIMP + path[len(API_PREFIX) :] + (f"?{query}" if query else "")
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        return requests.Request(
            environ["REQUEST_METHOD"], url, data=body, headers=headers
        ).prepare()

    @staticmethod
    def _reply(start_response, status, content, headers):
        reason = requests.status_codes._codes.get(status, ("",))[0]
        start_response(f"{status} {reason.upper()}", list(headers.items()))
        return [content]

    def _control(self, path, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        args = json.loads(environ["wsgi.input"].read(length) or b"{}")
        route = getattr(self, "_bench_" + path[len("/_bench/") :], None)
        if route is None:
            return self._reply(start_response, 404, b"", {})
        with self.fake.lock:
            if route.__name__ not in READ_ONLY_ROUTES:
                self.fake.drop_index()
            data = route(**args)
        body = json.dumps(data).encode()
        return self._reply(
            start_response, 200, body, {"Content-Type": "application/json"}
        )

    def _bench_add_list(self, name):
        return self.fake.add_list(name)

    def _bench_clear_list(self, list_id):
        self.fake.members[list_id] = {}

    def _bench_set_merge(self, list_id, emails, values):
        for email in emails:
            self.fake.set_merge(list_id, email, **values)

    def _bench_add_members(self, list_id, emails, merge_fields):
        """Members subscribed in Mailchimp (a signup form, an import)."""
        for email, merge in zip(emails, merge_fields, strict=True):
            self.fake.add_member(list_id, email, merge_fields=merge)

    def _bench_status(self, list_id, email):
        member = self.fake.member(list_id, email)
        return member and member["status"]

    def _bench_hold(self, method, path, nth=1):
        with self.lock:
            self.hold = Hold(method, path, nth)

    def _bench_release(self):
        with self.lock:
            hold, self.hold = self.hold, None
        if hold:
            hold.released.set()

    def _bench_stats(self):
        with self.lock:
            return {
                "calls": [(c.method, c.path) for c in self.fake.calls],
                "busy": self.fake.busy,
                "model_s": sum(self.model_s),
                "refused": self.refused,
                "held": bool(self.hold and self.hold.held.is_set()),
                "sent": self.sent,
                "created": sum(self.created.values()),
                "created_twice": sum(1 for n in self.created.values() if n > 1),
                "already_members": self.already,
                "members": {lid: len(m) for lid, m in self.fake.members.items()},
            }


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        """A caller killed while waiting for its answer is expected."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    port, api_key = int(sys.argv[1]), sys.argv[2]
    fake = BenchFake(api_key=api_key)
    fake.batch_polls = 0
    # the test suite checks the contract; here it would add its cost to the
    # server time the latency model sets (MCS_CHECK_CONTRACT=1: check anyway)
    fake.check_contract = os.environ.get("MCS_CHECK_CONTRACT") == "1"
    server = make_server(
        "127.0.0.1", port, BenchMailchimp(fake), ThreadingServer, QuietHandler
    )
    print(f"ready {server.server_port}", flush=True)  # port 0: a free one
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    server.serve_forever()


def _exit_with_parent():
    """The process that started the server closes its stdin (or dies): the
    server ends, never left behind."""
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
