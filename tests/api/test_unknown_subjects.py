"""A report on a subject the log does not know (at the report's tree size) is a 404 `unknown-subject`
problem for every kind, live and as of any tree size, in JSON and CSV alike; reading access is
checked first, so a party that may not read a report never learns whether its subject exists."""

from __future__ import annotations

import pytest

from tests.conftest import bearer, token_for
from tests.helpers import Programme, tree_size

PROBLEM_TYPE = "https://greenledger.example/problems/unknown-subject"

#: (path, subject the programme below registers, unknown subjects of that kind)
KINDS = [
    ("projects", "p1", ["p2", "P1", "p1 ", "tianfu-hq", "bank-a", "p1/x", "%E4%B8%AD"]),
    ("lenders", "bank-a", ["icbc-sichaun", "bank-aa", "mrv", "dept", "op-tianfu", "buyer", "operator", "nope"]),
    ("parks", "tianfu-hq", ["tianfu", "yibin-sanjiang", "p1", "nope"]),
    ("reward-programs", "rp-2025", ["rp-2026", "nope", "p1"]),
]


@pytest.fixture
def prog(client, sign) -> Programme:
    prog = Programme(client, sign)
    prog.setup_verified()
    prog.ok("dept", "reward.program.created", prog.program())
    return prog


def _assert_unknown(response, path: str) -> None:
    assert response.status_code == 404, (path, response.status_code, response.get_data(as_text=True)[:300])
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert (problem["code"], problem["type"], problem["status"], problem["field"]) == ("unknown-subject", PROBLEM_TYPE, 404, "subject"), problem
    assert problem["instance"].startswith("/v1/reports/")


@pytest.mark.parametrize(("path", "known", "unknown"), KINDS, ids=[k[0] for k in KINDS])
def test_an_unknown_subject_is_a_404_for_every_kind_and_format(prog, path, known, unknown):
    assert prog.client.get(f"/v1/reports/{path}/{known}").status_code == 200
    before = tree_size(prog.client)
    for subject in unknown:
        for query in ("", "?format=csv", "?format=json", f"?tree_size={before}", f"?tree_size={before - 1}&format=csv"):
            _assert_unknown(prog.client.get(f"/v1/reports/{path}/{subject}{query}"), f"{path}/{subject}{query}")
    assert tree_size(prog.client) == before


def test_a_party_that_is_no_lender_has_no_lenders_report(prog):
    for party in ("mrv", "dept", "op-tianfu", "operator", "buyer"):
        problem = prog.client.get(f"/v1/reports/lenders/{party}").get_json()
        assert problem["code"] == "unknown-subject" and "no lender" in problem["detail"], problem


@pytest.mark.parametrize(
    ("path", "register"),
    [
        ("projects/p9", lambda p: p.ok("op-tianfu", "project.registered", p.project("p9"))),
        ("lenders/bank-late", lambda p: p.ok("operator", "party.registered", _party("bank-late"))),
        ("parks/late-park", lambda p: p.ok("dept", "park.registered", p.park("late-park"))),
        ("reward-programs/rp-late", lambda p: p.ok("dept", "reward.program.created", p.program("rp-late"))),
    ],
)
def test_a_subject_registered_later_is_unknown_as_of_an_earlier_tree_size(prog, path, register):
    before = tree_size(prog.client)
    _assert_unknown(prog.client.get(f"/v1/reports/{path}"), path)
    register(prog)
    assert prog.client.get(f"/v1/reports/{path}").status_code == 200
    assert prog.client.get(f"/v1/reports/{path}?tree_size={before + 1}").status_code == 200
    _assert_unknown(prog.client.get(f"/v1/reports/{path}?tree_size={before}"), path)
    _assert_unknown(prog.client.get(f"/v1/reports/{path}?tree_size={before}&format=csv"), path)


def _party(party_id: str) -> dict:
    from tests.helpers import party_payload

    return party_payload(party_id, ["lender"])


def test_a_lender_gets_403_for_any_other_lenders_report_whether_it_exists_or_not(prog):
    """Who may read a lender's report is checked before whether it exists: the answer to another
    lender's token is the same 403 for bank-b, which exists, and for a name nobody registered."""
    as_bank_a = bearer(token_for(prog.client.application, "bank-a"))
    for subject in ("bank-b", "nope", "icbc-sichaun", "mrv"):
        for query in ("", "?format=csv", "?tree_size=2"):
            response = prog.client.get(f"/v1/reports/lenders/{subject}{query}", headers=as_bank_a)
            assert response.status_code == 403 and response.get_json()["code"] == "forbidden", (subject, query)
    assert prog.client.get("/v1/reports/lenders/bank-a", headers=as_bank_a).status_code == 200
    # Its own report as of a size before its registration: it may read it, and it is unknown there.
    _assert_unknown(prog.client.get("/v1/reports/lenders/bank-a?tree_size=1", headers=as_bank_a), "own, before")


def test_a_park_operator_gets_403_for_a_project_report_it_may_not_read_whether_it_exists_or_not(prog):
    as_yibin = bearer(token_for(prog.client.application, "op-yibin"))
    for subject in ("p1", "nope"):
        assert prog.client.get(f"/v1/reports/projects/{subject}", headers=as_yibin).status_code == 403
    as_tianfu = bearer(token_for(prog.client.application, "op-tianfu"))
    assert prog.client.get("/v1/reports/projects/p1", headers=as_tianfu).status_code == 200
    assert prog.client.get("/v1/reports/projects/nope", headers=as_tianfu).status_code == 403


def test_aggregate_reports_answer_404_to_any_token(prog):
    """Park and reward-programme reports are public to every participant, so whether one exists is too."""
    for party in ("bank-a", "mrv", "op-yibin"):
        headers = bearer(token_for(prog.client.application, party))
        for path in ("parks/nope", "reward-programs/nope"):
            _assert_unknown(prog.client.get(f"/v1/reports/{path}", headers=headers), path)


def test_the_summary_takes_no_subject_and_stays_signed(prog):
    assert prog.client.get("/v1/reports/summary").status_code == 200
    assert prog.client.get("/v1/reports/summary/nope").status_code == 404


def test_the_openapi_document_names_the_unknown_subject_answer(app):
    paths = app.extensions["ledger_api"].spec.to_dict()["paths"]
    for path, _, _ in KINDS:
        answer = paths[f"/v1/reports/{path}/{{subject}}"]["get"]["responses"]["404"]
        assert "unknown-subject" in answer["description"] and "application/problem+json" in answer["content"]
