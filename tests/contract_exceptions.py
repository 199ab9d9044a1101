"""The one place where the contract checks (``contract.py``) are told
something other than Mailchimp's OpenAPI file.

``DOCUMENTED_GAPS``: the spec (3.0.85) is wrong or silent where Mailchimp's
own documents say otherwise; each gap corrects the contract's schemas and
names its source (api-notes = ``/work/shared/mailchimp/api-notes.md``).

``PENDING_FIXES``: TEMPORARY. Known differences between what the addon sends
or the fake serves and the contract, being fixed elsewhere right now; a
violation one of them matches is tolerated (and counted) instead of failing
the test. Delete an entry as soon as its fix lands: the suite then proves it.
"""

# Every schema of the contract (a gap then replaces its key where it is).
EVERY_SCHEMA = None

DOCUMENTED_GAPS = (
    {
        "schemas": ("AddListMembers",),
        "pointer": "/properties/tags",
        "value": {"type": "array", "items": {"type": "string"}},
        "source": "api-notes section 7: a batch-subscribe member (POST /lists/{id}) "
        "takes tags: [string], which the 3.0.85 spec omits (Mailchimp's changelog "
        "2022-01-24); api-notes section 0 (3)",
    },
    {
        "schemas": EVERY_SCHEMA,
        "pointer": "/properties/merge_fields/additionalProperties",
        "value": {},
        "source": "api-notes section 0 (1) and section 5: merge field values are "
        "strings, numbers or an address object; the spec types every value "
        "'object', a known inaccuracy (patch it to {})",
    },
    {
        "schemas": ("ProblemDetailDocument",),
        "pointer": "/properties/errors",
        "value": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
        "source": "api-notes section 3: a 400 'Invalid Resource' problem document "
        "carries errors: [{field, message}] (observed answers; the detail text says "
        "\"For field-specific details, see the 'errors' array\")",
    },
    {
        "schemas": ("MemberActivityEvents1",),
        "pointer": "/properties/total_items",
        "value": {"type": "integer"},
        "source": "api-notes section 9: the activity feed answers {email_id, "
        "list_id, activity, total_items, _links}",
    },
    {
        "schemas": ("ListWebhooks1",),
        "pointer": "/properties/signing_enabled",
        "value": {"type": "boolean"},
        "source": "api-notes section 11: Mailchimp's 2026 docs add signing_enabled "
        "to a webhook",
    },
    {
        "schemas": ("ListWebhooks1",),
        "pointer": "/properties/signing_secret",
        "value": {"type": "string"},
        "source": "api-notes section 11: the one-time plaintext signing_secret of "
        "the answer that creates a webhook (Mailchimp's 2026 docs)",
    },
)

# TEMPORARY: delete each entry once its fix lands (issue 26).
# "where": the violation's place, "*" standing for any one part
# ("members/*/marketing_permissions"; list items are "*" already).
PENDING_FIXES = ()
