"""The set-up of the webhook tests: the audience's webhook URL, one contact
synced (unless a class says ``synced_contact = False``), and deliveries posted
to the URL as Mailchimp posts them (a form,
``application/x-www-form-urlencoded``) through Odoo's HTTP test client."""

from urllib.parse import urlencode

from odoo.tests import HttpCase

from .clock import fired_at
from .common import MailchimpCase

CONTROLLER_LOG = "odoo.addons.mailchimp_sync.controllers.main"


class WebhookCase(MailchimpCase, HttpCase):
    conflict_policy = None  # the audience's conflict policy, when a class sets one
    synced_contact = True  # one contact synced before each test (``self.partner``)

    def setUp(self):
        super().setUp()
        if self.conflict_policy:
            self.audience.conflict_policy = self.conflict_policy
        # Mailchimp can reach Odoo there (a local address is refused)
        self.env["ir.config_parameter"].set_param(
            "web.base.url", "https://odoo.example.com"
        )
        self.path = (
            f"/mailchimp/webhook/{self.audience.id}/{self.audience.webhook_secret}"
        )
        if self.synced_contact:
            self.partner = self.make_partners(1)
            self.sync()

    def post(self, fields, path=None, raw=None, headers=None):
        """Post the form ``fields`` (or the bytes ``raw``) to the webhook."""
        body = raw if raw is not None else urlencode(fields).encode()
        return self.url_open(
            path or self.path,
            data=body,
            headers=dict(
                {"Content-Type": "application/x-www-form-urlencoded"}, **(headers or {})
            ),
        )

    def event(self, etype, fired=None, **data):
        """The form of a delivery of type ``etype``: ``data`` becomes its
        ``data[...]`` fields (a dict value, ``data[key][sub]`` ones)."""
        fields = {"type": etype, "fired_at": fired or fired_at()}
        data.setdefault("list_id", self.list_id)
        for key, value in data.items():
            if isinstance(value, dict):
                for sub, subvalue in value.items():
                    fields[f"data[{key}][{sub}]"] = subvalue
            else:
                fields[f"data[{key}]"] = value
        return fields

    def send(self, etype, fired=None, **data):
        """Post a delivery of type ``etype`` (see ``event``)."""
        return self.post(self.event(etype, fired, **data))
