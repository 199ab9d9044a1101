"""The fake Mailchimp API routes: batches, tags and segments, webhooks,
campaigns and reports."""

import json
import uuid

try:  # a module of the tests package, or a top-level one (pure tier)
    from .fake_common import (
        BATCH_RESULTS_URL,
        MSG_CANNOT_ARCHIVE,
        MSG_NOT_VALIDATED,
        Problem,
        md5,
        not_found,
        problem_body,
    )
except ImportError:
    from fake_common import (  # noqa: I001
        BATCH_RESULTS_URL,
        MSG_CANNOT_ARCHIVE,
        MSG_NOT_VALIDATED,
        Problem,
        md5,
        not_found,
        problem_body,
    )


class FakeMoreRoutes:
    """More Marketing API 3.0 routes."""

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
            # the operation's own answer: a whole problem document (api-notes
            # section 10, [docs]: each result holds the operation's response)
            status, data = problem.status, problem_body(problem, str(uuid.uuid4()))
        self._check_operation_answer(op.get("method"), path, status, data)
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
            "response_body_url": f"{BATCH_RESULTS_URL}{batch_id}-response.tar.gz"
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
        wanted = query.get("activity_filters")
        if wanted:  # csv of activity types (spec: activity_filters)
            kinds = set(wanted.split(","))
            activity = [e for e in activity if e["activity_type"] in kinds]
        # spec: count defaults to 10; MemberActivityEvents1 has no total_items
        return 200, {
            "email_id": member["id"],
            "list_id": lid,
            "activity": self._page(activity, query, 10),
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
                # spec BatchAddremoveListMembersTofromStaticSegment: ListMembers5
                result[key].append(self._batch_member(member))
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

    def _r_get_webhook(self, query, body, lid, wid):
        """Spec: GET /lists/{listId}/webhooks/{webhookId} (ListWebhooks1);
        404 for a webhook Mailchimp no longer has."""
        self._list(lid)
        hook = self.webhooks[lid].get(wid)
        if hook is None:
            raise not_found()
        return 200, self._hook_json(hook)

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
        # the member's activity feed: spec schema MemberActivityEvents1
        # (activity_type, created_at_timestamp, campaign_id, campaign_title,
        # link_clicked for a click), not the email-activity shape above
        feed_event = {
            "activity_type": action,
            "created_at_timestamp": timestamp,
            "campaign_id": campaign_id,
            "campaign_title": self.campaigns[campaign_id]["settings"]["title"],
        }
        if url and action == "click":
            feed_event["link_clicked"] = url
        self.member_activity.setdefault((list_id, md5(email)), []).append(feed_event)

    # ------------------------------------------------------------ internals
