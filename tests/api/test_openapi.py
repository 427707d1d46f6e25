"""api_spec/openapi.yaml is generated from the code; this fails when the two drift apart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

SPEC_FILE = Path(__file__).resolve().parents[2] / "api_spec" / "openapi.yaml"
REGENERATE = "greenledger openapi write --format yaml api_spec/openapi.yaml"


def test_committed_spec_matches_the_code(app):
    generated = json.loads(json.dumps(app.extensions["ledger_api"].spec.to_dict()))
    committed = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    assert committed == generated, f"api_spec/openapi.yaml is stale: run `{REGENERATE}`"


def test_every_route_is_documented(app):
    spec = app.extensions["ledger_api"].spec.to_dict()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static",) or rule.endpoint.startswith(("api-docs", "web.")) or rule.rule == "/openapi.json":
            # the HTML pages (ledger/web) are not part of the API
            continue
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)  # converters may take arguments
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is missing from the spec"


def test_error_answers_are_documented_as_problem_json(app):
    spec = app.extensions["ledger_api"].spec.to_dict()
    post = spec["paths"]["/v1/entries"]["post"]["responses"]
    for status in ("403", "409", "413", "422", "503"):
        assert "application/problem+json" in post[status]["content"]
