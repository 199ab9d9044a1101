"""The benchmark's side of its Mailchimp server (``bench_server.py``): the
server process, the store's changes and counters over HTTP, and the address
Odoo's client is pointed at (a system parameter, set in the benchmark's
database only)."""

import os
import subprocess
import sys
from collections import deque, namedtuple

import requests
import requests_mock

HERE = os.path.dirname(os.path.abspath(__file__))
S3 = "https://mailchimp-api-batch.s3.amazonaws.com/"
Call = namedtuple("Call", "method path")
START_TIMEOUT_S = 30


def redirect_s3(base):
    """Batch results are served by Mailchimp's S3 (an https address the
    client checks): in this process they come from the server at ``base``.
    Returns the started mocker (stop it when done)."""

    def s3(request):
        if not request.url.startswith(S3):
            return None
        answer = requests.get(f"{base}/_s3/{request.url[len(S3):]}", timeout=60)
        return requests_mock.create_response(
            request, status_code=answer.status_code, content=answer.content
        )

    mocker = requests_mock.Mocker(real_http=True)
    mocker.start()
    # requests_mock keeps every request it sees, real ones included (each
    # batch call's 130 KB body): the benchmark would measure its own
    # history as Odoo's memory. One is enough.
    mocker._adapter.request_history = deque(maxlen=1)
    mocker.add_matcher(s3)
    return mocker


class RemoteFake:
    """The fake Mailchimp running in the server process (``port`` 0: a free
    port, read back from the server)."""

    def __init__(self, port, api_key):
        self.api_key = api_key
        self._at(port)
        self._process = None
        self._mocker = None

    def _at(self, port):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.api_host = f"{self.base}/3.0"

    def __enter__(self):
        self._process = subprocess.Popen(
            [
                sys.executable,
                os.path.join(HERE, "bench_server.py"),
                str(self.port),
                self.api_key,
            ],
            stdin=subprocess.PIPE,  # closed: the server ends
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._process.stdout.readline().split()
        if ready[:1] != ["ready"]:
            self._process.kill()
            raise RuntimeError("the benchmark's Mailchimp server did not start")
        self._at(int(ready[1]))
        self._mocker = redirect_s3(self.base)
        return self

    def __exit__(self, *exc):
        self._mocker.stop()
        self._process.terminate()
        self._process.wait()

    def _control(self, route, **args):
        answer = requests.post(f"{self.base}/_bench/{route}", json=args, timeout=600)
        answer.raise_for_status()
        return answer.json()

    def add_list(self, name):
        return self._control("add_list", name=name)

    def clear_list(self, list_id):
        """Every member gone: the next push creates them all again."""
        self._control("clear_list", list_id=list_id)

    def set_merge_many(self, list_id, emails, **values):
        self._control("set_merge", list_id=list_id, emails=list(emails), values=values)

    def add_members(self, list_id, emails, merge_fields):
        self._control(
            "add_members", list_id=list_id, emails=emails, merge_fields=merge_fields
        )

    def status(self, list_id, email):
        """The member's status in Mailchimp (None: no such member)."""
        return self._control("status", list_id=list_id, email=email)

    def hold(self, method, path, nth=1):
        """The answer of the ``nth`` call matching (``path``: a regular
        expression of the API path) waits until :meth:`release`."""
        self._control("hold", method=method, path=path, nth=nth)

    def release(self):
        self._control("release")

    def stats(self):
        return self._control("stats")

    @property
    def calls(self):
        return [Call(*call) for call in self.stats()["calls"]]

    @property
    def busy(self):
        return self.stats()["busy"]
