"""The live check's Mailchimp when no key is given: the tests' fake behind a
real HTTP server on localhost, in its own process. It is the benchmark's
server (``benchmark/bench_server.py``) without its latency model, and its
client side (``benchmark/bench_remote.py``), started on a free port.

Run as a script, this module is that server process: it prints
``ready <port>`` and serves until its parent closes its stdin.
"""

import os
import subprocess
import sys
import threading
from wsgiref.simple_server import make_server

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _path in (os.path.join(ROOT, "benchmark"), os.path.join(ROOT, "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from bench_remote import RemoteFake, redirect_s3  # noqa: E402

FAKE_KEY = "0123456789abcdef0123456789abcdef-us6"  # the fake's account (us6)
READER = "reader@example.com"


class FakeOverHttp(RemoteFake):
    """``with FakeOverHttp() as server``: ``server.api_host`` is the address
    the client is given (``MailchimpClient(host=...)``).

    Batch results: Mailchimp serves them from its S3 host over https, the
    only address the client downloads them from; here they come from the same
    local server (``/_s3/...``), the S3 address being answered at the
    transport level by ``redirect_s3`` (requests-mock, as in the tests),
    so the client is the addon's, unchanged."""

    def __init__(self):
        super().__init__(port=None, api_key=FAKE_KEY)

    def __enter__(self):
        self._process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), self.api_key],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        said = self._process.stdout.readline().split()
        if len(said) != 2 or said[0] != "ready":
            self._process.kill()
            raise RuntimeError("the fake Mailchimp server did not start")
        self.port = int(said[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self.api_host = f"{self.base}/3.0"
        self._mocker = redirect_s3(self.base)
        return self

    def __exit__(self, *exc):
        self._process.stdin.close()  # the server's cue to stop
        super().__exit__(*exc)


def seed(fake):
    """An audience with a sent campaign, so the report reads run."""
    list_id = fake.add_list("An audience with a sent campaign")
    fake.add_member(list_id, READER)
    campaign_id = fake.add_campaign(
        list_id, "Spring news", subject="Hello", emails_sent=1, recipients=[READER]
    )
    stamp = fake.now.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    fake.add_email_activity(campaign_id, READER, "open", stamp)


def serve(api_key):
    """The server process: no latency (the check needs answers, not timings),
    the first poll of a batch finds it still running, as Mailchimp's often
    does."""
    import bench_server

    bench_server.ROUND_TRIP_S = bench_server.WRITE_S = bench_server.READ_S = 0.0
    fake = bench_server.FakeMailchimp(api_key=api_key)
    fake.batch_polls = 1
    seed(fake)
    server = make_server(
        "127.0.0.1",
        0,  # a free port
        bench_server.BenchMailchimp(fake),
        bench_server.ThreadingServer,
        bench_server.QuietHandler,
    )
    threading.Thread(target=_stop_with_parent, args=(server,), daemon=True).start()
    print("ready", server.server_port, flush=True)
    server.serve_forever()


def _stop_with_parent(server):
    sys.stdin.read()  # returns when the parent closes the pipe (or dies)
    server.shutdown()


if __name__ == "__main__":
    serve(sys.argv[1])
