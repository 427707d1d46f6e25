"""Who may call what: every route against every role, from one table; tokens issued, revoked, expired."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ledger.api.auth import ACCESS, SELF_GUARDED_BLUEPRINTS
from tests.conftest import OPERATOR_ID, bearer, token_for
from tests.helpers import Programme, tree_size

#: Column -> party: every role, and for the scoped roles a party the data belongs to and one it does not.
PRINCIPALS = {
    "anonymous": None,
    "admin": OPERATOR_ID,
    "auditor": "buyer",
    "department": "dept",
    "lender": "bank-a",
    "other lender": "bank-b",
    "park operator": "op-tianfu",
    "other operator": "op-yibin",
    "verifier": "mrv",
    "other verifier": "mrv-2",
}
FULL = ("admin", "auditor", "department")
EVERY_TOKEN = tuple(p for p in PRINCIPALS if p != "anonymous")


def _only(*allowed: str, denied: int = 403) -> dict[str, int]:
    """200 for ``allowed`` (and full readers), ``denied`` for the other token holders, 401 anonymous."""
    return {p: 200 if p in FULL or p in allowed else denied for p in EVERY_TOKEN} | {"anonymous": 401}


ANY_TOKEN = _only(*EVERY_TOKEN)
PUBLIC = dict.fromkeys(PRINCIPALS, 200)
#: A detail route the programme built below holds nothing for: 404 to every token holder.
NOT_FOUND_TO_ANY_TOKEN = {p: 404 for p in EVERY_TOKEN} | {"anonymous": 401}

#: (method, path, endpoint, expected status by principal); the paths use the programme built below.
MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    ("GET", "/healthz", "health.Health", PUBLIC),
    ("GET", "/readyz", "health.Ready", PUBLIC),
    ("GET", "/v1/checkpoint", "log.CheckpointView", PUBLIC),
    ("GET", "/openapi.json", "api-docs.openapi_json", PUBLIC),
    ("GET", "/v1/log", "log.LogView", ANY_TOKEN),
    ("GET", "/v1/consistency-proof?first=1&second=2", "log.ConsistencyProofView", ANY_TOKEN),
    ("GET", "/v1/export", "log.ExportView", _only()),
    ("GET", "/checkpoint", "tiles.Checkpoint", PUBLIC),
    ("GET", "/tile/0/000.p/1", "tiles.TileView", _only()),  # the tiles hold every record: full readers only
    ("GET", "/v1/entries", "entries.Entries", ANY_TOKEN),  # scoped: see test_a_party_lists_only_its_own_records
    ("GET", "/v1/entries?signer=bank-a", "entries.Entries", _only("lender")),
    ("GET", "/v1/entries/{loan_index}", "entries.Entry", _only("lender")),
    ("GET", "/v1/entries/{loan_index}/inclusion-proof?tree_size={size}", "entries.InclusionProof", ANY_TOKEN),
    ("GET", "/v1/parties", "registry.Parties", ANY_TOKEN),
    ("GET", "/v1/parties/bank-a", "registry.PartyView", ANY_TOKEN),
    ("GET", "/v1/keys/{bank_key}", "registry.KeyView", ANY_TOKEN),
    ("GET", "/v1/parks", "programme.parks-list", ANY_TOKEN),
    ("GET", "/v1/parks/tianfu-hq", "programme.parks-detail", ANY_TOKEN),
    ("GET", "/v1/park-statistics", "programme.park-statistics-list", ANY_TOKEN),
    ("GET", "/v1/park-statistics/{stats_key}", "programme.park-statistics-detail", ANY_TOKEN),
    ("GET", "/v1/projects", "programme.projects-list", ANY_TOKEN),
    ("GET", "/v1/projects/p1", "programme.projects-detail", ANY_TOKEN),
    ("GET", "/v1/loans", "programme.loans-list", _only("lender", "other lender")),
    ("GET", "/v1/loans?project_id=p1", "programme.loans-list", _only("lender", "other lender", "park operator")),
    ("GET", "/v1/loans?lender=bank-a", "programme.loans-list", _only("lender")),
    ("GET", "/v1/loans/L1", "programme.loans-detail", _only("lender", "park operator")),
    ("GET", "/v1/verifications", "programme.verifications-list", _only("verifier", "other verifier")),
    ("GET", "/v1/verifications?project_id=p1", "programme.verifications-list", _only("verifier", "other verifier", "park operator")),
    ("GET", "/v1/verifications/v1", "programme.verifications-detail", _only("verifier", "park operator")),
    ("GET", "/v1/programme-targets", "programme.programme-targets-list", ANY_TOKEN),
    ("GET", "/v1/programme-targets/2025", "programme.programme-targets-detail", NOT_FOUND_TO_ANY_TOKEN),
    ("GET", "/v1/park-targets", "programme.park-targets-list", ANY_TOKEN),
    ("GET", "/v1/park-targets/park-1/2025", "programme.park-targets-detail", NOT_FOUND_TO_ANY_TOKEN),
    ("GET", "/v1/park-assessments", "programme.park-assessments-list", ANY_TOKEN),
    ("GET", "/v1/park-assessments/park-1/2025", "programme.park-assessments-detail", NOT_FOUND_TO_ANY_TOKEN),
    ("GET", "/v1/reward-programs", "programme.reward-programs-list", ANY_TOKEN),
    ("GET", "/v1/reward-programs/rp-2025", "programme.reward-programs-detail", ANY_TOKEN),
    ("GET", "/v1/reward-disbursements", "programme.reward-disbursements-list", ANY_TOKEN),
    ("GET", "/v1/reward-disbursements/rd-1", "programme.reward-disbursements-detail", ANY_TOKEN),
    ("GET", "/v1/credit-blocks", "programme.credit-blocks-list", ANY_TOKEN),
    ("GET", "/v1/credit-blocks/1", "programme.credit-blocks-detail", ANY_TOKEN),
    ("GET", "/v1/credit-blocks/next-serial", "programme.NextSerial", ANY_TOKEN),
    ("GET", "/v1/accounts/bank-a/holdings", "programme.Holdings", ANY_TOKEN),
    ("GET", "/v1/reports/summary", "reports.Summary", ANY_TOKEN),
    ("GET", "/v1/reports/programme", "reports.Programme", ANY_TOKEN),
    ("GET", "/v1/reports/projects/p1", "reports.project-report", _only("park operator")),
    ("GET", "/v1/reports/lenders/bank-a", "reports.lender-report", _only("lender")),
    ("GET", "/v1/reports/parks/tianfu-hq", "reports.park-report", ANY_TOKEN),
    ("GET", "/v1/reports/reward-programs/rp-2025", "reports.reward-program-report", ANY_TOKEN),
    # Writes: each principal sends an entry signed by bank-a; only bank-a's own token may carry it.
    ("POST", "/v1/entries", "entries.Entries", {p: 403 for p in EVERY_TOKEN} | {"lender": 201, "anonymous": 401}),
    ("POST", "/v1/entries/batch", "entries.Batch", {p: 403 for p in EVERY_TOKEN} | {"lender": 201, "anonymous": 401}),
]


@pytest.fixture
def prog(client: Any, sign: Any) -> Programme:
    prog = Programme(client, sign)
    prog.setup_verified()
    prog.ok("dept", "park.registered", prog.park("yibin-sanjiang", "op-yibin", name="Yibin Sanjiang New Area"))
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    prog.ok("op-tianfu", "park.statistics.reported", {
        "park": "tianfu-hq", "period_start": "2024-01-01T00:00:00Z", "period_end": "2025-01-01T00:00:00Z",
        "output_value": "90000000.00", "energy_use_tce": "120000.000", "total_emissions": "410000.000", "currency": "CNY",
    })  # fmt: skip
    prog.ok("dept", "reward.program.created", prog.program())
    prog.ok("dept", "reward.disbursed", prog.reward(amount="50000.00"))
    prog.ok("mrv", "credits.issued", {"verification": "v1", "serial_start": 1, "serial_end": 100, "holder": "bank-a"})
    return prog


def _send(client: Any, prog: Programme, method: str, path: str, principal: str, number: int) -> Any:
    headers = {"Authorization": ""} if PRINCIPALS[principal] is None else bearer(token_for(client.application, PRINCIPALS[principal]))
    if method == "GET":
        return client.get(path, headers=headers)
    loan = prog.signed("bank-a", "loan.registered", prog.loan(f"L-{number}-{principal}", principal="10.00"))
    body = loan if path == "/v1/entries" else {"entries": [loan]}
    return client.post(path, json=body, headers=headers)


def test_every_route_answers_every_role_as_the_table_says(client, prog):
    loans = prog.get("/v1/loans?lender=bank-a")["items"]
    values = {
        "loan_index": loans[0]["registered_index"],
        "size": tree_size(client),
        "bank_key": prog.get("/v1/parties/bank-a")["keys"][0]["key_id"],
        "stats_key": prog.get("/v1/park-statistics")["items"][0]["statistics_id"],
    }
    wrong = []
    cells = 0
    for number, (method, template, endpoint, expected) in enumerate(MATRIX):
        path = template.format(**values)
        for principal, status in expected.items():
            response = _send(client, prog, method, path, principal, number)
            cells += 1
            if response.status_code != status:
                wrong.append(f"{method} {path} as {principal}: {response.status_code}, expected {status}")
            elif status >= 400:
                problem = response.get_json()
                if response.content_type != "application/problem+json" or problem["status"] != status:
                    wrong.append(f"{method} {path} as {principal}: not a problem+json {status}")
            response.close()  # a streamed export holds its request context until closed
        assert client.application.url_map.bind("localhost").match(path.partition("?")[0], method=method)[0] == endpoint
    assert not wrong, "\n".join(wrong)
    assert cells == len(MATRIX) * len(PRINCIPALS)


def test_the_matrix_covers_every_route_and_the_access_table_every_endpoint(app):
    # The web pages (ledger/web) guard themselves: a visitor without a principal is sent to sign in (tests/web).
    endpoints = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and rule.endpoint.partition(".")[0] not in SELF_GUARDED_BLUEPRINTS
    }
    assert endpoints <= {endpoint for _, _, endpoint, _ in MATRIX}
    assert endpoints <= set(ACCESS)


def test_a_party_lists_only_its_own_records_and_loans(client, prog):
    as_bank_b = bearer(token_for(client.application, "bank-b"))
    prog.ok("bank-b", "loan.registered", prog.loan("L-B", principal="100.00"))
    records = client.get("/v1/entries?limit=1000", headers=as_bank_b).get_json()["items"]
    assert records and {r["record"]["envelope"]["signer"] for r in records} == {"bank-b"}
    loans = client.get("/v1/loans", headers=as_bank_b).get_json()["items"]
    assert [loan["loan_id"] for loan in loans] == ["L-B"]
    as_operator = bearer(token_for(client.application, "op-tianfu"))
    on_p1 = client.get("/v1/loans?project_id=p1", headers=as_operator).get_json()["items"]
    assert sorted(loan["loan_id"] for loan in on_p1) == ["L-B", "L1"]


def test_a_revoked_or_expired_token_is_refused(client, prog, clock):
    from ledger.services.tokens import issue_token, revoke_token

    runtime = client.application.extensions["ledger"]
    issued = issue_token(runtime, "bank-a", lifetime=timedelta(days=1))
    assert client.get("/v1/loans", headers=bearer(issued.token)).status_code == 200
    revoke_token(runtime, issued.stored.token_id)
    refused = client.get("/v1/loans", headers=bearer(issued.token))
    assert refused.status_code == 401 and refused.get_json()["code"] == "unauthenticated"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")

    short = issue_token(runtime, "bank-a", lifetime=timedelta(hours=1))
    assert client.get("/v1/loans", headers=bearer(short.token)).status_code == 200
    clock.advance(hours=2)
    assert client.get("/v1/loans", headers=bearer(short.token)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer glt_nope", "Bearer glt_0123456789abcdef_wrong", "Basic dXNlcjpwYXNz", "token"])
def test_malformed_or_forged_tokens_are_refused(client, header):
    response = client.get("/v1/log", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["field"] == "Authorization"


def test_a_token_is_stored_only_as_a_hash(app):
    from ledger.services.tokens import issue_token, list_tokens

    runtime = app.extensions["ledger"]
    issued = issue_token(runtime, OPERATOR_ID, lifetime=timedelta(days=1), label="hash check")
    secret = issued.token.removeprefix("glt_").partition("_")[2]  # the id has no "_"; the url-safe secret may
    [stored] = [t for t in list_tokens(runtime) if t.label == "hash check"]
    assert secret.encode() not in stored.secret_hash and len(stored.secret_hash) == 32


@pytest.mark.parametrize(("party", "lifetime", "field"), [("nobody", timedelta(days=1), "party_id"), (OPERATOR_ID, timedelta(0), "lifetime")])
def test_tokens_are_issued_only_to_registered_parties_for_a_sane_time(app, party, lifetime, field):
    from ledger.errors import LedgerError
    from ledger.services.tokens import issue_token, list_tokens

    runtime = app.extensions["ledger"]
    before = list_tokens(runtime)
    with pytest.raises(LedgerError) as raised:
        issue_token(runtime, party, lifetime=lifetime)
    assert raised.value.field == field
    assert list_tokens(runtime) == before
