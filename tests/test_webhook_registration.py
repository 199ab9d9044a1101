"""A webhook is registered only when Mailchimp can reach Odoo."""

import logging

from odoo.exceptions import UserError

from .common import MailchimpCase

_logger = logging.getLogger("odoo.addons.mailchimp_sync.tests")
PUBLIC_BASE_URL = "https://odoo.example.com"
UNREACHABLE = [
    ("http://localhost:8069", "this machine"),
    ("http://odoo.localhost", "this machine"),
    ("http://127.0.0.1:8069", "this machine"),
    ("http://0.0.0.0:8069", "this machine"),
    ("http://[::1]:8069", "this machine"),
    ("http://10.1.2.3", "a private network address"),
    ("https://172.16.0.4", "a private network address"),
    ("http://192.168.1.20:8069", "a private network address"),
    ("http://[fd00::1]", "a private network address"),
    ("http://169.254.10.1", "a link-local address"),
    ("http://odoo:8069", "a name without a domain"),
]


class TestWebhookRegistration(MailchimpCase):
    def set_base_url(self, url):
        self.env["ir.config_parameter"].set_param("web.base.url", url)
        self.audience.invalidate_recordset(["webhook_url"])

    def test_item11_unreachable_web_base_url_is_refused(self):
        secret = self.audience.webhook_secret
        for base_url, reason in UNREACHABLE:
            with self.subTest(base_url=base_url):
                self.set_base_url(base_url)
                with (
                    self.assertNoLogs("odoo.addons.mailchimp_sync", "DEBUG"),
                    self.assertRaises(UserError) as error,
                ):
                    self.audience.action_webhook_register()
                message = str(error.exception)
                self.assertIn(f"Mailchimp cannot reach Odoo at {base_url} ", message)
                self.assertIn(reason, message)
                self.assertIn("web.base.url", message)
                self.assertNotIn(secret, message, "nor logged: nothing is")
        self.assertFalse(self.fake.calls, "nothing is sent to Mailchimp")
        self.assertFalse(self.audience.webhook_id)

    def test_item11_public_web_base_url_is_registered(self):
        self.set_base_url(PUBLIC_BASE_URL)
        self.audience.action_webhook_register()
        self.assertTrue(self.audience.webhook_id)
        (hook,) = self.fake.webhooks[self.list_id].values()
        self.assertTrue(hook["url"].startswith(f"{PUBLIC_BASE_URL}/mailchimp/webhook/"))

    def test_a_refusal_that_echoes_the_url_shows_no_secret(self):
        """Mailchimp's refusal may quote the URL sent: its secret path is
        hidden from the user and from the log, like the API key."""
        self.set_base_url(PUBLIC_BASE_URL)
        secret = self.audience.webhook_secret
        url = self.audience.webhook_url
        self.fake.fail(
            "POST",
            rf"/lists/{self.list_id}/webhooks",
            status=400,
            body={
                "title": "Invalid Resource",
                "detail": f"The URL {url} did not return a 200.",
                "errors": [{"field": "url", "message": f"{url} is unreachable"}],
            },
        )
        with (
            self.assertLogs("odoo.addons.mailchimp_sync", "DEBUG") as logs,
            self.assertRaises(UserError) as error,
        ):
            _logger.debug("registering the webhook")  # assertLogs needs one line
            self.audience.action_webhook_register()
        message = str(error.exception)
        self.assertIn("Mailchimp refused the webhook", message)
        self.assertIn(f"{PUBLIC_BASE_URL}/mailchimp/webhook/", message)
        self.assertIn("did not return a 200", message)
        self.assertNotIn(secret, message)
        self.assertNotIn(secret, "\n".join(logs.output))
        self.assertFalse(self.audience.webhook_id)
