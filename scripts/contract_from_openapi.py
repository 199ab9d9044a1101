"""Derive ``tests/data/mailchimp_contract.json`` from Mailchimp's OpenAPI file.

The contract holds the facts of Mailchimp's OpenAPI document (3.0.85, see
``/work/shared/mailchimp/api-notes.md`` section 0) for exactly the operations
the addon calls, in a compact form of its own: per operation its query
parameters, the schema name of its request body and of its answers; per
schema its types, properties, items, enums, required keys and bounds (titles,
descriptions, examples and vendor extensions dropped, ``$ref`` kept by name,
``allOf`` merged, Ballerina's ``x-oneOf`` read as ``oneOf``). The schemas are
JSON Schema, used as they are by ``tests/contract.py``; the committed file is
self-sufficient (tests never need the OpenAPI file).

    python3 scripts/contract_from_openapi.py [OPENAPI] [OUTPUT]
    python3 scripts/contract_from_openapi.py --check [OPENAPI] [OUTPUT]

``--check`` exits 1 when OUTPUT differs from what OPENAPI gives.
The pure test ``tests/pure/test_contract_source.py`` does the same comparison.
"""

import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# beside the repository (../shared from its root), or where MCS_OPENAPI says
OPENAPI = pathlib.Path(
    os.environ.get("MCS_OPENAPI")
    or ROOT.parent / "shared" / "mailchimp" / "openapi.json"
)
OUTPUT = ROOT / "tests" / "data" / "mailchimp_contract.json"
REF = "#/schemas/"

# The operations the addon sends (services/client.py, and the operations it
# bundles in POST /batches: services/upsert.py, models/mailchimp_member_push.py),
# by method and the spec's path template.
OPERATIONS = (
    ("GET", "/"),
    ("GET", "/ping"),
    ("GET", "/lists"),
    ("POST", "/lists"),
    ("GET", "/lists/{listId}"),
    ("POST", "/lists/{listId}"),
    ("GET", "/lists/{listId}/merge-fields"),
    ("POST", "/lists/{listId}/merge-fields"),
    ("GET", "/lists/{listId}/members"),
    ("GET", "/lists/{listId}/members/{subscriberHash}"),
    ("PUT", "/lists/{listId}/members/{subscriberHash}"),
    ("PATCH", "/lists/{listId}/members/{subscriberHash}"),
    ("DELETE", "/lists/{listId}/members/{subscriberHash}"),
    ("POST", "/lists/{listId}/members/{subscriberHash}/tags"),
    ("GET", "/lists/{listId}/members/{subscriberHash}/activity-feed"),
    ("POST", "/lists/{listId}/members/{subscriberHash}/actions/delete-permanent"),
    ("GET", "/lists/{listId}/segments"),
    ("POST", "/lists/{listId}/segments"),
    ("POST", "/lists/{listId}/segments/{segmentId}"),
    ("DELETE", "/lists/{listId}/segments/{segmentId}"),
    ("GET", "/lists/{listId}/interest-categories"),
    ("GET", "/lists/{listId}/interest-categories/{interestCategoryId}/interests"),
    ("POST", "/lists/{listId}/interest-categories/{interestCategoryId}/interests"),
    ("POST", "/lists/{listId}/webhooks"),
    ("GET", "/lists/{listId}/webhooks/{webhookId}"),
    ("PATCH", "/lists/{listId}/webhooks/{webhookId}"),
    ("DELETE", "/lists/{listId}/webhooks/{webhookId}"),
    ("GET", "/campaigns"),
    ("GET", "/reports/{campaignId}"),
    ("GET", "/reports/{campaignId}/email-activity"),
    ("GET", "/reports/{campaignId}/sent-to"),
    ("POST", "/batches"),
    ("GET", "/batches/{batchId}"),
    # the live contract check's set-up and clean-up (scripts/live_check*.py)
    ("DELETE", "/lists/{listId}"),
    ("POST", "/lists/{listId}/interest-categories"),
)
# JSON Schema keywords kept as they are (the facts a validator checks)
KEPT = ("type", "enum", "required", "minimum", "maximum", "maxLength")


class Deriver:
    """Walks the spec from the operations; collects the schemas they reach."""

    def __init__(self, spec):
        self.spec = spec
        self.components = spec["components"]["schemas"]
        self.schemas = {}
        self._todo = []

    def ref(self, pointer):
        """``#/components/schemas/X`` -> a reference to X in the contract."""
        name = pointer.rsplit("/", 1)[-1]
        if name not in self.schemas and name not in self._todo:
            self._todo.append(name)
        return {"$ref": REF + name}

    def flat(self, schema):
        """``schema`` with its ``allOf`` parts merged into one object."""
        if "$ref" in schema:
            return self.flat(self.components[schema["$ref"].rsplit("/", 1)[-1]])
        if "allOf" not in schema:
            return schema
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self.flat(part)
            for key, value in part.items():
                if key == "properties":
                    merged.setdefault("properties", {}).update(value)
                elif key == "required":
                    merged["required"] = sorted(
                        set(merged.get("required", [])) | set(value)
                    )
                else:
                    merged.setdefault(key, value)
        return merged

    def compact(self, schema):
        if "$ref" in schema:
            return self.ref(schema["$ref"])
        if (
            schema.get("allOf")
            and len(schema["allOf"]) == 1
            and "$ref" in schema["allOf"][0]
        ):
            return self.ref(schema["allOf"][0]["$ref"])
        schema = self.flat(schema)
        out = {key: schema[key] for key in KEPT if key in schema}
        if "properties" in schema:
            out["properties"] = {
                name: self.compact(sub)
                for name, sub in sorted(schema["properties"].items())
            }
        if "items" in schema:
            out["items"] = self.compact(schema["items"])
        extra = schema.get("additionalProperties")
        if extra is not None:
            out["additionalProperties"] = (
                extra if isinstance(extra, bool) else self.compact(extra)
            )
        if "x-oneOf" in schema:  # Ballerina's name for the spec's oneOf
            out["oneOf"] = [self.compact(branch) for branch in schema["x-oneOf"]]
        return out

    def body_schema(self, content):
        """The schema name of a JSON body (every body the addon uses is a $ref)."""
        schema = (content or {}).get("application/json", {}).get("schema")
        if not schema:
            return None
        return self.ref(schema["$ref"])["$ref"][len(REF) :]

    def operation(self, method, path):
        op = self.spec["paths"][path][method.lower()]
        query = {
            p["name"]: self.compact(p["schema"])
            for p in op.get("parameters", [])
            if p["in"] == "query"
        }
        out = {
            "operation_id": op["operationId"],
            "query": dict(sorted(query.items())),
            "required_query": sorted(
                p["name"]
                for p in op.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            ),
            "request": self.body_schema((op.get("requestBody") or {}).get("content")),
            "request_required": bool((op.get("requestBody") or {}).get("required")),
            "responses": {
                code: self.body_schema(answer.get("content"))
                for code, answer in sorted(op["responses"].items())
            },
        }
        return out

    def contract(self):
        operations = {
            f"{method} {path}": self.operation(method, path)
            for method, path in OPERATIONS
        }
        while self._todo:
            name = self._todo.pop(0)
            self.schemas[name] = None  # reserved: a schema may refer to itself
            self.schemas[name] = self.compact(self.components[name])
        info = self.spec["info"]
        return {
            "about": (
                "Facts of Mailchimp's OpenAPI document for the operations the addon "
                "calls, derived by scripts/contract_from_openapi.py; do not edit."
            ),
            "source": {"title": info["title"], "version": info["version"]},
            "operations": operations,
            "schemas": dict(sorted(self.schemas.items())),
        }


def derive(openapi_path=OPENAPI):
    with open(openapi_path, encoding="utf-8") as handle:
        return Deriver(json.load(handle)).contract()


def dumps(contract):
    return json.dumps(contract, indent=1, sort_keys=False) + "\n"


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    source = pathlib.Path(args[0]) if args else OPENAPI
    target = pathlib.Path(args[1]) if len(args) > 1 else OUTPUT
    if not source.is_file():
        print(f"{source}: no such file (give its path, or set MCS_OPENAPI)")
        return 2
    text = dumps(derive(source))
    if check:
        same = target.exists() and target.read_text(encoding="utf-8") == text
        print(f"{target}: {'up to date' if same else 'DIFFERS from ' + str(source)}")
        return 0 if same else 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"{target}: {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
