"""Batch calls on several connections at once.

Mailchimp allows 10 simultaneous connections per user, shared with anything
else using the account: a run uses a few (``mailchimp.account``'s
``parallel_connections``, 4 by default, at most 10). The caller's thread (the
cron's) builds every payload and applies every answer, in the order sent; the
worker threads here only make HTTP calls, each with its own copy of the client
(the SDK keeps the last answer's headers on the client), and never touch the
ORM or the cursor. A 429 (too many connections) lowers the number of
connections for the rest of the run; the call itself is retried by the client.

Nothing in this module imports Odoo.
"""

import logging
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from .client import MailchimpClient
from .errors import MailchimpError

_logger = logging.getLogger(__name__)

DEFAULT_CONNECTIONS = 4
# Mailchimp's own limit a user (api-notes.md, "Concurrency"): a run using all
# of them leaves none to the account's other tools, which then get 429s
MAX_CONNECTIONS = 10
MIN_CONNECTIONS = 1


def clamp(value):
    """The number of connections a setting allows (1 to 10; 4 when unset)."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return DEFAULT_CONNECTIONS
    return max(MIN_CONNECTIONS, min(MAX_CONNECTIONS, value))


class Connections:
    """At most ``limit`` calls in flight, each on a worker thread with its own
    client made from ``client``'s settings."""

    def __init__(self, client, limit=DEFAULT_CONNECTIONS):
        self.client = client
        self.limit = clamp(limit)
        self.throttled = 0  # 429 answers seen
        self._local = threading.local()
        self._slots = threading.Condition()
        self._busy = 0
        self._pool = None

    def _worker_client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = MailchimpClient(**self.client.settings)
            client.on_throttle = self._throttle
            self._local.client = client
        return client

    def _throttle(self, error):
        """Mailchimp refused a connection: one fewer for the rest of the run."""
        with self._slots:
            self.throttled += 1
            lowered = max(MIN_CONNECTIONS, min(self.limit, self._busy) - 1)
            if lowered < self.limit:
                _logger.info("Mailchimp 429: %d connections from now on", lowered)
            self.limit = lowered

    def _run(self, fn, args, kwargs):
        with self._slots:
            while self._busy >= self.limit:
                self._slots.wait()
            self._busy += 1
        try:
            return fn(self._worker_client(), *args, **kwargs)
        finally:
            with self._slots:
                self._busy -= 1
                self._slots.notify_all()

    def submit(self, fn, *args, **kwargs):
        """Run ``fn(client, *args, **kwargs)`` (HTTP only) on a worker: its
        future."""
        if self._pool is None:
            # sized to the run's connections (a 429 only lowers the limit)
            self._pool = ThreadPoolExecutor(self.limit, thread_name_prefix="mailchimp")
        return self._pool.submit(self._run, fn, args, kwargs)

    def close(self):
        """Called by the run loop in ``finally``: the threads end with it."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class Pipeline:
    """Calls sent in order, answers applied in the same order by the caller's
    thread with ``apply(context, answer, error)``: while a call is in flight
    the caller builds the next one. After a failed call nothing more is sent;
    :meth:`drain` applies what was in flight, then raises the first error."""

    def __init__(self, connections, apply):
        self.connections = connections
        self.apply = apply
        self.error = None
        self._window = deque()

    def send(self, context, fn, *args):
        while len(self._window) >= self.connections.limit:
            self._apply_oldest()
        if self.error is None:
            self._window.append((context, self.connections.submit(fn, *args)))

    def _apply_oldest(self):
        context, future = self._window.popleft()
        try:
            answer = future.result()
        except MailchimpError as error:
            self.error = self.error or error
            self.apply(context, None, error)
            return
        self.apply(context, answer, None)

    def drain(self):
        while self._window:
            self._apply_oldest()
        if self.error is not None:
            raise self.error
