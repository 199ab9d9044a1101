"""A small stateful Mailchimp Marketing API 3.0, faked at the HTTP level.

Installed with ``requests_mock`` under the real ``mailchimp-marketing`` SDK:
lists, merge fields, members, tags (static segments), webhooks, campaigns and
activity are kept in dicts, and errors come back with Mailchimp's real
problem+json bodies, so a test can push, change something "in Mailchimp" and
pull. Pure Python: used by the pure tests and by the Odoo tests.
"""

import base64
import hashlib
import hmac
import io
import json
import re
import tarfile
import time
import uuid
from collections import namedtuple
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, unquote, urlencode, urlparse

import requests
import requests_mock

API_RE = re.compile(
    r"^https://(?P<dc>[a-z0-9]+)\.api\.mailchimp\.com/3\.0(?P<path>/.*)?$"
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
US_PHONE_RE = re.compile(r"^\d{3}-\d{3}-\d{4}$")
PROBLEM = "application/problem+json; charset=utf-8"
ERROR_DOC = "https://mailchimp.com/developer/marketing/docs/errors/"

Call = namedtuple("Call", "method path query body")

# Mailchimp's own wording of its errors.
MSG_INVALID_KEY = (
    "Your API key may be invalid, or you've attempted to access the wrong "
    "datacenter."
)
MSG_NOT_VALIDATED = (
    "The resource submitted could not be validated. For field-specific details, "
    "see the 'errors' array."
)
MSG_FAKE = "{email} looks fake or invalid, please enter a real email address."
MSG_FORGOTTEN = (
    "{email} was permanently deleted and cannot be re-imported. The contact must "
    "re-subscribe to get back on the list."
)
MSG_EXISTS = (
    "{email} is already a list member. Use PUT to insert or update list members."
)
MSG_COMPLIANCE = (
    "{email} is in a compliance state due to unsubscribe, bounce, or compliance "
    "review and cannot be subscribed."
)
MSG_EMAIL_STATUS = (
    'This member\'s status is "{status}." You can only update email addresses '
    'for members with a status of "subscribed."'
)
MSG_CANNOT_ARCHIVE = (
    "This list member cannot be removed. Can not archive a contact that is "
    "bounced, pending or archived"
)


DATE_PATTERNS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD": "%m/%d",
    "DD/MM": "%d/%m",
}


def _matches_date_format(value, date_format):
    """Mailchimp checks a date against the field's own format."""
    if not date_format:
        return True
    try:
        datetime.strptime(str(value), DATE_PATTERNS[date_format.upper()])
    except (KeyError, ValueError):
        return False
    return True


BATCH_FILE_SIZE = 100  # results per JSON file of a batch archive


def md5(email):
    return hashlib.md5(email.strip().lower().encode()).hexdigest()


class Problem(Exception):
    def __init__(self, status, title, detail="", errors=None):
        super().__init__(title)
        self.status, self.title, self.detail, self.errors = (
            status,
            title,
            detail,
            errors,
        )


def not_found():
    return Problem(
        404, "Resource Not Found", "The requested resource could not be found."
    )


class FakeMailchimp:
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
        self.calls = []
        self.deliveries = []  # (url, form) webhook deliveries Mailchimp would send
        self.busy = 0.0
        self._failures = []
        self._manglers = []
        self.batches = {}
        self.batch_polls = 0  # status polls answered "started" before "finished"
        self._seq = 1000
        self._mocker = None

    # ------------------------------------------------------------ lifecycle
    def start(self):
        self._mocker = requests_mock.Mocker(real_http=True)
        self._mocker.start()
        self._mocker.add_matcher(self._handle)
        return self

    def stop(self):
        if self._mocker:
            self._mocker.stop()
            self._mocker = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

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

    def count(self, method=None, path=None):
        return sum(
            1
            for c in self.calls
            if (method is None or c.method == method)
            and (path is None or re.fullmatch(path, c.path))
        )

    def reset_calls(self):
        self.calls = []

    def fail(self, method, path, status=500, body=None, times=1, skip=0, headers=None):
        """The next ``times`` matching requests (after ``skip``) get ``status``
        (with ``headers``, e.g. ``Retry-After`` on a 429)."""
        if body is None and status >= 500:
            body = {
                "title": "Internal Server Error",
                "detail": "An unexpected error occurred.",
            }
        self._failures.append(
            {
                "method": method,
                "path": path,
                "status": status,
                "body": body,
                "times": times,
                "skip": skip,
                "headers": headers or {},
            }
        )

    def mangle(self, method, path, change, times=1, content_type=None):
        """The next ``times`` matching answers are passed through ``change``:
        it returns the data to send (any JSON value) or raw text (sent with
        ``content_type``, JSON by default): a 200 with a broken body, as
        Mailchimp's edge sometimes answers."""
        self._manglers.append(
            {
                "method": method,
                "path": path,
                "change": change,
                "times": times,
                "content_type": content_type or "application/json; charset=utf-8",
            }
        )

    def _mangled(self, request, method, path, status, data):
        for mangler in self._manglers:
            if (
                mangler["times"] <= 0
                or mangler["method"] != method
                or not re.fullmatch(mangler["path"], path)
            ):
                continue
            mangler["times"] -= 1
            out = mangler["change"](data)
            text = out if isinstance(out, str) else json.dumps(out)
            return requests_mock.create_response(
                request,
                status_code=status,
                text=text,
                headers={"Content-Type": mangler["content_type"]},
            )
        return None

    def fail_after(self, skip, method, path, status=500, times=1, body=None):
        self.fail(method, path, status=status, body=body, times=times, skip=skip)

    def timeout(self, method, path, times=1):
        self._failures.append(
            {
                "method": method,
                "path": path,
                "status": "timeout",
                "times": times,
                "skip": 0,
            }
        )

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
            form = {
                "type": event,
                "fired_at": self.now.strftime("%Y-%m-%d %H:%M:%S"),
                "data[id]": member["id"],
                "data[list_id]": list_id,
                "data[email]": member["email_address"],
            }
            for tag, value in member["merge_fields"].items():
                if isinstance(value, dict):
                    for key, part in value.items():
                        form[f"data[merges][{tag}][{key}]"] = part
                else:
                    form[f"data[merges][{tag}]"] = value
            self.deliveries.append((hook["url"], form, self._signed(hook, form)))

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

    def add_campaign(
        self,
        list_id,
        title,
        subject="",
        send_time=None,
        emails_sent=0,
        report=None,
        recipients=(),
    ):
        campaign_id = uuid.uuid4().hex[:10]
        self.campaigns[campaign_id] = {
            "id": campaign_id,
            "web_id": self._next(),
            "type": "regular",
            "status": "sent",
            "create_time": send_time or self._tick(),
            "send_time": send_time or self._tick(),
            "emails_sent": emails_sent,
            "recipients": {"list_id": list_id},
            "settings": {"title": title, "subject_line": subject},
            "archive_url": f"https://eepurl.com/{campaign_id}",
        }
        self.reports[campaign_id] = dict(
            {
                "id": campaign_id,
                "campaign_title": title,
                "subject_line": subject,
                "emails_sent": emails_sent,
                "unsubscribed": 0,
                "bounces": {"hard_bounces": 0, "soft_bounces": 0},
                "opens": {"opens_total": 0, "unique_opens": 0, "open_rate": 0},
                "clicks": {"clicks_total": 0, "unique_clicks": 0, "click_rate": 0},
            },
            **(report or {}),
        )
        self.email_activity[campaign_id] = {}
        self.sent_to[campaign_id] = list(recipients)
        return campaign_id

    def add_email_activity(self, campaign_id, email, action, timestamp, url=None):
        list_id = self.campaigns[campaign_id]["recipients"]["list_id"]
        entry = self.email_activity[campaign_id].setdefault(
            email.lower(),
            {
                "campaign_id": campaign_id,
                "list_id": list_id,
                "email_id": md5(email),
                "email_address": email,
                "activity": [],
            },
        )
        event = {"action": action, "timestamp": timestamp}
        if url:
            event["url"] = url
        entry["activity"].append(event)
        self.member_activity.setdefault((list_id, md5(email)), []).append(
            dict(
                event,
                campaign_id=campaign_id,
                title=self.campaigns[campaign_id]["settings"]["title"],
            )
        )

    # ------------------------------------------------------------ internals
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
                if not _matches_date_format(value, field["options"].get("date_format")):
                    errors.append((tag, "Please enter a valid date"))
        if new and not skip_validation:
            for tag, field in fields.items():
                if field["required"] and merge.get(tag) in (None, ""):
                    errors.append((tag, "Please enter a value"))
        return errors

    # ------------------------------------------------------------ dispatch
    def _handle(self, request):
        started = time.perf_counter()
        try:
            return self._handle_request(request)
        finally:
            # Mailchimp's own work, kept apart by the benchmark
            self.busy += time.perf_counter() - started

    def _handle_request(self, request):
        url = request.url
        if url.startswith("https://login.mailchimp.com/oauth2/"):
            return self._oauth(request)
        if url.startswith(self.BATCH_RESULTS_URL):
            return self._batch_archive(request)
        match = API_RE.match(url.split("?")[0])
        if not match:
            return None
        path = match.group("path") or "/"
        query = dict(parse_qsl(urlparse(url).query, keep_blank_values=True))
        body = None
        if request.body:
            raw = (
                request.body.decode()
                if isinstance(request.body, bytes)
                else request.body
            )
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        self.calls.append(Call(request.method, path, query, body))
        if match.group("dc") != self.dc:
            raise requests.exceptions.ConnectionError(
                f"Failed to resolve '{match.group('dc')}.api.mailchimp.com'"
            )
        failure = self._failure_for(request.method, path)
        if failure:
            if failure["status"] == "timeout":
                raise requests.exceptions.ConnectTimeout("Connection timed out")
            if failure["body"] is None:
                return requests_mock.create_response(
                    request,
                    status_code=failure["status"],
                    text="",
                    headers=failure.get("headers") or {},
                )
            response = self._problem(
                request,
                Problem(
                    failure["status"],
                    failure["body"].get("title", "Error"),
                    failure["body"].get("detail", ""),
                    failure["body"].get("errors"),
                ),
            )
            response.headers.update(failure.get("headers") or {})
            return response
        if not self._authorized(request):
            return self._problem(
                request,
                Problem(
                    401,
                    "API Key Invalid",
                    MSG_INVALID_KEY,
                ),
            )
        try:
            status, data = self._route(request.method, path, query, body)
        except Problem as problem:
            return self._problem(request, problem)
        mangled = self._mangled(request, request.method, path, status, data)
        if mangled is not None:
            return mangled
        if status == 204:
            return requests_mock.create_response(request, status_code=204, text="")
        return requests_mock.create_response(
            request,
            status_code=status,
            json=data,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    def _failure_for(self, method, path):
        for failure in self._failures:
            if (
                failure["times"] <= 0
                or failure["method"] != method
                or not re.fullmatch(failure["path"], path)
            ):
                continue
            if failure["skip"] > 0:
                failure["skip"] -= 1
                return None
            failure["times"] -= 1
            return failure
        return None

    def _authorized(self, request):
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            secret = base64.b64decode(header[6:]).decode().partition(":")[2]
        elif header.startswith("Bearer "):
            secret = header[7:]
        else:
            return False
        return secret == self.api_key or secret in self.oauth_tokens

    def _problem(self, request, problem):
        body = {
            "type": ERROR_DOC,
            "title": problem.title,
            "status": problem.status,
            "detail": problem.detail,
            "instance": str(uuid.uuid4()),
        }
        if problem.errors:
            body["errors"] = [
                e if isinstance(e, dict) else {"field": e[0], "message": e[1]}
                for e in problem.errors
            ]
        return requests_mock.create_response(
            request,
            status_code=problem.status,
            text=json.dumps(body),
            headers={"Content-Type": PROBLEM},
        )

    def _oauth(self, request):
        if request.path == "/oauth2/token":
            form = dict(parse_qsl(request.body or ""))
            token = self.oauth_codes.pop(form.get("code"), None)
            if not token:
                return requests_mock.create_response(
                    request, status_code=400, json={"error": "invalid_grant"}
                )
            self.oauth_tokens.add(token)
            return requests_mock.create_response(
                request, json={"access_token": token, "expires_in": 0, "scope": None}
            )
        token = request.headers.get("Authorization", "").split(" ", 1)[-1]
        if token not in self.oauth_tokens:
            return requests_mock.create_response(
                request, json={"error": "invalid_token"}
            )
        return requests_mock.create_response(
            request,
            json={
                "dc": self.dc,
                "api_endpoint": f"https://{self.dc}.api.mailchimp.com",
                "accountname": "Fake Co",
                "login": {"email": "owner@example.com"},
            },
        )

    ROUTES = [
        ("GET", r"/ping", "ping"),
        ("GET", r"/", "root"),
        ("GET", r"/lists", "get_lists"),
        ("POST", r"/lists", "create_list"),
        ("GET", r"/lists/(?P<lid>[^/]+)", "get_list"),
        ("POST", r"/lists/(?P<lid>[^/]+)", "batch_subscribe"),
        ("GET", r"/lists/(?P<lid>[^/]+)/merge-fields", "get_merge_fields"),
        ("POST", r"/lists/(?P<lid>[^/]+)/merge-fields", "add_merge_field_api"),
        ("GET", r"/lists/(?P<lid>[^/]+)/members", "get_members"),
        ("GET", r"/lists/(?P<lid>[^/]+)/members/(?P<ref>[^/]+)", "get_member"),
        ("PATCH", r"/lists/(?P<lid>[^/]+)/members/(?P<ref>[^/]+)", "patch_member"),
        ("PUT", r"/lists/(?P<lid>[^/]+)/members/(?P<ref>[^/]+)", "put_member"),
        ("DELETE", r"/lists/(?P<lid>[^/]+)/members/(?P<ref>[^/]+)", "archive_member"),
        ("POST", r"/lists/(?P<lid>[^/]+)/members/(?P<ref>[^/]+)/tags", "member_tags"),
        (
            "GET",
            r"/lists/(?P<lid>[^/]+)/members/(?P<ref>[^/]+)/activity-feed",
            "activity_feed",
        ),
        (
            "GET",
            r"/lists/(?P<lid>[^/]+)/members/(?P<ref>[^/]+)/activity",
            "activity_feed",
        ),
        (
            "POST",
            r"/lists/(?P<lid>[^/]+)/members/(?P<ref>[^/]+)/actions/delete-permanent",
            "delete_permanent",
        ),
        ("GET", r"/lists/(?P<lid>[^/]+)/segments", "get_segments"),
        ("POST", r"/lists/(?P<lid>[^/]+)/segments", "create_segment"),
        ("POST", r"/lists/(?P<lid>[^/]+)/segments/(?P<sid>\d+)", "batch_segment"),
        (
            "GET",
            r"/lists/(?P<lid>[^/]+)/segments/(?P<sid>\d+)/members",
            "segment_members",
        ),
        ("GET", r"/lists/(?P<lid>[^/]+)/webhooks", "get_webhooks"),
        ("POST", r"/lists/(?P<lid>[^/]+)/webhooks", "create_webhook"),
        ("PATCH", r"/lists/(?P<lid>[^/]+)/webhooks/(?P<wid>[^/]+)", "update_webhook"),
        ("DELETE", r"/lists/(?P<lid>[^/]+)/webhooks/(?P<wid>[^/]+)", "delete_webhook"),
        ("GET", r"/campaigns", "get_campaigns"),
        ("POST", r"/batches", "start_batch"),
        ("GET", r"/batches/(?P<bid>[^/]+)", "batch_status"),
        ("GET", r"/reports/(?P<cid>[^/]+)", "get_report"),
        ("GET", r"/reports/(?P<cid>[^/]+)/email-activity", "get_email_activity"),
        ("GET", r"/reports/(?P<cid>[^/]+)/sent-to", "get_sent_to"),
    ]

    def _route(self, method, path, query, body):
        for route_method, pattern, name in self.ROUTES:
            match = re.fullmatch(pattern, path)
            if route_method == method and match:
                return getattr(self, "_r_" + name)(query, body, **match.groupdict())
        raise not_found()

    @staticmethod
    def _page(items, query, default=10):
        count = min(int(query.get("count", default)), 1000)
        offset = int(query.get("offset", 0))
        return items[offset : offset + count]

    # ------------------------------------------------------------ routes
    def _r_ping(self, query, body):
        return 200, {"health_status": "Everything's Chimpy!"}

    def _r_root(self, query, body):
        return 200, {
            "account_id": "fake-account",
            "login_id": "42",
            "account_name": "Fake Co",
            "email": "owner@example.com",
            "username": "fakeco",
            "total_subscribers": sum(len(m) for m in self.members.values()),
        }

    def _r_get_lists(self, query, body):
        lists = list(self.lists.values())
        return 200, {"lists": self._page(lists, query), "total_items": len(lists)}

    def _r_create_list(self, query, body):
        body = body or {}
        errors = [
            (f, "This value should not be blank.")
            for f in ("name", "permission_reminder", "email_type_option")
            if body.get(f) in (None, "")
        ]
        contact = body.get("contact") or {}
        errors += [
            (f"contact.{f}", "This value should not be blank.")
            for f in ("company", "address1", "city", "country")
            if not contact.get(f)
        ]
        defaults = body.get("campaign_defaults") or {}
        errors += [
            (f"campaign_defaults.{f}", "This value should not be blank.")
            for f in ("from_name", "from_email", "language")
            if not defaults.get(f)
        ]
        if defaults.get("from_email") and not EMAIL_RE.match(defaults["from_email"]):
            errors.append(
                (
                    "campaign_defaults.from_email",
                    "This value is not a valid email address.",
                )
            )
        if errors:
            raise Problem(
                400,
                "Invalid Resource",
                MSG_NOT_VALIDATED,
                errors,
            )
        list_id = self.add_list(
            body["name"], double_optin=bool(body.get("double_optin"))
        )
        self.lists[list_id].update(
            contact=contact,
            campaign_defaults=defaults,
            permission_reminder=body["permission_reminder"],
        )
        return 200, self.lists[list_id]

    def _r_get_list(self, query, body, lid):
        data = dict(self._list(lid))
        members = self.members[lid].values()
        data["stats"] = {
            "member_count": sum(m["status"] == "subscribed" for m in members),
            "unsubscribe_count": sum(m["status"] == "unsubscribed" for m in members),
            "cleaned_count": sum(m["status"] == "cleaned" for m in members),
        }
        return 200, data

    def _r_get_merge_fields(self, query, body, lid):
        self._list(lid)
        fields = self.merge_fields[lid]
        return 200, {
            "merge_fields": self._page(fields, query),
            "list_id": lid,
            "total_items": len(fields),
        }

    def _r_add_merge_field_api(self, query, body, lid):
        self._list(lid)
        body = body or {}
        if not body.get("name") or not body.get("type"):
            raise Problem(
                400,
                "Invalid Resource",
                "The resource submitted could not be validated.",
                [("name", "This value should not be blank.")],
            )
        if len(self.merge_fields[lid]) >= 30:
            raise Problem(
                400, "Invalid Resource", "You cannot create more than 30 merge fields."
            )
        tag = body.get("tag") or f"MMERGE{len(self.merge_fields[lid]) + 1}"
        if any(f["tag"] == tag for f in self.merge_fields[lid]):
            raise Problem(
                400,
                "Invalid Resource",
                f'A Merge Field with the tag "{tag}" already exists for this list.',
            )
        options = body.get("options") or {}
        return 200, self.add_merge_field(
            lid,
            tag,
            body["type"],
            name=body["name"],
            required=bool(body.get("required")),
            choices=options.get("choices"),
            phone_format=options.get("phone_format"),
        )

    def _r_batch_subscribe(self, query, body, lid):
        self._list(lid)
        members = (body or {}).get("members") or []
        if len(members) > 500:
            raise Problem(400, "Invalid Resource", "Too many members: 500 at most.")
        update = bool(body.get("update_existing"))
        skip_validation = query.get("skip_merge_validation") == "true"
        result = {"new_members": [], "updated_members": [], "errors": []}
        for entry in members:
            email = entry.get("email_address") or ""
            status = entry.get("status")
            current = self.members[lid].get(md5(email)) if email else None

            def error(
                message, code="ERROR_GENERIC", field="", field_message="", email=email
            ):
                result["errors"].append(
                    {
                        "email_address": email,
                        "error": message,
                        "error_code": code,
                        "field": field,
                        "field_message": field_message,
                    }
                )

            if not EMAIL_RE.match(email):
                error(
                    MSG_FAKE.format(email=email),
                    field="email_address",
                    field_message="Invalid email",
                )
                continue
            if email.lower() in self.forgotten:
                error(MSG_FORGOTTEN.format(email=email))
                continue
            if current and not update:
                error(
                    MSG_EXISTS.format(email=email),
                    code="ERROR_CONTACT_EXISTS",
                )
                continue
            merge = entry.get("merge_fields") or {}
            problems = self._check_merge(lid, merge, current is None, skip_validation)
            if problems:
                error(
                    "Your merge fields were invalid.",
                    field=problems[0][0],
                    field_message=problems[0][1],
                )
                continue
            if current:
                if status == "subscribed" and (
                    current["status"] == "cleaned"
                    or (
                        current["status"] == "unsubscribed"
                        and current["_unsubscribed_by"] == "self"
                    )
                ):
                    error(MSG_COMPLIANCE.format(email=email))
                    continue
                current["merge_fields"].update(merge)
                if status:
                    current["status"] = status
                current["last_changed"] = self._tick()
                result["updated_members"].append(self._public(current))
                member = current
                self._fire(lid, "profile", member, "api")
            else:
                member = self._new_member(lid, email, status or "subscribed", merge)
                result["new_members"].append(self._public(member))
                self._fire(lid, "subscribe", member, "api")
            self._apply_permissions(member, entry.get("marketing_permissions"))
            for tag in entry.get("tags") or []:
                self._tag(lid, member, tag, True)
        result.update(
            total_created=len(result["new_members"]),
            total_updated=len(result["updated_members"]),
            error_count=len(result["errors"]),
        )
        return 200, result

    def _r_get_members(self, query, body, lid):
        self._list(lid)
        members = list(self.members[lid].values())
        if query.get("status"):
            members = [m for m in members if m["status"] == query["status"]]
        if query.get("since_last_changed"):
            since = datetime.fromisoformat(query["since_last_changed"])
            members = [
                m for m in members if datetime.fromisoformat(m["last_changed"]) >= since
            ]
        if query.get("before_last_changed"):
            before = datetime.fromisoformat(query["before_last_changed"])
            members = [
                m for m in members if datetime.fromisoformat(m["last_changed"]) < before
            ]
        if query.get("sort_field") == "last_changed":
            members.sort(
                key=lambda m: m["last_changed"], reverse=query.get("sort_dir") == "DESC"
            )
        result = {
            "members": [self._public(m) for m in self._page(members, query)],
            "list_id": lid,
            "total_items": len(members),
        }
        if query.get("fields"):
            # Mailchimp returns only the fields asked for (dot notation)
            wanted = query["fields"].split(",")
            keys = {f.split(".", 1)[1] for f in wanted if f.startswith("members.")}
            result = {k: v for k, v in result.items() if k in wanted or k == "members"}
            result["members"] = [
                {k: v for k, v in m.items() if k in keys} for m in result["members"]
            ]
        return 200, result

    def _r_get_member(self, query, body, lid, ref):
        return 200, self._public(self._find_member(lid, ref))

    def _r_patch_member(self, query, body, lid, ref):
        member = self._find_member(lid, ref)
        body = body or {}
        new_email = body.get("email_address")
        if new_email and new_email.lower() != member["email_address"].lower():
            if member["status"] != "subscribed":
                raise Problem(
                    400,
                    "Invalid Resource",
                    MSG_EMAIL_STATUS.format(status=member["status"]),
                )
            del self.members[lid][member["id"]]
            member.update(email_address=new_email, id=md5(new_email))
            self.members[lid][member["id"]] = member
        if (
            body.get("status") == "subscribed"
            and member["status"] in ("cleaned", "unsubscribed")
            and (member["status"] == "cleaned" or member["_unsubscribed_by"] == "self")
        ):
            raise Problem(
                400,
                "Member In Compliance State",
                MSG_COMPLIANCE.format(email=member["email_address"]),
            )
        if body.get("status"):
            member["status"] = body["status"]
        problems = self._check_merge(lid, body.get("merge_fields") or {}, False, False)
        if problems:
            raise Problem(
                400, "Invalid Resource", "Your merge fields were invalid.", problems
            )
        member["merge_fields"].update(body.get("merge_fields") or {})
        member["last_changed"] = self._tick()
        return 200, self._public(member)

    def _r_put_member(self, query, body, lid, ref):
        """Add or update: ``status_if_new`` is used only to create; an existing
        member's status changes only when ``status`` is sent."""
        self._list(lid)
        body = body or {}
        key = unquote(ref)
        key = md5(key) if "@" in key else key
        if key not in self.members[lid]:
            email = body.get("email_address") or ""
            if not EMAIL_RE.match(email) or md5(email) != key:
                raise Problem(400, "Invalid Resource", MSG_FAKE.format(email=email))
            if email.lower() in self.forgotten:
                raise Problem(
                    400,
                    "Forgotten Email Not Subscribed",
                    MSG_FORGOTTEN.format(email=email),
                )
            status = body.get("status") or body.get("status_if_new")
            if not status:
                raise Problem(
                    400,
                    "Invalid Resource",
                    MSG_NOT_VALIDATED,
                    [("status_if_new", "This value should not be blank.")],
                )
            skip = query.get("skip_merge_validation") == "true"
            problems = self._check_merge(
                lid, body.get("merge_fields") or {}, True, skip
            )
            if problems:
                raise Problem(
                    400, "Invalid Resource", "Your merge fields were invalid.", problems
                )
            member = self._new_member(lid, email, status, body.get("merge_fields"))
            self._apply_permissions(member, body.get("marketing_permissions"))
            return 200, self._public(member)
        body = {k: v for k, v in body.items() if k != "status_if_new"}
        code, member = self._r_patch_member(query, body, lid, ref)
        self._apply_permissions(
            self.members[lid][member["id"]], body.get("marketing_permissions")
        )
        return code, self._public(self.members[lid][member["id"]])

    # ------------------------------------------------------------ batches
    BATCH_RESULTS_URL = "https://mailchimp-api-batch.s3.amazonaws.com/"

    def _r_start_batch(self, query, body, lid=None):
        operations = (body or {}).get("operations")
        if not isinstance(operations, list) or not operations:
            raise Problem(400, "Invalid Resource", MSG_NOT_VALIDATED)
        batch_id = uuid.uuid4().hex[:10]
        results = [self._run_operation(op) for op in operations]
        self.batches[batch_id] = {
            "id": batch_id,
            "results": results,
            "polls_left": self.batch_polls,
            "submitted_at": self._tick(),
        }
        return 200, self._batch_json(batch_id, "pending")

    def _run_operation(self, op):
        path, params = op.get("path") or "", op.get("params") or {}
        try:
            body = json.loads(op["body"]) if op.get("body") else None
            status, data = self._route(op.get("method"), path, params, body)
        except Problem as problem:
            status = problem.status
            data = {"title": problem.title, "status": problem.status}
            data["detail"] = problem.detail
            if problem.errors:
                data["errors"] = [
                    e if isinstance(e, dict) else {"field": e[0], "message": e[1]}
                    for e in problem.errors
                ]
        return {
            "status_code": status,
            "operation_id": op.get("operation_id"),
            "response": "" if data is None else json.dumps(data),
        }

    def _batch_json(self, batch_id, status):
        batch = self.batches[batch_id]
        done = status == "finished"
        errored = sum(1 for r in batch["results"] if r["status_code"] >= 400)
        return {
            "id": batch_id,
            "status": status,
            "total_operations": len(batch["results"]),
            "finished_operations": len(batch["results"]) if done else 0,
            "errored_operations": errored if done else 0,
            "submitted_at": batch["submitted_at"],
            "completed_at": self._tick() if done else "",
            "response_body_url": f"{self.BATCH_RESULTS_URL}{batch_id}-response.tar.gz"
            if done
            else "",
        }

    def _r_batch_status(self, query, body, bid):
        batch = self.batches.get(bid)
        if batch is None:
            raise not_found()
        if batch["polls_left"] > 0:
            batch["polls_left"] -= 1
            return 200, self._batch_json(bid, "started")
        return 200, self._batch_json(bid, "finished")

    def _batch_archive(self, request):
        """The gzipped tar of JSON files Mailchimp serves for a batch."""
        batch_id = request.url.rsplit("/", 1)[-1].split("-response")[0]
        batch = self.batches.get(batch_id)
        if batch is None:
            return requests_mock.create_response(request, status_code=403, text="")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            results = batch["results"]
            for index in range(0, len(results), BATCH_FILE_SIZE):
                data = json.dumps(results[index : index + BATCH_FILE_SIZE]).encode()
                info = tarfile.TarInfo(f"{batch_id}/{index}.json")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return requests_mock.create_response(
            request, status_code=200, content=buffer.getvalue()
        )

    def _r_delete_permanent(self, query, body, lid, ref):
        member = self._find_member(lid, ref)
        del self.members[lid][member["id"]]
        self.forgotten.add(member["email_address"].lower())
        return 204, None

    def _r_archive_member(self, query, body, lid, ref):
        member = self._find_member(lid, ref)
        if member["status"] in ("cleaned", "pending", "archived"):
            raise Problem(
                405,
                "Method Not Allowed",
                MSG_CANNOT_ARCHIVE,
            )
        member["status"] = "archived"
        member["last_changed"] = self._tick()
        return 204, None

    def _r_member_tags(self, query, body, lid, ref):
        member = self._find_member(lid, ref)
        tags = (body or {}).get("tags")
        if isinstance(tags, list):
            for tag in tags:
                if isinstance(tag, dict) and tag.get("name"):
                    self._tag(lid, member, tag["name"], tag.get("status") == "active")
        return 204, None

    def _r_activity_feed(self, query, body, lid, ref):
        member = self._find_member(lid, ref)
        activity = self.member_activity.get((lid, member["id"]), [])
        return 200, {
            "email_id": member["id"],
            "list_id": lid,
            "activity": self._page(activity, query, 50),
            "total_items": len(activity),
        }

    def _segment_json(self, lid, segment):
        return {
            "id": segment["id"],
            "name": segment["name"],
            "type": "static",
            "member_count": len(segment["member_hashes"]),
            "list_id": lid,
        }

    def _r_get_segments(self, query, body, lid):
        self._list(lid)
        segments = [self._segment_json(lid, s) for s in self.segments[lid].values()]
        return 200, {
            "segments": self._page(segments, query),
            "list_id": lid,
            "total_items": len(segments),
        }

    def _r_create_segment(self, query, body, lid):
        self._list(lid)
        name = (body or {}).get("name")
        if not name:
            raise Problem(
                400,
                "Invalid Resource",
                "The resource submitted could not be validated.",
                [("name", "This value should not be blank.")],
            )
        segment = {
            "id": self._next(),
            "name": name,
            "type": "static",
            "member_hashes": set(),
        }
        self.segments[lid][segment["id"]] = segment
        for email in body.get("static_segment") or []:
            member = self.members[lid].get(md5(email))
            if member:
                self._tag(lid, member, name, True)
        return 200, self._segment_json(lid, segment)

    def _r_batch_segment(self, query, body, lid, sid):
        self._list(lid)
        segment = self.segments[lid].get(int(sid))
        if not segment:
            raise not_found()
        add = (body or {}).get("members_to_add") or []
        remove = (body or {}).get("members_to_remove") or []
        if len(add) > 500 or len(remove) > 500:
            raise Problem(400, "Invalid Resource", "Too many members: 500 at most.")
        result = {"members_added": [], "members_removed": [], "errors": []}
        unknown = []
        for emails, active, key in (
            (add, True, "members_added"),
            (remove, False, "members_removed"),
        ):
            for email in emails:
                member = self.members[lid].get(md5(email))
                if not member:
                    unknown.append(email)
                    continue
                self._tag(lid, member, segment["name"], active)
                result[key].append(self._public(member))
        if unknown:
            result["errors"].append(
                {
                    "email_addresses": unknown,
                    "error": "Email addresses do not belong to list",
                }
            )
        result.update(
            total_added=len(result["members_added"]),
            total_removed=len(result["members_removed"]),
            error_count=len(unknown),
        )
        return 200, result

    def _r_segment_members(self, query, body, lid, sid):
        segment = self.segments[lid].get(int(sid))
        if not segment:
            raise not_found()
        members = [
            self._public(self.members[lid][h])
            for h in sorted(segment["member_hashes"])
            if h in self.members[lid]
        ]
        return 200, {"members": self._page(members, query), "total_items": len(members)}

    def _r_get_webhooks(self, query, body, lid):
        self._list(lid)
        hooks = [self._hook_json(h) for h in self.webhooks[lid].values()]
        return 200, {"webhooks": hooks, "list_id": lid, "total_items": len(hooks)}

    def _r_create_webhook(self, query, body, lid):
        """The signing secret comes back once, in this answer only."""
        self._list(lid)
        hook = dict(
            body or {}, id=uuid.uuid4().hex[:10], list_id=lid, signing_enabled=True
        )
        hook["_secret"] = uuid.uuid4().hex
        self.webhooks[lid][hook["id"]] = hook
        return 200, dict(self._hook_json(hook), signing_secret=hook["_secret"])

    @staticmethod
    def _hook_json(hook):
        return {k: v for k, v in hook.items() if not k.startswith("_")}

    def add_unsigned_webhook(self, list_id, url):
        """A webhook created before Mailchimp signed deliveries."""
        hook = {"id": uuid.uuid4().hex[:10], "url": url, "list_id": list_id}
        hook.update(signing_enabled=False, events={}, sources={})
        self.webhooks[list_id][hook["id"]] = hook
        return hook["id"]

    def _r_update_webhook(self, query, body, lid, wid):
        hook = self.webhooks.get(lid, {}).get(wid)
        if not hook:
            raise not_found()
        hook.update(body or {})
        return 200, self._hook_json(hook)

    def _r_delete_webhook(self, query, body, lid, wid):
        if not self.webhooks.get(lid, {}).pop(wid, None):
            raise not_found()
        return 204, None

    def _r_get_campaigns(self, query, body):
        campaigns = list(self.campaigns.values())
        if query.get("list_id"):
            campaigns = [
                c for c in campaigns if c["recipients"]["list_id"] == query["list_id"]
            ]
        if query.get("status"):
            campaigns = [c for c in campaigns if c["status"] == query["status"]]
        if query.get("since_send_time"):
            since = query["since_send_time"]
            campaigns = [c for c in campaigns if c["send_time"] >= since]
        campaigns.sort(key=lambda c: c["send_time"])
        return 200, {
            "campaigns": self._page(campaigns, query),
            "total_items": len(campaigns),
        }

    def _r_get_report(self, query, body, cid):
        if cid not in self.reports:
            raise not_found()
        return 200, self.reports[cid]

    def _r_get_email_activity(self, query, body, cid):
        if cid not in self.email_activity:
            raise not_found()
        since = query.get("since")
        emails = []
        for entry in self.email_activity[cid].values():
            activity = [
                a for a in entry["activity"] if not since or a["timestamp"] >= since
            ]
            if activity:
                emails.append(dict(entry, activity=activity))
        return 200, {
            "emails": self._page(emails, query),
            "campaign_id": cid,
            "total_items": len(emails),
        }

    def _r_get_sent_to(self, query, body, cid):
        if cid not in self.sent_to:
            raise not_found()
        list_id = self.campaigns[cid]["recipients"]["list_id"]
        rows = [
            {
                "email_id": md5(e),
                "email_address": e,
                "status": "sent",
                "list_id": list_id,
                "campaign_id": cid,
            }
            for e in self.sent_to[cid]
        ]
        return 200, {
            "sent_to": self._page(rows, query),
            "campaign_id": cid,
            "total_items": len(rows),
        }
