"""Two years of one park's programme through HTTP, checked against figures computed by hand."""

from __future__ import annotations

from tests.helpers import T_2024, T_2025, T_2026, Programme


def _stats(start: str, end: str, output: str, emissions: str) -> dict:
    return {"park": "tianfu-hq", "period_start": start, "period_end": end, "output_value": output, "currency": "CNY", "energy_use_tce": "1000.000", "total_emissions": emissions}


def test_two_year_lifecycle(client, sign):
    prog = Programme(client, sign)
    # 2024: the park, its figures, a project financed by two banks
    park_index = prog.ok("dept", "park.registered", prog.park())
    stats_2024 = prog.ok("op-tianfu", "park.statistics.reported", _stats(T_2024, T_2025, "90000000.00", "410000.000"))
    prog.ok("op-tianfu", "project.registered", prog.project(equity="4000000.00", debt="6000000.00"))
    prog.ok("bank-a", "loan.registered", prog.loan("L-A", principal="3000000.00"))
    prog.ok("bank-b", "loan.registered", prog.loan("L-B", principal="2500000.00"))
    prog.ok("bank-a", "loan.disbursed", prog.movement("L-A", "2000000.00"))
    prog.ok("bank-b", "loan.disbursed", prog.movement("L-B", "2500000.00"))
    # 10,000 − 6,500 − 250 = 3,250 tCO2e
    prog.ok("mrv", "reduction.verified", prog.reduction("v2024", baseline_emissions="10000.000", project_emissions="6500.000", leakage="250.000", reduction="3250.000"))
    prog.ok("dept", "reward.program.created", prog.program(budget="500000.00", yuan_per_tco2e="40.00"))
    prog.ok("dept", "reward.disbursed", prog.reward("rd-2024", ["v2024"], amount="130000.00"))  # 3,250 × 40
    prog.ok("mrv", "credits.issued", {"verification": "v2024", "serial_start": 1, "serial_end": 3250, "holder": "op-tianfu"})
    prog.ok("op-tianfu", "credits.transferred", {"serial_start": 1001, "serial_end": 2000, "to": "bank-a"})
    prog.ok("bank-a", "credits.retired", {"serial_start": 1001, "serial_end": 1500, "beneficiary": "bank-a 2024 green loan book"})

    # 2025: money moves again, a second verification and reward, and a corrected statistic
    prog.ok("op-tianfu", "park.statistics.reported", _stats(T_2025, T_2026, "99000000.00", "380000.000"))
    prog.ok("bank-a", "loan.repaid", prog.movement("L-A", "500000.00"))
    prog.ok("bank-a", "loan.disbursed", prog.movement("L-A", "1000000.00"))
    prog.ok("mrv", "reduction.verified", prog.reduction("v2025", start=T_2025, end=T_2026, baseline_emissions="9000.000", project_emissions="5000.000", reduction="4000.000"))
    prog.ok("dept", "reward.disbursed", prog.reward("rd-2025", ["v2025"], amount="150000.00"))  # below 4,000 × 40
    prog.ok("op-tianfu", "entry.corrected", {"corrects": stats_2024, "reason": "audited", "payload": _stats(T_2024, T_2025, "90000000.00", "405500.000")})

    loans = {loan["loan_id"]: loan for loan in prog.get("/v1/loans?project_id=p1")["items"]}
    assert (loans["L-A"]["disbursed"], loans["L-A"]["repaid"], loans["L-A"]["outstanding"]) == ("3000000.00", "500000.00", "2500000.00")
    assert (loans["L-B"]["disbursed"], loans["L-B"]["repaid"], loans["L-B"]["outstanding"]) == ("2500000.00", "0.00", "2500000.00")
    project = prog.get("/v1/projects/p1")
    assert (project["loan_principal"], project["total_investment"]) == ("5500000.00", "10000000.00")
    assert [v["reduction"] for v in prog.get("/v1/verifications?project_id=p1")["items"]] == ["3250.000", "4000.000"]

    program = prog.get("/v1/reward-programs/rp-2025")
    assert (program["disbursed"], program["remaining"], program["tonnes_paid"]) == ("280000.00", "220000.00", "7250.000")
    assert [d["disbursement_id"] for d in prog.get("/v1/reward-disbursements?project_id=p1")["items"]] == ["rd-2024", "rd-2025"]

    blocks = [(b["start"], b["end"], b["holder"], b["status"]) for b in prog.get("/v1/credit-blocks")["items"]]
    assert blocks == [
        (1, 1000, "op-tianfu", "active"),
        (1001, 1500, "bank-a", "retired"),
        (1501, 2000, "bank-a", "active"),
        (2001, 3250, "op-tianfu", "active"),
    ]
    assert prog.get("/v1/accounts/op-tianfu/holdings")["holdings"] == [{"vintage": 2024, "status": "active", "quantity": 2250, "blocks": 2}]
    assert prog.get("/v1/accounts/bank-a/holdings")["holdings"] == [
        {"vintage": 2024, "status": "active", "quantity": 500, "blocks": 1},
        {"vintage": 2024, "status": "retired", "quantity": 500, "blocks": 1},
    ]
    assert prog.get("/v1/verifications/v2024")["credits_issued"] == 3250

    emissions = [s["total_emissions"] for s in prog.get("/v1/park-statistics?park_id=tianfu-hq")["items"]]
    assert emissions == ["405500.000", "380000.000"]  # the corrected 2024 figure; the log keeps 410,000
    assert prog.get(f"/v1/entries/{stats_2024}")["record"]["envelope"]["payload"]["total_emissions"] == "410000.000"

    park = prog.get("/v1/parks/tianfu-hq")
    assert (park["operator"], park["registered_index"], park["baseline_emissions"]) == ("op-tianfu", park_index, "500000.000")
