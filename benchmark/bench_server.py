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
and read the calls made.
"""

import json
import os
import socketserver
import sys
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from fake_mailchimp import FakeMailchimp  # noqa: E402

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


def server_time(method, path, body, answer):
    """Mailchimp's own work for one call under the model (seconds)."""
    if method == "POST" and isinstance(body, dict) and "members" in body:
        return WRITE_S * len(body["members"])
    if method == "GET" and isinstance(answer, dict):
        return READ_S * len(answer.get("members") or ())
    if method in ("PUT", "PATCH", "POST", "DELETE") and not path.startswith("/batches"):
        return WRITE_S
    return 0.0


class BenchMailchimp:
    """The WSGI application: the fake, its latency and the connection limit."""

    def __init__(self, fake):
        self.fake = fake
        self.lock = threading.Lock()
        self.open = 0
        self.refused = 0
        self.model_s = []  # round trip + server time of each call
        self.ready_at = {}  # batch id -> when Mailchimp has run it

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
        method = request.method
        self._batch_timing(method, path[len(API_PREFIX) :], request, answer, response)
        work = server_time(method, path[len(API_PREFIX) :], body, answer)
        with self.lock:
            self.model_s.append(ROUND_TRIP_S + work)
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
        with self.fake.lock:
            if path == "/_bench/add_list":
                data = self.fake.add_list(args["name"])
            elif path == "/_bench/clear_list":
                self.fake.members[args["list_id"]] = {}
                data = None
            elif path == "/_bench/set_merge":
                for email in args["emails"]:
                    self.fake.set_merge(args["list_id"], email, **args["values"])
                data = None
            else:  # /_bench/stats
                data = {
                    "calls": [(c.method, c.path) for c in self.fake.calls],
                    "busy": self.fake.busy,
                    "model_s": sum(self.model_s),
                    "refused": self.refused,
                }
        body = json.dumps(data).encode()
        return self._reply(
            start_response, 200, body, {"Content-Type": "application/json"}
        )


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    port, api_key = int(sys.argv[1]), sys.argv[2]
    fake = FakeMailchimp(api_key=api_key)
    fake.batch_polls = 0
    # the test suite checks the contract; here it would add its cost to the
    # server time the latency model sets (MCS_CHECK_CONTRACT=1: check anyway)
    fake.check_contract = os.environ.get("MCS_CHECK_CONTRACT") == "1"
    server = make_server(
        "127.0.0.1", port, BenchMailchimp(fake), ThreadingServer, QuietHandler
    )
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
