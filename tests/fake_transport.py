"""The fake Mailchimp on the wire: requests-mock matcher, injected failures,
broken answers, call log, batch result archives."""

import base64
import io
import json
import re
import tarfile
import time
import uuid
from urllib.parse import parse_qsl, urlparse

import requests
import requests_mock

try:  # a module of the tests package, or a top-level one (pure tier)
    from .fake_common import (
        API_RE,
        BATCH_FILE_SIZE,
        BATCH_RESULTS_URL,
        MSG_INVALID_KEY,
        PROBLEM,
        Call,
        Problem,
        problem_body,
    )
except ImportError:
    from fake_common import (  # noqa: I001
        API_RE,
        BATCH_FILE_SIZE,
        BATCH_RESULTS_URL,
        MSG_INVALID_KEY,
        PROBLEM,
        Call,
        Problem,
        problem_body,
    )


class FakeTransport:
    """HTTP side: what reaches the SDK and what it gets back."""

    # ------------------------------------------------------------ lifecycle
    def start(self):
        self._mocker = requests_mock.Mocker(real_http=True)
        self._mocker.start()
        self._mocker.add_matcher(self._handle)
        return self

    def stop(self):
        if self._mocker:
            self._mocker.stop()
            self._mocker = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def count(self, method=None, path=None):
        return sum(
            1
            for c in self.calls
            if (method is None or c.method == method)
            and (path is None or re.fullmatch(path, c.path))
        )

    def reset_calls(self):
        self.calls = []

    def fail(self, method, path, status=500, body=None, times=1, skip=0, headers=None):
        """The next ``times`` matching requests (after ``skip``) get ``status``
        (with ``headers``, e.g. ``Retry-After`` on a 429)."""
        if body is None and status >= 500:
            body = {
                "title": "Internal Server Error",
                "detail": "An unexpected error occurred.",
            }
        self._failures.append(
            {
                "method": method,
                "path": path,
                "status": status,
                "body": body,
                "times": times,
                "skip": skip,
                "headers": headers or {},
            }
        )

    def mangle(self, method, path, change, times=1, content_type=None):
        """The next ``times`` matching answers are passed through ``change``:
        it returns the data to send (any JSON value) or raw text (sent with
        ``content_type``, JSON by default): a 200 with a broken body, as
        Mailchimp's edge sometimes answers."""
        self._manglers.append(
            {
                "method": method,
                "path": path,
                "change": change,
                "times": times,
                "content_type": content_type or "application/json; charset=utf-8",
            }
        )

    def _mangled(self, request, method, path, status, data):
        for mangler in self._manglers:
            if (
                mangler["times"] <= 0
                or mangler["method"] != method
                or not re.fullmatch(mangler["path"], path)
            ):
                continue
            mangler["times"] -= 1
            out = mangler["change"](data)
            text = out if isinstance(out, str) else json.dumps(out)
            return requests_mock.create_response(
                request,
                status_code=status,
                text=text,
                headers={"Content-Type": mangler["content_type"]},
            )
        return None

    def fail_after(self, skip, method, path, status=500, times=1, body=None):
        self.fail(method, path, status=status, body=body, times=times, skip=skip)

    def timeout(self, method, path, times=1):
        self._failures.append(
            {
                "method": method,
                "path": path,
                "status": "timeout",
                "times": times,
                "skip": 0,
            }
        )

    # ------------------------------------------------------------ dispatch
    def _handle(self, request):
        with self.lock:
            started = time.perf_counter()
            try:
                return self._handle_request(request)
            finally:
                # Mailchimp's own work, kept apart by the benchmark
                self.busy += time.perf_counter() - started

    def _handle_request(self, request):
        url = request.url
        if url.startswith("https://login.mailchimp.com/oauth2/"):
            return self._oauth(request)
        if url.startswith(BATCH_RESULTS_URL):
            return self._batch_archive(request)
        match = API_RE.match(url.split("?")[0])
        if not match:
            return None
        path = match.group("path") or "/"
        query = dict(parse_qsl(urlparse(url).query, keep_blank_values=True))
        body = self._request_body(request)
        self.calls.append(Call(request.method, path, query, body))
        self._check_request(request.method, path, query, body)
        if match.group("dc") != self.dc:
            raise requests.exceptions.ConnectionError(
                f"Failed to resolve '{match.group('dc')}.api.mailchimp.com'"
            )
        failure = self._failure_for(request.method, path)
        if failure:
            return self._failure_response(request, failure)
        if not self._authorized(request):
            return self._problem(
                request,
                Problem(
                    401,
                    "API Key Invalid",
                    MSG_INVALID_KEY,
                ),
            )
        try:
            status, data = self._route(request.method, path, query, body)
        except Problem as problem:
            return self._problem(request, problem)
        return self._answer(request, path, status, data)

    @staticmethod
    def _request_body(request):
        """The request's JSON body, its raw text if not JSON, or None."""
        if not request.body:
            return None
        raw = request.body.decode() if isinstance(request.body, bytes) else request.body
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    def _failure_response(self, request, failure):
        """The answer of an injected failure (a timeout is raised)."""
        if failure["status"] == "timeout":
            raise requests.exceptions.ConnectTimeout("Connection timed out")
        if failure["body"] is None:
            self._check_answer(
                request.method, self._api_path(request), failure["status"], None
            )
            return requests_mock.create_response(
                request,
                status_code=failure["status"],
                text="",
                headers=failure.get("headers") or {},
            )
        response = self._problem(
            request,
            Problem(
                failure["status"],
                failure["body"].get("title", "Error"),
                failure["body"].get("detail", ""),
                failure["body"].get("errors"),
            ),
        )
        response.headers.update(failure.get("headers") or {})
        return response

    def _answer(self, request, path, status, data):
        """A route's answer: mangled if asked, empty for a 204, else JSON."""
        mangled = self._mangled(request, request.method, path, status, data)
        if mangled is not None:
            return mangled  # broken on purpose: not Mailchimp's contract
        self._check_answer(request.method, path, status, data)
        if status == 204:
            return requests_mock.create_response(request, status_code=204, text="")
        return requests_mock.create_response(
            request,
            status_code=status,
            json=data,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    def _failure_for(self, method, path):
        for failure in self._failures:
            if (
                failure["times"] <= 0
                or failure["method"] != method
                or not re.fullmatch(failure["path"], path)
            ):
                continue
            if failure["skip"] > 0:
                failure["skip"] -= 1
                return None
            failure["times"] -= 1
            return failure
        return None

    def _authorized(self, request):
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            secret = base64.b64decode(header[6:]).decode().partition(":")[2]
        elif header.startswith("Bearer "):
            secret = header[7:]
        else:
            return False
        return secret == self.api_key or secret in self.oauth_tokens

    @staticmethod
    def _api_path(request):
        return API_RE.match(request.url.split("?")[0]).group("path") or "/"

    def _problem(self, request, problem):
        body = problem_body(problem, str(uuid.uuid4()))
        self._check_answer(
            request.method, self._api_path(request), problem.status, body
        )
        return requests_mock.create_response(
            request,
            status_code=problem.status,
            text=json.dumps(body),
            headers={"Content-Type": PROBLEM},
        )

    def _batch_archive(self, request):
        """The gzipped tar of JSON files Mailchimp serves for a batch."""
        batch_id = request.url.rsplit("/", 1)[-1].split("-response")[0]
        batch = self.batches.get(batch_id)
        if batch is None:
            return requests_mock.create_response(request, status_code=403, text="")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            results = batch["results"]
            for index in range(0, len(results), BATCH_FILE_SIZE):
                chunk = results[index : index + BATCH_FILE_SIZE]
                self._check_batch_file(chunk)
                data = json.dumps(chunk).encode()
                info = tarfile.TarInfo(f"{batch_id}/{index}.json")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return requests_mock.create_response(
            request, status_code=200, content=buffer.getvalue()
        )
