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


class RemoteFake:
    """The fake Mailchimp running in the server process."""

    def __init__(self, port, api_key):
        self.port = port
        self.api_key = api_key
        self.base = f"http://127.0.0.1:{port}"
        self.api_host = f"{self.base}/3.0"
        self._process = None
        self._mocker = None

    def __enter__(self):
        self._process = subprocess.Popen(
            [
                sys.executable,
                os.path.join(HERE, "bench_server.py"),
                str(self.port),
                self.api_key,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._process.stdout.readline().strip() != "ready":
            raise RuntimeError("the benchmark's Mailchimp server did not start")
        # batch results are served by Mailchimp's S3 (an https address the
        # client checks): here they come from the same server
        self._mocker = requests_mock.Mocker(real_http=True)
        self._mocker.start()
        # requests_mock keeps every request it sees, real ones included (each
        # batch call's 130 KB body): the benchmark would measure its own
        # history as Odoo's memory. One is enough.
        self._mocker._adapter.request_history = deque(maxlen=1)
        self._mocker.add_matcher(self._s3)
        return self

    def __exit__(self, *exc):
        self._mocker.stop()
        self._process.terminate()
        self._process.wait()

    def _s3(self, request):
        if not request.url.startswith(S3):
            return None
        answer = requests.get(f"{self.base}/_s3/{request.url[len(S3):]}", timeout=60)
        return requests_mock.create_response(
            request, status_code=answer.status_code, content=answer.content
        )

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

    def stats(self):
        return self._control("stats")

    @property
    def calls(self):
        return [Call(*call) for call in self.stats()["calls"]]

    @property
    def busy(self):
        return self.stats()["busy"]
