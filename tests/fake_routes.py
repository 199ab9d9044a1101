"""The fake Mailchimp API routes: account, lists, merge fields, members."""

import re
from datetime import datetime
from urllib.parse import unquote

try:  # a module of the tests package, or a top-level one (pure tier)
    from .fake_common import (
        EMAIL_RE,
        MSG_COMPLIANCE,
        MSG_EMAIL_STATUS,
        MSG_EXISTS,
        MSG_FAKE,
        MSG_FORGOTTEN,
        MSG_NOT_VALIDATED,
        Problem,
        md5,
        not_found,
    )
except ImportError:
    from fake_common import (  # noqa: I001
        EMAIL_RE,
        MSG_COMPLIANCE,
        MSG_EMAIL_STATUS,
        MSG_EXISTS,
        MSG_FAKE,
        MSG_FORGOTTEN,
        MSG_NOT_VALIDATED,
        Problem,
        md5,
        not_found,
    )


# keys of a member kept in a batch subscribe answer beyond spec ListMembers5:
# none (web_id is not one of them; the member's link comes with its next read)
KEEP = ()


class FakeRoutes:
    """Marketing API 3.0 routes, Mailchimp's documented behaviour."""

    MAX_BATCH_MEMBERS = 500  # members per batch subscribe call, at most
    # A member in a batch subscribe answer (new_members, updated_members) has
    # fewer keys than a member read (spec schema ListMembers5 of
    # BatchUpdateListMembers: no web_id, source, marketing_permissions, ...).
    BATCH_MEMBER_KEYS = frozenset(
        (
            "id email_address unique_email_id contact_id email_type status "
            "merge_fields interests stats ip_signup timestamp_signup ip_opt "
            "timestamp_opt member_rating last_changed language vip email_client "
            "location last_note tags_count tags list_id"
        ).split()
    )

    ROUTES = [
        ("GET", r"/ping", "ping"),
        ("GET", r"/", "root"),
        ("GET", r"/lists", "get_lists"),
        ("POST", r"/lists", "create_list"),
        ("GET", r"/lists/(?P<lid>[^/]+)", "get_list"),
        ("POST", r"/lists/(?P<lid>[^/]+)", "batch_subscribe"),
        ("DELETE", r"/lists/(?P<lid>[^/]+)", "delete_list"),
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
        ("GET", r"/lists/(?P<lid>[^/]+)/webhooks/(?P<wid>[^/]+)", "get_webhook"),
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
    def _r_batch_subscribe(self, query, body, lid):
        self._list(lid)
        members = (body or {}).get("members") or []
        if len(members) > self.MAX_BATCH_MEMBERS:
            raise Problem(400, "Invalid Resource", "Too many members: 500 at most.")
        update = bool(body.get("update_existing"))
        skip_validation = query.get("skip_merge_validation") == "true"
        result = {"new_members": [], "updated_members": [], "errors": []}
        for entry in members:
            self._batch_subscribe_one(lid, entry, update, skip_validation, result)
        result.update(
            total_created=len(result["new_members"]),
            total_updated=len(result["updated_members"]),
            error_count=len(result["errors"]),
        )
        return 200, result

    def _batch_subscribe_one(self, lid, entry, update, skip_validation, result):
        """One member of a batch subscribe: refused (in ``errors``), updated
        or created."""
        email = entry.get("email_address") or ""
        status = entry.get("status")
        current = self.members[lid].get(md5(email)) if email else None
        refusal = self._batch_refusal(lid, entry, current, update, skip_validation)
        if refusal:
            result["errors"].append(refusal)
            return
        merge = entry.get("merge_fields") or {}
        if current:
            current["merge_fields"].update(merge)
            if status:
                current["status"] = status
            current["last_changed"] = self._tick()
            result["updated_members"].append(self._batch_member(current, KEEP))
            member = current
            self._fire(lid, "profile", member, "api")
        else:
            member = self._new_member(lid, email, status or "subscribed", merge)
            result["new_members"].append(self._batch_member(member, KEEP))
            self._fire(lid, "subscribe", member, "api")
        # no marketing_permissions here: batch subscribe's member schema
        # (spec AddListMembers) has none; only member PUT/POST/PATCH take them
        self._apply_interests(lid, member, entry.get("interests"))
        for tag in entry.get("tags") or []:
            self._tag(lid, member, tag, True)

    def _batch_member(self, member, keep=()):
        """A member as a batch answer lists it (``keep``: more keys)."""
        return {
            k: v
            for k, v in self._public(member).items()
            if k in self.BATCH_MEMBER_KEYS or k in keep
        }

    @staticmethod
    def _batch_error(email, message, code="ERROR_GENERIC", field="", field_message=""):
        return {
            "email_address": email,
            "error": message,
            "error_code": code,
            "field": field,
            "field_message": field_message,
        }

    def _batch_refusal(self, lid, entry, current, update, skip_validation):
        """The error of a batch subscribe's member Mailchimp refuses, else None."""
        email = entry.get("email_address") or ""
        if not EMAIL_RE.match(email):
            return self._batch_error(
                email,
                MSG_FAKE.format(email=email),
                field="email_address",
                field_message="Invalid email",
            )
        if email.lower() in self.forgotten:
            return self._batch_error(email, MSG_FORGOTTEN.format(email=email))
        if current and not update:
            return self._batch_error(
                email,
                MSG_EXISTS.format(email=email),
                code="ERROR_CONTACT_EXISTS",
            )
        merge = entry.get("merge_fields") or {}
        problems = self._check_merge(lid, merge, current is None, skip_validation)
        if problems:
            return self._batch_error(
                email,
                "Your merge fields were invalid.",
                field=problems[0][0],
                field_message=problems[0][1],
            )
        if (
            current
            and entry.get("status") == "subscribed"
            and (
                current["status"] == "cleaned"
                or (
                    current["status"] == "unsubscribed"
                    and current["_unsubscribed_by"] == "self"
                )
            )
        ):
            return self._batch_error(email, MSG_COMPLIANCE.format(email=email))
        return None

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
        self._apply_interests(lid, member, body.get("interests"))
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
            self._apply_interests(lid, member, body.get("interests"))
            return 200, self._public(member)
        body = {k: v for k, v in body.items() if k != "status_if_new"}
        code, member = self._r_patch_member(query, body, lid, ref)
        self._apply_permissions(
            self.members[lid][member["id"]], body.get("marketing_permissions")
        )
        return code, self._public(self.members[lid][member["id"]])

    # ------------------------------------------------------------ batches
