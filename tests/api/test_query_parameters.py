"""Every route refuses a query parameter it does not declare, and a repeated single-valued one, with a
422 problem naming it and the parameters it takes; nothing is read or written for such a request."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import bearer, token_for
from tests.helpers import T_2025, T_2026, Programme, tree_size

#: Concrete paths for every operation of the OpenAPI document (a test holds the two equal).
PATHS = {
    "/checkpoint": "/checkpoint",
    "/tile/{path}": "/tile/0/000.p/1",
    "/healthz": "/healthz",
    "/readyz": "/readyz",
    "/v1/accounts/{holder}/holdings": "/v1/accounts/bank-a/holdings",
    "/v1/checkpoint": "/v1/checkpoint",
    "/v1/consistency-proof": "/v1/consistency-proof",
    "/v1/credit-blocks": "/v1/credit-blocks",
    "/v1/credit-blocks/{key}": "/v1/credit-blocks/1",
    "/v1/credit-blocks/next-serial": "/v1/credit-blocks/next-serial",
    "/v1/entries": "/v1/entries",
    "/v1/entries/batch": "/v1/entries/batch",
    "/v1/entries/{index}": "/v1/entries/1",
    "/v1/entries/{index}/inclusion-proof": "/v1/entries/1/inclusion-proof",
    "/v1/export": "/v1/export",
    "/v1/keys/{key_id}": "/v1/keys/{bank_key}",
    "/v1/loans": "/v1/loans",
    "/v1/loans/{key}": "/v1/loans/L1",
    "/v1/log": "/v1/log",
    "/v1/park-statistics": "/v1/park-statistics",
    "/v1/park-statistics/{key}": "/v1/park-statistics/{stats_key}",
    "/v1/parks": "/v1/parks",
    "/v1/parks/{key}": "/v1/parks/tianfu-hq",
    "/v1/parties": "/v1/parties",
    "/v1/parties/{party_id}": "/v1/parties/bank-a",
    "/v1/projects": "/v1/projects",
    "/v1/projects/{key}": "/v1/projects/p1",
    "/v1/reports/lenders/{subject}": "/v1/reports/lenders/bank-a",
    "/v1/reports/parks/{subject}": "/v1/reports/parks/tianfu-hq",
    "/v1/reports/projects/{subject}": "/v1/reports/projects/p1",
    "/v1/reports/reward-programs/{subject}": "/v1/reports/reward-programs/rp-2025",
    "/v1/reports/summary": "/v1/reports/summary",
    "/v1/reports/programme": "/v1/reports/programme",
    "/v1/programme-targets": "/v1/programme-targets",
    "/v1/programme-targets/{key}": "/v1/programme-targets/2025",
    "/v1/park-targets": "/v1/park-targets",
    "/v1/park-targets/{key}": "/v1/park-targets/park-1/2025",
    "/v1/park-assessments": "/v1/park-assessments",
    "/v1/park-assessments/{key}": "/v1/park-assessments/park-1/2025",
    "/v1/reward-disbursements": "/v1/reward-disbursements",
    "/v1/reward-disbursements/{key}": "/v1/reward-disbursements/rd-1",
    "/v1/reward-programs": "/v1/reward-programs",
    "/v1/reward-programs/{key}": "/v1/reward-programs/rp-2025",
    "/v1/verifications": "/v1/verifications",
    "/v1/verifications/{key}": "/v1/verifications/v1",
}

#: Names no route takes, including near misses of real ones.
UNKNOWN = ["park", "bogus", "Limit", "LIMIT", "limit ", "page", "offset", "sort", "tree-size", "from_", "lender_id", "x[]"]


@pytest.fixture
def prog(client: Any, sign: Any) -> Programme:
    prog = Programme(client, sign)
    prog.setup_verified()
    prog.ok("dept", "park.registered", prog.park("yibin-sanjiang", "op-yibin", name="Yibin Sanjiang New Area"))
    for park, start, end in (("tianfu-hq", T_2025, T_2026), ("yibin-sanjiang", T_2025, T_2026)):
        prog.ok("op-tianfu" if park == "tianfu-hq" else "op-yibin", "park.statistics.reported", {
            "park": park, "period_start": start, "period_end": end, "output_value": "90000000.00",
            "energy_use_tce": "120000.000", "total_emissions": "410000.000", "currency": "CNY",
        })  # fmt: skip
    prog.ok("dept", "reward.program.created", prog.program())
    prog.ok("dept", "reward.disbursed", prog.reward(amount="50000.00"))
    prog.ok("mrv", "credits.issued", {"verification": "v1", "serial_start": 1, "serial_end": 100, "holder": "bank-a"})
    return prog


def _operations(app: Any) -> list[tuple[str, str, list[str]]]:
    """(method, path template, its documented query parameters) of every operation."""
    spec = app.extensions["ledger_api"].spec.to_dict()
    return [
        (method.upper(), path, [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"])
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method != "parameters"
    ]


def _path(prog: Programme, template: str) -> str:
    return PATHS[template].format(
        bank_key=prog.get("/v1/parties/bank-a")["keys"][0]["key_id"],
        stats_key=prog.get("/v1/park-statistics?park_id=tianfu-hq")["items"][0]["statistics_id"],
    )


def _assert_refused(response: Any, code: str, field: str, allowed: list[str]) -> dict[str, Any]:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.content_type == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    assert problem["code"] == code and problem["type"] == f"https://greenledger.example/problems/{code}", problem
    assert problem["field"] == field and field in problem["errors"], problem
    assert problem["allowed"] == allowed, problem
    for name in allowed:
        assert name in problem["detail"], problem
    if not allowed:
        assert "takes no query parameters" in problem["detail"]
    return problem


def test_the_paths_here_cover_every_documented_operation(app: Any) -> None:
    assert {path for _, path, _ in _operations(app)} == set(PATHS)


def test_every_operation_refuses_an_unknown_query_parameter_and_names_it(prog: Programme) -> None:
    before = tree_size(prog.client)
    for method, template, allowed in _operations(prog.client.application):
        path = _path(prog, template)
        for name in UNKNOWN:
            url = f"{path}?{name}=1"
            if method == "GET":
                response = prog.client.get(url)
            else:  # a valid, new entry: refused for its query string alone
                entry = prog.signed("bank-a", "loan.registered", prog.loan(f"L-{name}", principal="10.00"))
                response = prog.client.post(url, json=entry if template == "/v1/entries" else {"entries": [entry]})
            _assert_refused(response, "unknown-query-parameter", name, allowed)
    assert tree_size(prog.client) == before  # nothing was appended


def test_a_known_parameter_beside_an_unknown_one_is_still_refused(prog: Programme) -> None:
    problem = _assert_refused(prog.client.get("/v1/park-statistics?park_id=tianfu-hq&park=tianfu-hq"), "unknown-query-parameter", "park", ["after", "limit", "park_id", "format"])
    assert problem["errors"] == {"park": ["unknown query parameter"]}
    problem = _assert_refused(prog.client.get("/v1/parks?x=1&limit=5&y=2"), "unknown-query-parameter", "x", ["after", "limit", "operator", "economic_zone", "city", "format"])
    assert set(problem["errors"]) == {"x", "y"}


def test_known_parameters_still_filter(prog: Programme) -> None:
    items = prog.get("/v1/park-statistics?park_id=tianfu-hq")["items"]
    assert [s["park_id"] for s in items] == ["tianfu-hq"]
    assert len(prog.get("/v1/park-statistics")["items"]) == 2
    assert prog.get("/v1/parks?city=Chengdu&limit=1")["items"][0]["park_id"] == "tianfu-hq"
    assert prog.get("/v1/entries?limit=2&type=party.registered")["next"] is not None
    assert prog.client.get("/v1/export?from=0&to=3").status_code == 200
    assert prog.client.get(f"/v1/entries/1/inclusion-proof?tree_size={tree_size(prog.client)}").status_code == 200
    assert prog.client.get("/v1/consistency-proof?first=1&second=2").status_code == 200
    assert prog.client.get("/v1/reports/summary?tree_size=3&format=csv").status_code == 200


@pytest.mark.parametrize(
    ("url", "field", "allowed"),
    [
        ("/v1/parks?limit=1&limit=2", "limit", ["after", "limit", "operator", "economic_zone", "city", "format"]),
        ("/v1/park-statistics?park_id=tianfu-hq&park_id=yibin-sanjiang", "park_id", ["after", "limit", "park_id", "format"]),
        ("/v1/park-statistics?park_id=tianfu-hq&park_id=tianfu-hq", "park_id", ["after", "limit", "park_id", "format"]),
        ("/v1/entries?after=1&after=5", "after", ["after", "before", "limit", "type", "signer"]),
        ("/v1/reports/summary?format=csv&format=json", "format", ["tree_size", "format"]),
        ("/v1/consistency-proof?first=1&second=2&second=3", "second", ["first", "second"]),
        ("/v1/export?from=0&from=1", "from", ["from", "to", "tree_size"]),
        ("/v1/parties?limit=1&limit=", "limit", ["after", "limit"]),
    ],
)
def test_a_repeated_parameter_is_refused_rather_than_one_of_its_values_taken(prog: Programme, url: str, field: str, allowed: list[str]) -> None:
    _assert_refused(prog.client.get(url), "repeated-query-parameter", field, allowed)


def test_odd_query_strings(prog: Programme) -> None:
    nameless = prog.client.get("/v1/parks?=1")
    assert nameless.status_code == 422 and nameless.get_json()["code"] == "unknown-query-parameter"
    assert nameless.get_json()["errors"] == {"": ["unknown query parameter"]}
    _assert_refused(prog.client.get("/v1/log?verbose"), "unknown-query-parameter", "verbose", [])
    _assert_refused(prog.client.get("/v1/checkpoint?v=2"), "unknown-query-parameter", "v", [])
    assert prog.client.head("/v1/parks?bogus=1").status_code == 422
    assert prog.client.get("/v1/parks?").status_code == 200  # an empty query string names nothing
    assert prog.client.get("/v1/parks?&").status_code == 200


def test_the_openapi_document_route_takes_no_parameters_either(prog: Programme) -> None:
    assert prog.client.get("/openapi.json").status_code == 200
    _assert_refused(prog.client.get("/openapi.json?format=yaml"), "unknown-query-parameter", "format", [])


def test_the_token_is_checked_before_the_query_string(prog: Programme) -> None:
    """Like a bad value, an unknown parameter is answered only to a party that may call the route."""
    assert prog.client.get("/v1/parks?bogus=1", headers={"Authorization": ""}).status_code == 401
    as_lender = bearer(token_for(prog.client.application, "bank-a"))
    assert prog.client.get("/v1/export?bogus=1", headers=as_lender).status_code == 403
    assert prog.client.get("/healthz?bogus=1", headers={"Authorization": ""}).status_code == 422


def test_every_operation_documents_the_422_as_problem_json(app: Any) -> None:
    spec = app.extensions["ledger_api"].spec.to_dict()
    for method, template, allowed in _operations(app):
        answer = spec["paths"][template][method.lower()]["responses"]["422"]
        assert "application/problem+json" in answer["content"], (method, template)
        assert "unknown-query-parameter" in answer["description"], (method, template)
        assert ("repeated-query-parameter" in answer["description"]) == bool(allowed), (method, template)
    assert "allowed" in spec["components"]["schemas"]["Problem"]["properties"]
