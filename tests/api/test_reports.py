"""Reconciliation reports through HTTP and the CLI: figures computed by hand, exceptions, signatures,
CSV, and reports as of an earlier tree size."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger.cli import commands
from ledger.verify.report import verify_report
from tests.api.test_submit import VERIFIER_KEY
from tests.helpers import T_2024, T_2025, T_2026, Programme, tree_size


def _stats(start: str, end: str, output: str, emissions: str) -> dict:
    return {"park": "tianfu-hq", "period_start": start, "period_end": end, "output_value": output, "currency": "CNY", "energy_use_tce": "1000.000", "total_emissions": emissions}


@pytest.fixture
def books(client, sign) -> Programme:
    """Project p1 (total investment 10,000,000.00) with two lenders, two verified years, rewards and credits."""
    prog = Programme(client, sign)
    prog.ok("dept", "park.registered", prog.park())  # baseline 500,000 t on 80,000,000,000.00: 0.0625 t per 10,000 yuan
    prog.ok("op-tianfu", "park.statistics.reported", _stats(T_2024, T_2025, "90000000000.00", "405500.000"))
    prog.ok("op-tianfu", "park.statistics.reported", _stats(T_2025, T_2026, "99000000000.00", "380000.000"))
    prog.ok("op-tianfu", "project.registered", prog.project(equity="4000000.00", debt="6000000.00"))
    prog.ok("bank-a", "loan.registered", prog.loan("L-A", principal="3000000.00"))
    prog.ok("bank-b", "loan.registered", prog.loan("L-B", principal="2500000.00"))
    prog.ok("bank-a", "loan.disbursed", prog.movement("L-A", "3000000.00"))
    prog.ok("bank-a", "loan.repaid", prog.movement("L-A", "500000.00"))
    prog.ok("bank-b", "loan.disbursed", prog.movement("L-B", "2500000.00"))
    prog.ok("mrv", "reduction.verified", prog.reduction("v2024", baseline_emissions="10000.000", project_emissions="6500.000", leakage="250.000", reduction="3250.000"))
    prog.ok("mrv", "reduction.verified", prog.reduction("v2025", start=T_2025, end=T_2026, baseline_emissions="9000.000", project_emissions="5000.000", reduction="4000.000"))
    prog.ok("dept", "reward.program.created", prog.program(budget="500000.00", yuan_per_tco2e="40.00"))
    prog.ok("dept", "reward.disbursed", prog.reward("rd-2024", ["v2024"], amount="130000.00"))
    prog.ok("dept", "reward.disbursed", prog.reward("rd-2025", ["v2025"], amount="150000.00"))
    prog.ok("mrv", "credits.issued", {"verification": "v2024", "serial_start": 1, "serial_end": 3250, "holder": "op-tianfu"})
    prog.ok("op-tianfu", "credits.transferred", {"serial_start": 1001, "serial_end": 2000, "to": "bank-a"})
    prog.ok("bank-a", "credits.retired", {"serial_start": 1001, "serial_end": 1500, "beneficiary": "bank-a"})
    return prog


def _report(prog: Programme, path: str, *, size: int | None = None) -> dict:
    signed = prog.get(path)
    body = verify_report(signed, VERIFIER_KEY)  # every report is signed by the checkpoint key
    assert body["tree_size"] == (size or tree_size(prog.client))
    return dict(body)


def test_project_report_by_hand(books):
    report = _report(books, "/v1/reports/projects/p1")
    figures = report["figures"]
    # outstanding ÷ total investment: L-A 2,500,000 / 10,000,000 = 0.25; L-B 2,500,000 / 10,000,000 = 0.25
    # financed = 0.25 × (3,250 + 4,000) = 1,812.5 t each
    assert figures["financing"]["lenders"] == [
        {"lender": "bank-a", "loans": 1, "principal": "3000000.00", "disbursed": "3000000.00", "repaid": "500000.00", "outstanding": "2500000.00", "attribution_factor": "0.250000", "financed_reductions": "1812.500"},
        {"lender": "bank-b", "loans": 1, "principal": "2500000.00", "disbursed": "2500000.00", "repaid": "0.00", "outstanding": "2500000.00", "attribution_factor": "0.250000", "financed_reductions": "1812.500"},
    ]
    assert (figures["financing"]["disbursed"], figures["financing"]["rewards_received"], figures["financing"]["attributed_share"]) == ("5500000.00", "280000.00", "0.500000")
    assert figures["reductions"] == {"verified": "7250.000", "by_vintage": [{"vintage": 2024, "tonnes": "3250.000", "verifications": 1}, {"vintage": 2025, "tonnes": "4000.000", "verifications": 1}]}
    assert figures["credits"] == {"issued": 3250, "active": 2750, "retired": 500, "cancelled": 0}
    assert figures["yuan_financed_per_tco2e"] == "797.24"  # (5,500,000 + 280,000) / 7,250
    assert report["exceptions"] == []


def test_lender_report_by_hand(books):
    figures = _report(books, "/v1/reports/lenders/bank-a")["figures"]
    assert [(line["loan_id"], line["attribution_factor"], line["financed_reductions"]) for line in figures["loans"]] == [("L-A", "0.250000", "1812.500")]
    assert figures["totals"] == {"loans": 1, "principal": "3000000.00", "disbursed": "3000000.00", "outstanding": "2500000.00", "financed_reductions": "1812.500"}
    assert figures["projects"] == [{"project_id": "p1", "verified_reductions": "7250.000", "outstanding": "2500000.00", "attribution_factor": "0.250000", "financed_reductions": "1812.500"}]


def test_park_report_by_hand(books):
    figures = _report(books, "/v1/reports/parks/tianfu-hq")["figures"]
    assert figures["park"]["baseline_intensity"] == "0.062500"
    # 405,500 / 9,000,000 = 0.0450556 (−27.91%); 380,000 / 9,900,000 = 0.0383838 (−38.59%)
    assert [(p["intensity"], p["intensity_change_percent"], p["emissions_change_percent"]) for p in figures["periods"]] == [
        ("0.045056", "-27.91", "-18.90"),
        ("0.038384", "-38.59", "-24.00"),
    ]
    assert figures["projects"] == {
        "count": 1, "total_investment": "10000000.00", "loan_principal": "5500000.00", "disbursed": "5500000.00",
        "outstanding": "5000000.00", "verified_reductions": "7250.000", "rewards_received": "280000.00", "credits_issued": 3250,
    }


def test_reward_programme_report_by_hand(books):
    figures = _report(books, "/v1/reports/reward-programs/rp-2025")["figures"]
    assert (figures["budget"], figures["disbursed"], figures["remaining"], figures["tonnes_paid"]) == ("500000.00", "280000.00", "220000.00", "7250.000")
    assert figures["yuan_per_verified_tco2e"] == "38.62"  # 280,000 / 7,250
    assert [(d["disbursement_id"], d["yuan_per_tco2e"]) for d in figures["disbursements"]] == [("rd-2024", "40.00"), ("rd-2025", "37.50")]


def test_summary_and_its_exceptions(books):
    # a project financed past its investment, a loan with nothing verified for over a year, a missing year
    books.ok("op-tianfu", "project.registered", books.project("p2", equity="100.00", debt="100.00"))
    books.ok("bank-b", "loan.registered", books.loan("L-C", project="p2", principal="300.00", exceeds_investment=True))
    disbursed = books.ok("bank-b", "loan.disbursed", {**books.movement("L-C", "250.00"), "value_date": "2025-06-01T00:00:00Z"})
    books.ok("dept", "park.registered", books.park("yibin-east", operator="op-yibin"))
    stats = {"park": "yibin-east", "output_value": "1.00", "currency": "CNY", "energy_use_tce": "1.000", "total_emissions": "1.000"}
    books.ok("op-yibin", "park.statistics.reported", {**stats, "period_start": "2023-01-01T00:00:00Z", "period_end": T_2024})
    books.ok("op-yibin", "park.statistics.reported", {**stats, "period_start": T_2025, "period_end": T_2026})
    report = _report(books, "/v1/reports/summary")
    exceptions = {(e["code"], e["subject"]): e for e in report["exceptions"]}
    assert set(exceptions) == {
        ("statistics-missing", "park:yibin-east"),
        ("financing-without-verified-reduction", "loan:L-C"),
        ("attribution-over-100-percent", "project:p2"),
        ("loans-beyond-total-investment", "project:p2"),
    }
    assert exceptions[("financing-without-verified-reduction", "loan:L-C")]["indices"][-1] == disbursed
    assert exceptions[("attribution-over-100-percent", "project:p2")]["severity"] == "error"
    assert "125.00%" in exceptions[("attribution-over-100-percent", "project:p2")]["explanation"]  # 250 / 200
    totals = report["figures"]["totals"]
    assert (totals["parks"], totals["projects"], totals["loans"], totals["verified_reductions"]) == (2, 2, 3, "7250.000")
    project = _report(books, "/v1/reports/projects/p2")["figures"]
    assert project["financing"]["attributed_share"] == "1.000000"  # scaled down, never above 100%


def test_a_lowered_reward_rate_shows_rewards_beyond_verified_reductions(books):
    created = books.get("/v1/reward-programs/rp-2025")["created_index"]
    books.ok("dept", "entry.corrected", {"corrects": created, "reason": "rate was 30", "payload": books.program(budget="500000.00", yuan_per_tco2e="30.00")})
    codes = [(e["code"], e["subject"]) for e in _report(books, "/v1/reports/reward-programs/rp-2025")["exceptions"]]
    assert codes == [("reward-beyond-verified-reduction", "reward:rd-2024"), ("reward-beyond-verified-reduction", "reward:rd-2025")]


def test_a_report_as_of_a_tree_size_never_changes_and_equals_the_replay(books):
    size = tree_size(books.client)
    live = books.get(f"/v1/reports/projects/p1?tree_size={size}")
    books.ok("bank-a", "loan.repaid", books.movement("L-A", "1000000.00"))
    books.ok("mrv", "reduction.verified", books.reduction("v2026", start=T_2026, end="2027-01-01T00:00:00Z"))
    replayed = books.get(f"/v1/reports/projects/p1?tree_size={size}")
    assert replayed == live  # recomputed from the first `size` entries alone: the same bytes, the same signature
    now = _report(books, "/v1/reports/projects/p1")
    assert now["tree_size"] == size + 2 and now["figures"]["reductions"]["verified"] == "8450.000"
    early = _report(books, "/v1/reports/projects/p1?tree_size=14", size=14)  # before any verification was recorded
    assert early["figures"]["reductions"]["verified"] == "0.000"


def test_a_tampered_report_fails_verification(books):
    from ledger import errors

    signed = books.get("/v1/reports/lenders/bank-a")
    signed["report"]["figures"]["totals"]["financed_reductions"] = "9999.000"
    with pytest.raises(errors.InvalidSignature):
        verify_report(signed, VERIFIER_KEY)


def test_csv_for_spreadsheets(books):
    response = books.client.get("/v1/reports/projects/p1?format=csv")
    assert response.status_code == 200 and response.content_type == "text/csv; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("# project p1 at tree size")
    assert lines[1] == "lender,loans,principal,disbursed,repaid,outstanding,attribution_factor,financed_reductions"
    assert lines[2] == "bank-a,1,3000000.00,3000000.00,500000.00,2500000.00,0.250000,1812.500"


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/v1/reports/projects/nothing", 404, "unknown-subject"),
        ("/v1/reports/summary?tree_size=0", 422, "invalid-input"),
        ("/v1/reports/summary?tree_size=100000", 400, "tree-size-out-of-range"),
        ("/v1/reports/summary?format=xml", 422, "invalid-input"),
        ("/v1/reports/banks/bank-a", 404, "not-found"),
    ],
)
def test_bad_report_requests_are_problems(books, url, status, code):
    response = books.client.get(url)
    assert response.status_code == status and response.content_type == "application/problem+json"
    assert response.get_json()["code"] == code


def test_reports_from_the_cli(app, books, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "report", "lender", "bank-a"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "report.json"
    path.write_text(result.output)
    verified = CliRunner().invoke(commands, ["verify-report", "--verifier-key", VERIFIER_KEY, str(path)])
    assert verified.exit_code == 0 and verified.output.strip().endswith("OK")
    signed = json.loads(result.output)
    signed["report"]["tree_size"] += 1
    path.write_text(json.dumps(signed))
    refused = CliRunner().invoke(commands, ["verify-report", "--verifier-key", VERIFIER_KEY, str(path)])
    assert refused.exit_code == 1 and "verification failed" in refused.output
    table = runner.invoke(args=["ledger", "report", "park", "tianfu-hq", "--csv"])
    assert table.exit_code == 0 and "period_start,period_end" in table.output
    missing = runner.invoke(args=["ledger", "report", "project"])
    assert missing.exit_code == 1 and "needs a subject" in missing.output
