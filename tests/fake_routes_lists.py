"""The fake Mailchimp API routes: ping, account, lists, merge fields."""

try:  # a module of the tests package, or a top-level one (pure tier)
    from .fake_common import (
        EMAIL_RE,
        MSG_NOT_VALIDATED,
        Problem,
    )
except ImportError:
    from fake_common import (  # noqa: I001
        EMAIL_RE,
        MSG_NOT_VALIDATED,
        Problem,
    )


class FakeListRoutes:
    """Account and audience routes."""

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

    def _r_delete_list(self, query, body, lid):
        """spec deleteListsId: 204, the audience gone with all it held."""
        self._list(lid)
        for store in (
            self.lists,
            self.merge_fields,
            self.members,
            self.segments,
            self.webhooks,
            self.__dict__.get("interest_categories", {}),
        ):
            store.pop(lid, None)
        return 204, None

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
