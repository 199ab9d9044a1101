"""A small stateful Mailchimp Marketing API 3.0, faked at the HTTP level.

Installed with ``requests_mock`` under the real ``mailchimp-marketing`` SDK:
lists, merge fields, members, tags (static segments), webhooks, campaigns and
activity are kept in dicts, and errors come back with Mailchimp's real
problem+json bodies, so a test can push, change something "in Mailchimp" and
pull. Pure Python: used by the pure tests and by the Odoo tests.
"""

try:  # a module of the tests package, or a top-level one (pure tier)
    from .fake_common import md5
    from .fake_contract import FakeContract
    from .fake_oauth import FakeOAuth
    from .fake_routes import FakeRoutes
    from .fake_routes_groups import FakeGroupRoutes
    from .fake_routes_lists import FakeListRoutes
    from .fake_routes_more import FakeMoreRoutes
    from .fake_routes_segments import FakeSegmentRoutes
    from .fake_store import FakeStore
    from .fake_transport import FakeTransport
except ImportError:
    from fake_common import md5  # noqa: I001
    from fake_contract import FakeContract
    from fake_oauth import FakeOAuth
    from fake_routes import FakeRoutes
    from fake_routes_groups import FakeGroupRoutes
    from fake_routes_lists import FakeListRoutes
    from fake_routes_more import FakeMoreRoutes
    from fake_routes_segments import FakeSegmentRoutes
    from fake_store import FakeStore
    from fake_transport import FakeTransport

__all__ = ["FakeMailchimp", "md5"]


class FakeMailchimp(
    FakeContract,
    FakeTransport,
    FakeOAuth,
    FakeSegmentRoutes,
    FakeRoutes,
    FakeListRoutes,
    FakeMoreRoutes,
    FakeGroupRoutes,
    FakeStore,
):
    """A stateful Mailchimp: the store, its API routes, OAuth and the
    transport that installs it under the SDK (``start``/``stop`` or ``with``);
    every call is checked against Mailchimp's published contract, and
    ``stop`` fails on a violation (``FakeContract``)."""

    ROUTES = FakeRoutes.ROUTES + FakeGroupRoutes.GROUP_ROUTES
