"""Mailchimp's published contract, checked on every call the fake sees.

``data/mailchimp_contract.json`` holds the facts of Mailchimp's OpenAPI file
(3.0.85) for the operations the addon calls (derived by
``scripts/contract_from_openapi.py``); ``data/mailchimp_documented.json``
holds the formats Mailchimp documents outside that file (webhook deliveries,
batch result files). Each request is checked against its operation (path,
query, body) and each answer against the operation's answer for its status
(``default``: an RFC 7807 problem document; a 204 has no body), with the
maintained validator ``jsonschema``.

Strict: an object schema that names its properties accepts no other key
(``additionalProperties: false`` unless the schema sets it); an object that
names none (``{"type": "object"}``, ``properties: {}``) is free-form.
The spec's known gaps are corrected and the pending fixes tolerated in one
place: ``contract_exceptions.py``.
"""

import copy
import json
import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

try:  # a module of the tests package, or a top-level one (pure tier)
    from .contract_exceptions import DOCUMENTED_GAPS, PENDING_FIXES
except ImportError:
    from contract_exceptions import DOCUMENTED_GAPS, PENDING_FIXES  # noqa: I001

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
CONTRACT_FILE = os.path.join(DATA, "mailchimp_contract.json")
DOCUMENTED_FILE = os.path.join(DATA, "mailchimp_documented.json")
BASE = "urn:mailchimp-contract"
DELIVERY = "webhook delivery"
BATCH_RESULT = "batch result file"
# Mailchimp may answer these without a JSON body (api-notes section 3, [docs]:
# "at exceptionally high volumes you may receive an HTTP 429 or 403 without
# a JSON body")
EMPTY_ERRORS = frozenset({403, 429})
UNDEFINED = "a key the contract does not define"


@dataclass(frozen=True)
class Violation:
    direction: str  # request, answer, delivery
    operation: str  # "GET /lists/{listId}", "webhook delivery", ...
    where: str  # the place in the checked value, "members/*/tags"
    message: str

    def __str__(self):
        where = self.where or "(top)"
        return f"{self.direction} {self.operation}: {where}: {self.message}"

    def pending(self):
        """The pending fix (``contract_exceptions.PENDING_FIXES``) this is."""
        for fix in PENDING_FIXES:
            if (
                fix["direction"] == self.direction
                and fix["operation"] == self.operation
                and re.fullmatch(
                    re.escape(fix["where"]).replace(r"\*", "[^/]*"), self.where
                )
            ):
                return fix
        return None


def strict(schema):
    """``schema`` where objects that name their properties take no others."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: strict(sub) for name, sub in value.items()}
        else:
            out[key] = strict(value)
    if (schema.get("properties") or schema.get("patternProperties")) and (
        "additionalProperties" not in schema
    ):
        out["additionalProperties"] = False
    return out


def _corrected(schemas):
    """The contract's schemas with the documented gaps applied: a gap naming
    its schemas sets the key there; a gap for every schema (``None``) replaces
    the key where it is."""
    schemas = copy.deepcopy(schemas)
    for gap in DOCUMENTED_GAPS:
        *parents, key = gap["pointer"].strip("/").split("/")
        for name in gap["schemas"] or sorted(schemas):
            node = schemas[name]
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict) and (gap["schemas"] or key in node):
                node[key] = copy.deepcopy(gap["value"])
    return schemas


def _coerce(value, schema):
    """A query value (text) as the type its parameter declares."""
    if not isinstance(value, str):
        return value
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    if kind == "array":
        return [_coerce(v, schema.get("items") or {}) for v in value.split(",")]
    return value


def _where(path):
    """``members/*/tags``: items of a list are one place, whatever their index."""
    return "/".join("*" if isinstance(part, int) else str(part) for part in path)


def _errors(validator, instance):
    """``(where, message)`` for each error; an undefined key is named."""
    for error in validator.iter_errors(instance):
        where = _where(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(
            error.instance, dict
        ):
            known = set(error.schema.get("properties") or {})
            patterns = list(error.schema.get("patternProperties") or {})
            for key in sorted(error.instance):
                if key not in known and not any(re.search(p, key) for p in patterns):
                    yield (
                        f"{where}/{key}".lstrip("/"),
                        UNDEFINED,
                    )
        elif error.validator == "oneOf":
            keys = sorted(error.instance) if isinstance(error.instance, dict) else ""
            yield where, f"matches none of the documented shapes (keys {keys})"
        else:
            yield where, error.message


class Contract:
    """The operations of the contract, their validators, and the checks."""

    def __init__(self):
        with open(CONTRACT_FILE, encoding="utf-8") as handle:
            self.data = json.load(handle)
        with open(DOCUMENTED_FILE, encoding="utf-8") as handle:
            self.documented = json.load(handle)
        root = {
            "schemas": strict(_corrected(self.data["schemas"])),
            "documented": strict(self.documented["schemas"]),
        }
        self.registry = Registry().with_resource(
            BASE, Resource(contents=root, specification=DRAFT202012)
        )
        self.operations = [
            (key.split(" ", 1)[0], self._template_re(key.split(" ", 1)[1]), key, op)
            for key, op in self.data["operations"].items()
        ]
        self._validators = {}

    @staticmethod
    def _template_re(template):
        return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)))

    def validator(self, pointer):
        """The validator of the schema at ``pointer`` in the contract."""
        if pointer not in self._validators:
            self._validators[pointer] = Draft202012Validator(
                {"$ref": f"{BASE}#/{pointer}"}, registry=self.registry
            )
        return self._validators[pointer]

    def find(self, method, path):
        """``(key, operation)`` of the request, or ``(None, None)``."""
        for op_method, pattern, key, op in self.operations:
            if op_method == method and pattern.fullmatch(path):
                return key, op
        return None, None

    # ------------------------------------------------------------ requests
    def check_request(self, method, path, query, body):
        key, op = self.find(method, path)
        if op is None:
            return [
                Violation(
                    "request",
                    f"{method} {path}",
                    "",
                    "not an operation of the contract (the addon's operations "
                    "are listed in scripts/contract_from_openapi.py)",
                )
            ]
        found = [
            Violation("request", key, where, message)
            for where, message in self._query_errors(key, op, query or {})
        ]
        found += [
            Violation("request", key, where, message)
            for where, message in self._body_errors(op, body)
        ]
        if key == "POST /batches" and isinstance(body, dict):
            found += self._operation_errors(body.get("operations"))
        return found

    def _query_errors(self, key, op, query):
        schema = op["query"]
        values = {name: _coerce(v, schema.get(name) or {}) for name, v in query.items()}
        pointer = f"query:{key}"
        if pointer not in self._validators:
            self._validators[pointer] = Draft202012Validator(
                {
                    "type": "object",
                    "properties": schema,
                    "required": op["required_query"],
                    "additionalProperties": False,
                },
                registry=self.registry,
            )
        return [(f"?{w}", m) for w, m in _errors(self._validators[pointer], values)]

    def _body_errors(self, op, body):
        if op["request"] is None:
            return (
                []
                if body in (None, "")
                else [("", "a body the operation does not take")]
            )
        if body is None:
            return [("", "no body")] if op["request_required"] else []
        if isinstance(body, str):
            return [("", "a body that is not JSON")]
        return list(_errors(self.validator(f"schemas/{op['request']}"), body))

    def _operation_errors(self, operations):
        """The operations bundled in ``POST /batches`` are requests too."""
        found = []
        for op in operations or []:
            if not isinstance(op, dict):
                continue
            try:
                body = json.loads(op["body"]) if op.get("body") else None
            except ValueError:
                body = op["body"]
            for violation in self.check_request(
                op.get("method"), op.get("path") or "", op.get("params"), body
            ):
                found.append(
                    Violation(
                        violation.direction,
                        violation.operation,
                        violation.where,
                        f"{violation.message} (an operation of POST /batches)",
                    )
                )
        return found

    # ------------------------------------------------------------ answers
    def check_answer(self, method, path, status, body):
        key, op = self.find(method, path)
        if op is None:
            return []  # the request was reported already
        responses = op["responses"]
        code = str(status)
        if code not in responses:
            if status < 400:
                return [
                    Violation("answer", key, "", f"status {status} is not documented")
                ]
            if body in (None, "") and status in EMPTY_ERRORS:
                return []
            code = "default"
        schema = responses[code]
        if schema is None:
            if body in (None, ""):
                return []
            return [Violation("answer", key, "", f"a body on a {status}")]
        if body in (None, ""):
            return [Violation("answer", key, "", f"no body on a {status}")]
        return [
            Violation("answer", key, where, message)
            for where, message in _errors(self.validator(f"schemas/{schema}"), body)
        ]

    # ------------------------------------------------------------ documented
    def check_delivery(self, raw_body):
        """A webhook delivery (the form Mailchimp posts), by its ``type``."""
        form = dict(parse_qsl(raw_body.decode(), keep_blank_values=True))
        name = f"delivery_{form.get('type')}"
        if name not in self.documented["schemas"]:
            return [Violation("delivery", DELIVERY, "type", "not a documented type")]
        return [
            Violation("delivery", DELIVERY, where, message)
            for where, message in _errors(self.validator(f"documented/{name}"), form)
        ]

    def check_batch_results(self, results):
        validator = self.validator("documented/batch_result_file")
        return [
            Violation("answer", BATCH_RESULT, where, message)
            for where, message in _errors(validator, results)
        ]


_CONTRACT = []


def contract():
    """The contract, loaded once per process."""
    if not _CONTRACT:
        _CONTRACT.append(Contract())
    return _CONTRACT[0]
