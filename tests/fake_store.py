"""The fake Mailchimp's state: lists, merge fields, members, tags, campaigns,
activity, and the helpers tests use to change them "in Mailchimp"."""

import hashlib
import hmac
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urlencode

try:  # a module of the tests package, or a top-level one (pure tier)
    from .fake_common import (
        US_PHONE_RE,
        _matches_date_format,
        md5,
        not_found,
    )
except ImportError:
    from fake_common import (  # noqa: I001
        US_PHONE_RE,
        _matches_date_format,
        md5,
        not_found,
    )


class FakeStore:
    """State kept in dicts, and the changes a test makes in Mailchimp."""

    def __init__(self, api_key="0123456789abcdef0123456789abcdef-us6", dc="us6"):
        self.api_key = api_key
        self.dc = dc
        self.clock_offset = timedelta(seconds=-1)
        self.lists, self.merge_fields, self.members = {}, {}, {}
        self.segments, self.webhooks = {}, {}
        self.campaigns, self.reports, self.email_activity = {}, {}, {}
        self.member_activity = {}
        self.sent_to = {}
        self.forgotten = set()
        self.oauth_codes, self.oauth_tokens = {}, set()
        self.token_requests = []  # the code of each token exchange asked
        self.calls = []
        self.deliveries = []  # (url, form) webhook deliveries Mailchimp would send
        self.busy = 0.0
        self.lock = threading.RLock()  # calls on several connections at once
        self._failures = []
        self._manglers = []
        self.batches = {}
        self.batch_polls = 0  # status polls answered "started" before "finished"
        self._seq = 1000
        self._mocker = None

    # ------------------------------------------------------------ test helpers
    def _next(self):
        self._seq += 1
        return self._seq

    @property
    def now(self):
        """Mailchimp's clock: the real time shifted by ``clock_offset`` (1 s
        behind by default, so a change made just before a sync is inside the
        sync's window)."""
        return datetime.now(timezone.utc) + self.clock_offset

    def advance(self, seconds):
        self.clock_offset += timedelta(seconds=seconds)

    def _tick(self):
        return self.now.strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def add_list(
        self,
        name="Newsletter",
        list_id=None,
        double_optin=False,
        merge_fields=None,
        marketing_permissions=None,
    ):
        list_id = list_id or uuid.uuid4().hex[:10]
        self.lists[list_id] = {
            "id": list_id,
            "web_id": self._next(),
            "name": name,
            "double_optin": double_optin,
            "marketing_permissions": bool(marketing_permissions),
            "stats": {"member_count": 0, "unsubscribe_count": 0, "cleaned_count": 0},
            "date_created": self._tick(),
        }
        self.merge_fields[list_id] = []
        self.members[list_id] = {}
        self.segments[list_id] = {}
        self.webhooks[list_id] = {}
        self.permissions = getattr(self, "permissions", {})
        self.permissions[list_id] = list(marketing_permissions or [])
        for field in (
            merge_fields
            if merge_fields is not None
            else [
                ("FNAME", "text", "First Name"),
                ("LNAME", "text", "Last Name"),
                ("ADDRESS", "address", "Address"),
                ("PHONE", "phone", "Phone Number"),
            ]
        ):
            self.add_merge_field(list_id, field[0], field[1], name=field[2])
        return list_id

    def add_merge_field(
        self,
        list_id,
        tag,
        type,
        name=None,
        required=False,
        choices=None,
        phone_format=None,
        date_format=None,
    ):
        options = {}
        if date_format:
            options["date_format"] = date_format
        if choices is not None:
            options["choices"] = list(choices)
        if type == "phone":
            options["phone_format"] = phone_format or "none"
        field = {
            "merge_id": len(self.merge_fields[list_id]) + 1,
            "tag": tag,
            "name": name or tag.title(),
            "type": type,
            "required": required,
            "default_value": "",
            "public": True,
            "display_order": len(self.merge_fields[list_id]) + 2,
            "options": options,
            "list_id": list_id,
        }
        self.merge_fields[list_id].append(field)
        return field

    def add_member(
        self,
        list_id,
        email,
        status="subscribed",
        merge_fields=None,
        tags=(),
        unsubscribed_by="self",
    ):
        member = self._new_member(list_id, email, status, merge_fields or {})
        member["_unsubscribed_by"] = unsubscribed_by
        for tag in tags:
            self._tag(list_id, member, tag, True)
        return member

    def member(self, list_id, email):
        return self.members[list_id].get(md5(email))

    def set_status(self, list_id, email, status):
        """A change made in Mailchimp's web app (webhook source ``admin``)."""
        member = self.member(list_id, email)
        member["status"] = status
        member["last_changed"] = self._tick()
        event = {"unsubscribed": "unsubscribe", "cleaned": "cleaned"}.get(
            status, "subscribe"
        )
        self._fire(list_id, event, member, "admin")

    def set_merge(self, list_id, email, **values):
        """A profile edit made in Mailchimp's web app (source ``admin``)."""
        member = self.member(list_id, email)
        member["merge_fields"].update(values)
        member["last_changed"] = self._tick()
        self._fire(list_id, "profile", member, "admin")

    def _fire(self, list_id, event, member, source):
        """Queue the webhook deliveries Mailchimp would send for a change:
        only to hooks subscribed to the event and to the change's source."""
        for hook in self.webhooks.get(list_id, {}).values():
            if not (hook.get("events") or {}).get(event):
                continue
            if not (hook.get("sources") or {}).get(source):
                continue
            # the documented delivery: data[id] is the member's unique_email_id,
            # not its subscriber hash (tests/data/webhook_deliveries.json)
            form = {
                "type": event,
                "fired_at": self.now.strftime("%Y-%m-%d %H:%M:%S"),
                "data[id]": member["unique_email_id"],
                "data[list_id]": list_id,
                "data[email]": member["email_address"],
                "data[email_type]": member.get("email_type", "html"),
            }
            for tag, value in member["merge_fields"].items():
                if isinstance(value, dict):
                    for key, part in value.items():
                        form[f"data[merges][{tag}][{key}]"] = part
                else:
                    form[f"data[merges][{tag}]"] = value
            if event == "cleaned":
                form = self._cleaned_form(form)
            self.deliveries.append((hook["url"], form, self._signed(hook, form)))

    @staticmethod
    def _cleaned_form(form):
        """A ``cleaned`` delivery names the address, not the member: no id, no
        merges, a reason (api-notes section 11, the legacy webhook docs'
        sample; the fake's cleaned members are hard bounces)."""
        kept = ("type", "fired_at", "data[list_id]", "data[email]")
        return dict({k: form[k] for k in kept}, **{"data[reason]": "hard"})

    def _signed(self, hook, form):
        """``(body, headers)`` as Mailchimp posts it, signed when the hook is."""
        body = urlencode(form).encode()
        if not hook.get("_secret"):
            return body, {}
        stamp = str(int(time.time()))
        signature = hmac.new(
            hook["_secret"].encode(), stamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return body, {"X-Mailchimp-Signature": f"t={stamp},v1={signature}"}

    def delete_member(self, list_id, email, permanent=False):
        if permanent:
            del self.members[list_id][md5(email)]
            self.forgotten.add(email.lower())
        else:
            self.set_status(list_id, email, "archived")

    def tag_names(self, list_id, email):
        member = self.member(list_id, email)
        return sorted(t["name"] for t in member["tags"]) if member else []

    def _new_member(self, list_id, email, status, merge_fields):
        member = {
            "id": md5(email),
            "email_address": email,
            "unique_email_id": uuid.uuid4().hex[:10],
            "contact_id": uuid.uuid4().hex,
            "web_id": self._next(),
            "status": status,
            "merge_fields": dict(merge_fields),
            "member_rating": 2,
            "stats": {"avg_open_rate": 0, "avg_click_rate": 0},
            "timestamp_opt": self._tick(),
            "timestamp_signup": "",
            "source": "API - Generic",
            "tags": [],
            "tags_count": 0,
            "marketing_permissions": [
                {
                    "marketing_permission_id": perm["marketing_permission_id"],
                    "text": perm["text"],
                    "enabled": False,
                }
                for perm in self.permissions.get(list_id, [])
            ],
            "list_id": list_id,
            "last_changed": self._tick(),
            "_unsubscribed_by": None,
            "interests": {
                interest_id: False
                for category in self._categories(list_id).values()
                for interest_id in category["interests"]
            },
        }
        self.members[list_id][member["id"]] = member
        return member

    @staticmethod
    def _apply_permissions(member, permissions):
        for change in permissions or []:
            for perm in member["marketing_permissions"]:
                if perm["marketing_permission_id"] == change.get(
                    "marketing_permission_id"
                ):
                    perm["enabled"] = bool(change.get("enabled"))

    def set_permission(self, list_id, email, permission_id, enabled):
        """A change made in Mailchimp (the member's preference centre)."""
        member = self.member(list_id, email)
        self._apply_permissions(
            member, [{"marketing_permission_id": permission_id, "enabled": enabled}]
        )
        member["last_changed"] = self._tick()

    @staticmethod
    def _public(member):
        return {k: v for k, v in member.items() if not k.startswith("_")}

    def _tag(self, list_id, member, name, active):
        segment = next(
            (s for s in self.segments[list_id].values() if s["name"] == name), None
        )
        if segment is None:
            if not active:
                return
            segment = {
                "id": self._next(),
                "name": name,
                "type": "static",
                "member_hashes": set(),
            }
            self.segments[list_id][segment["id"]] = segment
        if active:
            segment["member_hashes"].add(member["id"])
        else:
            segment["member_hashes"].discard(member["id"])
        member["tags"] = [
            {"id": s["id"], "name": s["name"]}
            for s in self.segments[list_id].values()
            if member["id"] in s["member_hashes"]
        ]
        member["tags_count"] = len(member["tags"])

    def _list(self, list_id):
        if list_id not in self.lists:
            raise not_found()
        return self.lists[list_id]

    def _find_member(self, list_id, ref):
        self._list(list_id)
        ref = unquote(ref)
        key = md5(ref) if "@" in ref else ref
        member = self.members[list_id].get(key)
        if member is None:
            raise not_found()
        return member

    def _check_merge(self, list_id, merge, new, skip_validation):
        fields = {f["tag"]: f for f in self.merge_fields[list_id]}
        errors = []
        for tag, value in merge.items():
            field = fields.get(tag)
            if field is None:
                errors.append((tag, f"Merge field {tag} does not exist"))
            elif field["type"] in ("radio", "dropdown") and value not in field[
                "options"
            ].get("choices", []):
                errors.append((tag, "Please choose one of the choices"))
            elif (
                field["type"] == "phone"
                and field["options"].get("phone_format") == "US"
                and value
                and not US_PHONE_RE.match(str(value))
            ):
                errors.append((tag, "Please enter a valid US phone number"))
            elif (
                field["type"] == "address"
                and value
                and (
                    not isinstance(value, dict)
                    or not all(value.get(k) for k in ("addr1", "city", "state", "zip"))
                )
            ):
                errors.append((tag, "Please enter a complete address"))
            elif (
                field["type"] == "number"
                and value != ""
                and not isinstance(value, int | float)
            ):
                errors.append((tag, "Please enter a number"))
            elif field["type"] in ("date", "birthday") and value:
                if not _matches_date_format(value, field["type"]):
                    errors.append((tag, "Please enter a valid date"))
        if new and not skip_validation:
            for tag, field in fields.items():
                if field["required"] and merge.get(tag) in (None, ""):
                    errors.append((tag, "Please enter a value"))
        return errors
