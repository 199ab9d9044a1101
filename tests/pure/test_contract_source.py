"""The committed contract (``tests/data/mailchimp_contract.json``) is what
Mailchimp's OpenAPI file says, when that file is at hand
(``../shared/mailchimp/openapi.json`` from the repository's root, or
``$MCS_OPENAPI``); the tests themselves never need it."""

import importlib.util
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GENERATOR = os.path.join(ROOT, "scripts", "contract_from_openapi.py")


def _generator():
    spec = importlib.util.spec_from_file_location("contract_from_openapi", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_contract_matches_mailchimps_openapi_file():
    generator = _generator()
    if not generator.OPENAPI.is_file():
        pytest.skip(
            f"Mailchimp's OpenAPI file is not at {generator.OPENAPI}: the committed "
            "contract is not compared with it (set MCS_OPENAPI to its path)"
        )
    with open(generator.OUTPUT, encoding="utf-8") as handle:
        committed = handle.read()
    derived = generator.dumps(generator.derive(generator.OPENAPI))
    assert committed == derived, (
        "tests/data/mailchimp_contract.json differs from Mailchimp's OpenAPI file: "
        "run python3 scripts/contract_from_openapi.py and review the diff"
    )
