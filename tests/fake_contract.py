"""The fake Mailchimp checks every call against Mailchimp's published
contract (``contract.py``): each request the addon sends (and each operation
it bundles in ``POST /batches``), each answer the fake serves (but the ones
a test breaks on purpose with ``mangle``), each batch result file and each
webhook delivery.

Violations are recorded, not raised where they happen (the addon catches
broad exceptions in places): ``stop()`` (the end of ``with FakeMailchimp()``,
the test's cleanup) raises an ``AssertionError`` listing them, so the test
that caused them fails. A violation that a pending fix
(``contract_exceptions.PENDING_FIXES``) matches is only counted
(``tolerated``)."""

from collections import Counter

try:  # a module of the tests package, or a top-level one (pure tier)
    from .contract import UNDEFINED, contract
except ImportError:
    from contract import UNDEFINED, contract  # noqa: I001


class FakeContract:
    """Mixed in first: wraps ``stop`` and ``__exit__`` of the transport."""

    check_contract = True  # False: nothing checked (a benchmark's own server)

    @property
    def violations(self):
        """The violations seen since the fake started (not yet reported)."""
        return self.__dict__.setdefault("_violations", [])

    @property
    def tolerated(self):
        """How many violations each pending fix let through."""
        return self.__dict__.setdefault("_tolerated", Counter())

    def _report(self, found):
        for violation in found:
            fix = violation.pending()
            if fix is None:
                self.violations.append(violation)
            else:
                self.tolerated[fix["why"]] += 1

    def _check_request(self, method, path, query, body):
        """Checked now, reported with the call's answer (``_check_answer``)."""
        self._flush_request()
        if self.check_contract:
            self._held = contract().check_request(method, path, query, body)

    def _flush_request(self, refused=False):
        """Report the held request's violations. When the answer is Mailchimp's
        refusal of an invalid request (400 Invalid Resource, api-notes section
        3), the test saw what Mailchimp does with missing or wrong values: only
        undefined keys (which Mailchimp may ignore silently) are reported."""
        held, self._held = self.__dict__.get("_held") or [], []
        self._report(v for v in held if not refused or v.message.startswith(UNDEFINED))

    def _check_answer(self, method, path, status, data):
        """The answer to the request being served."""
        refused = status == 400 and (data or {}).get("title") == "Invalid Resource"
        self._flush_request(refused)
        self._check_operation_answer(method, path, status, data)

    def _check_operation_answer(self, method, path, status, data):
        """An answer (also of an operation bundled in ``POST /batches``)."""
        if self.check_contract:
            self._report(contract().check_answer(method, path, status, data))

    def _check_batch_file(self, results):
        if self.check_contract:
            self._report(contract().check_batch_results(results))

    def _check_deliveries(self):
        checked = self.__dict__.get("_deliveries_checked", 0)
        if self.check_contract:
            for _url, _form, (raw, _headers) in self.deliveries[checked:]:
                self._report(contract().check_delivery(raw))
        self._deliveries_checked = len(self.deliveries)

    def assert_contract(self):
        """Raise an ``AssertionError`` listing the violations seen so far
        (each is reported once)."""
        self._flush_request()
        self._check_deliveries()
        found, self._violations = Counter(self.violations), []
        if found:
            lines = "\n".join(
                f"  {violation}" + (f" ({count} times)" if count > 1 else "")
                for violation, count in found.items()
            )
            raise AssertionError(
                "Mailchimp's published contract broken (tests/contract.py; "
                f"tests/contract_exceptions.py lists the known gaps):\n{lines}"
            )

    def stop(self, check=True):
        stopped = super().stop()
        if check:
            self.assert_contract()
        return stopped

    def __exit__(self, exc_type, *exc):
        # a test already failing keeps its own error
        self.stop(check=exc_type is None)
