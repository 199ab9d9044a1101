"""The fake Mailchimp's groups: interest categories and their interests,
listed 10 a page unless ``count`` is given, created by the API (60 group names
an audience at most), and members' ``interests`` (every interest of the
audience, true or false). Changing a member's interests never changes its
status, as in Mailchimp."""

try:  # a module of the tests package, or a top-level one (pure tier)
    from .fake_common import MSG_NOT_VALIDATED, Problem, not_found
except ImportError:
    from fake_common import MSG_NOT_VALIDATED, Problem, not_found  # noqa: I001

MAX_INTERESTS = 60
# spec schema InterestCategory: ``type`` is one of these
CATEGORY_TYPES = ("checkboxes", "dropdown", "radio", "hidden")


class FakeGroupRoutes:
    GROUP_ROUTES = [
        (
            "GET",
            r"/lists/(?P<lid>[^/]+)/interest-categories",
            "get_interest_categories",
        ),
        (
            "POST",
            r"/lists/(?P<lid>[^/]+)/interest-categories",
            "create_interest_category",
        ),
        (
            "GET",
            r"/lists/(?P<lid>[^/]+)/interest-categories/(?P<cid>[^/]+)/interests",
            "get_interests",
        ),
        (
            "POST",
            r"/lists/(?P<lid>[^/]+)/interest-categories/(?P<cid>[^/]+)/interests",
            "create_interest",
        ),
    ]

    # ------------------------------------------------------------ store
    def add_interest_category(self, list_id, title, names=(), type="checkboxes"):
        """A group and its group names, made in Mailchimp; the category id."""
        categories = self.__dict__.setdefault("interest_categories", {})
        of_list = categories.setdefault(list_id, {})
        category_id = f"cat{self._next()}"
        of_list[category_id] = {
            "id": category_id,
            "list_id": list_id,
            "title": title,
            "type": type,
            "display_order": len(of_list),
            "interests": {},
        }
        for name in names:
            self._new_interest(list_id, category_id, name)
        return category_id

    def interest_id(self, list_id, name):
        for category in self._categories(list_id).values():
            for interest in category["interests"].values():
                if interest["name"] == name:
                    return interest["id"]
        return None

    def set_interests(self, list_id, email, **by_name):
        """A member changes its groups in Mailchimp (preference centre)."""
        member = self.member(list_id, email)
        self._apply_interests(
            list_id,
            member,
            {self.interest_id(list_id, n): on for n, on in by_name.items()},
        )
        member["last_changed"] = self._tick()

    def member_groups(self, list_id, email):
        """Names of the member's groups that are on."""
        member = self.member(list_id, email)
        names = {
            i["id"]: i["name"]
            for c in self._categories(list_id).values()
            for i in c["interests"].values()
        }
        return sorted(names[i] for i, on in member.get("interests", {}).items() if on)

    def _categories(self, list_id):
        return self.__dict__.setdefault("interest_categories", {}).get(list_id, {})

    def _new_interest(self, list_id, category_id, name):
        total = sum(len(c["interests"]) for c in self._categories(list_id).values())
        if total >= MAX_INTERESTS:
            raise Problem(
                400, "Invalid Resource", "You can have at most 60 group names."
            )
        category = self._categories(list_id)[category_id]
        interest_id = f"int{self._next()}"
        category["interests"][interest_id] = {
            "id": interest_id,
            "category_id": category_id,
            "list_id": list_id,
            "name": name,
            "subscriber_count": "0",  # Mailchimp sends this count as a string
            "display_order": len(category["interests"]),
        }
        for member in self.members.get(list_id, {}).values():
            member.setdefault("interests", {})[interest_id] = False
        return category["interests"][interest_id]

    def _apply_interests(self, list_id, member, interests):
        """Set a member's interests; an unknown id is refused (400)."""
        if not interests:
            return
        known = {i for c in self._categories(list_id).values() for i in c["interests"]}
        if not isinstance(interests, dict) or not set(interests) <= known:
            raise Problem(400, "Invalid Resource", "Invalid interest ID.")
        member.setdefault("interests", {}).update(
            {i: bool(on) for i, on in interests.items()}
        )

    # ------------------------------------------------------------ routes
    def _r_get_interest_categories(self, query, body, lid):
        self._list(lid)
        categories = [
            {k: v for k, v in c.items() if k != "interests"}
            for c in self._categories(lid).values()
        ]
        return 200, {
            "list_id": lid,
            "categories": self._page(categories, query),
            "total_items": len(categories),
        }

    def _r_create_interest_category(self, query, body, lid):
        """spec postListsIdInterestCategories: ``title`` and ``type`` are
        required (schema InterestCategory); the answer is the category. A
        missing field is named as Mailchimp names it (observed answer quoted
        in drewm/mailchimp-api#179: "Required fields were not provided")."""
        self._list(lid)
        body = body or {}
        missing = [f for f in ("title", "type") if not body.get(f)]
        errors = [("", f"Required fields were not provided: {f}") for f in missing]
        if errors or body["type"] not in CATEGORY_TYPES:
            raise Problem(400, "Invalid Resource", MSG_NOT_VALIDATED, errors)
        category_id = self.add_interest_category(lid, body["title"], type=body["type"])
        category = self._categories(lid)[category_id]
        return 200, {k: v for k, v in category.items() if k != "interests"}

    def _r_get_interests(self, query, body, lid, cid):
        category = self._categories(lid).get(cid)
        if not category:
            raise not_found()
        interests = list(category["interests"].values())
        return 200, {
            "interests": self._page(interests, query),
            "list_id": lid,
            "category_id": cid,
            "total_items": len(interests),
        }

    def _r_create_interest(self, query, body, lid, cid):
        if cid not in self._categories(lid):
            raise not_found()
        name = (body or {}).get("name")
        if not name:
            raise Problem(400, "Invalid Resource", "The name must be provided.")
        existing = self._categories(lid)[cid]["interests"].values()
        if any(i["name"] == name for i in existing):
            raise Problem(400, "Invalid Resource", f'Cannot add "{name}" twice.')
        return 200, self._new_interest(lid, cid, name)
