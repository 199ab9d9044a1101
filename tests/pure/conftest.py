"""Pure-Python tier: the service layer and the fake, without Odoo.

``services`` (the repository's service package) and ``fake_mailchimp`` are
imported as top-level modules: the addon's own package needs Odoo.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for path in (ROOT, os.path.join(ROOT, "tests")):
    if path not in sys.path:
        sys.path.insert(0, path)

from fake_mailchimp import FakeMailchimp  # noqa: E402

API_KEY = "0123456789abcdef0123456789abcdef-us6"


@pytest.fixture
def fake():
    with FakeMailchimp(api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(fake, sleeps):
    from services import MailchimpClient

    return MailchimpClient(api_key=API_KEY, sleep=sleeps.append)
