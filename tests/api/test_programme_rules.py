"""Every programme rule through HTTP: the violation is refused with its problem and the log unchanged;
its valid twin is accepted."""

from __future__ import annotations

import pytest

from tests.helpers import T_2024, T_2025, T_2026, Programme


@pytest.fixture
def prog(client, sign) -> Programme:
    return Programme(client, sign)


# --- roles and ownership ----------------------------------------------------------------------------


def test_parks_are_registered_by_the_department_or_an_admin(prog):
    prog.refused("bank-a", "park.registered", prog.park(), 403, "role-not-allowed", "envelope.signer")
    prog.ok("dept", "park.registered", prog.park())
    prog.ok("operator", "park.registered", prog.park("yibin-east", operator="op-yibin"))


def test_park_operator_must_hold_the_role(prog):
    prog.refused("dept", "park.registered", prog.park(operator="bank-a"), 422, "party-lacks-role", "envelope.payload.operator")
    prog.refused("dept", "park.registered", prog.park(operator="nobody"), 422, "unknown-reference", "envelope.payload.operator")


def test_only_the_parks_operator_registers_its_projects_and_statistics(prog):
    prog.ok("dept", "park.registered", prog.park())
    prog.refused("op-yibin", "project.registered", prog.project(), 403, "role-not-allowed", "envelope.signer")
    prog.ok("op-tianfu", "project.registered", prog.project())
    stats = {"park": "tianfu-hq", "period_start": T_2024, "period_end": T_2025, "output_value": "9000.00", "currency": "CNY", "energy_use_tce": "100.000", "total_emissions": "400.000"}
    prog.refused("op-yibin", "park.statistics.reported", stats, 403, "role-not-allowed")
    prog.ok("op-tianfu", "park.statistics.reported", stats)


def test_only_the_lender_moves_money_under_its_loan(prog):
    prog.setup_project()
    prog.refused("bank-b", "loan.disbursed", prog.movement("L1", "100.00"), 403, "role-not-allowed", "envelope.signer")
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "100.00"))
    assert prog.get("/v1/loans/L1")["lender"] == "bank-a"


def test_reductions_come_only_from_verifiers(prog):
    prog.setup_project()
    prog.refused("bank-a", "reduction.verified", prog.reduction(), 403, "role-not-allowed")
    prog.refused("op-tianfu", "reduction.verified", prog.reduction(), 403, "role-not-allowed")
    prog.ok("mrv", "reduction.verified", prog.reduction())


def test_rewards_come_only_from_the_department(prog):
    prog.setup_verified()
    prog.refused("bank-a", "reward.program.created", prog.program(), 403, "role-not-allowed")
    prog.ok("dept", "reward.program.created", prog.program())
    prog.refused("mrv", "reward.disbursed", prog.reward(), 403, "role-not-allowed")
    prog.ok("dept", "reward.disbursed", prog.reward())


# --- references and identity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("party", "entry_type", "builder", "field"),
    [
        ("op-tianfu", "project.registered", lambda p: p.project(park="nowhere"), "envelope.payload.park"),
        ("bank-a", "loan.registered", lambda p: p.loan("L2", project="nothing"), "envelope.payload.project"),
        ("bank-a", "loan.disbursed", lambda p: p.movement("L9", "1.00"), "envelope.payload.loan"),
        ("mrv", "reduction.verified", lambda p: p.reduction(project="nothing"), "envelope.payload.project"),
        ("dept", "reward.disbursed", lambda p: p.reward(program="none"), "envelope.payload.program"),
    ],
    ids=["project in unknown park", "loan to unknown project", "disbursal of unknown loan", "reduction of unknown project", "reward from unknown programme"],
)
def test_references_must_exist(prog, party, entry_type, builder, field):
    prog.setup_project()
    prog.refused(party, entry_type, builder(prog), 422, "unknown-reference", field)


@pytest.mark.parametrize(
    ("party", "entry_type", "builder", "field"),
    [
        ("dept", "park.registered", lambda p: p.park(), "envelope.payload.park"),
        ("op-tianfu", "project.registered", lambda p: p.project(), "envelope.payload.project"),
        ("bank-b", "loan.registered", lambda p: p.loan(principal="10.00"), "envelope.payload.loan"),
    ],
    ids=["park", "project", "loan"],
)
def test_ids_are_unique(prog, party, entry_type, builder, field):
    prog.setup_project()
    prog.refused(party, entry_type, builder(prog), 409, "duplicate-id", field)


def test_verification_programme_and_disbursement_ids_are_unique(prog):
    prog.setup_verified()
    prog.ok("mrv", "reduction.verified", prog.reduction("v2", start=T_2025, end=T_2026))
    prog.refused("mrv-2", "reduction.verified", prog.reduction("v1", start="2030-01-01T00:00:00Z", end="2031-01-01T00:00:00Z", vintage=2030), 409, "duplicate-id", "envelope.payload.verification")
    prog.ok("dept", "reward.program.created", prog.program())
    prog.refused("dept", "reward.program.created", prog.program(), 409, "duplicate-id", "envelope.payload.program")
    prog.ok("dept", "reward.disbursed", prog.reward())
    prog.refused("dept", "reward.disbursed", prog.reward(verifications=["v2"]), 409, "duplicate-id", "envelope.payload.disbursement")
    prog.ok("dept", "reward.disbursed", prog.reward("rd-2", verifications=["v2"], amount="40000.00"))


def test_a_project_needs_some_investment(prog):
    prog.ok("dept", "park.registered", prog.park())
    prog.refused("op-tianfu", "project.registered", prog.project(equity="0.00", debt="0.00"), 422, "no-investment", "envelope.payload.debt")
    prog.ok("op-tianfu", "project.registered", prog.project(equity="0.00", debt="0.01"))


# --- loans -----------------------------------------------------------------------------------------


def test_disbursed_never_exceeds_principal(prog):
    prog.setup_project()
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    prog.refused("bank-a", "loan.disbursed", prog.movement("L1", "200.01"), 422, "disbursed-exceeds-principal", "envelope.payload.amount")
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "200.00"))
    loan = prog.get("/v1/loans/L1")
    assert loan["disbursed"] == "500.00" and loan["outstanding"] == "500.00"


def test_repaid_never_exceeds_disbursed(prog):
    prog.setup_project()
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    prog.refused("bank-a", "loan.repaid", prog.movement("L1", "300.01"), 422, "repaid-exceeds-disbursed")
    prog.ok("bank-a", "loan.repaid", prog.movement("L1", "120.00"))
    loan = prog.get("/v1/loans/L1")
    assert (loan["disbursed"], loan["repaid"], loan["outstanding"]) == ("300.00", "120.00", "180.00")


def test_loans_stay_within_total_investment_unless_flagged(prog):
    prog.setup_project()  # total investment 1,000.00; L1 is 500.00
    prog.refused("bank-b", "loan.registered", prog.loan("L2", principal="500.01"), 422, "loans-exceed-investment", "envelope.payload.principal")
    prog.ok("bank-b", "loan.registered", prog.loan("L2", principal="500.00"))
    prog.ok("bank-b", "loan.registered", prog.loan("L3", principal="50.00", exceeds_investment=True))
    assert prog.get("/v1/projects/p1")["loan_principal"] == "1050.00"
    assert prog.get("/v1/loans/L3")["exceeds_investment"] is True


@pytest.mark.parametrize("amount", ["0.00", "-5.00", "1.001", "1e3", 100], ids=["zero", "negative", "three places", "exponent", "number"])
def test_amounts_are_positive_plain_decimal_strings(prog, amount):
    prog.setup_project()
    prog.refused("bank-a", "loan.disbursed", prog.movement("L1", amount), 422, "invalid-input", "envelope.payload.amount")


# --- statistics and reductions -----------------------------------------------------------------------


def test_statistics_periods_never_overlap(prog):
    prog.ok("dept", "park.registered", prog.park())
    base = {"park": "tianfu-hq", "output_value": "9000.00", "currency": "CNY", "energy_use_tce": "100.000", "total_emissions": "400.000"}
    prog.ok("op-tianfu", "park.statistics.reported", {**base, "period_start": T_2024, "period_end": T_2025})
    prog.refused("op-tianfu", "park.statistics.reported", {**base, "period_start": "2024-07-01T00:00:00Z", "period_end": T_2026}, 422, "overlapping-statistics-period")
    prog.ok("op-tianfu", "park.statistics.reported", {**base, "period_start": T_2025, "period_end": T_2026})
    assert len(prog.get("/v1/park-statistics?park_id=tianfu-hq")["items"]) == 2


def test_reduction_periods_of_one_project_never_overlap(prog):
    prog.setup_verified()  # v1 covers 2024
    prog.refused("mrv-2", "reduction.verified", prog.reduction("v2", start="2024-12-01T00:00:00Z", end=T_2026, vintage=2025), 422, "overlapping-monitoring-period")
    prog.ok("mrv-2", "reduction.verified", prog.reduction("v2", start=T_2025, end=T_2026))


def test_reduction_is_baseline_minus_project_minus_leakage(prog):
    prog.setup_project()
    prog.refused("mrv", "reduction.verified", prog.reduction(reduction="1199.999"), 422, "reduction-arithmetic", "envelope.payload.reduction")
    prog.refused("mrv", "reduction.verified", prog.reduction(leakage="10.000"), 422, "reduction-arithmetic")
    prog.ok("mrv", "reduction.verified", prog.reduction(leakage="10.000", reduction="1190.000"))
    assert prog.get("/v1/verifications/v1")["leakage"] == "10.000"


def test_vintage_lies_within_the_monitoring_period(prog):
    prog.setup_project()
    prog.refused("mrv", "reduction.verified", prog.reduction(vintage=2025), 422, "vintage-outside-period", "envelope.payload.vintage")
    prog.ok("mrv", "reduction.verified", prog.reduction(vintage=2024))


def test_empty_periods_are_refused(prog):
    prog.setup_project()
    prog.refused("mrv", "reduction.verified", prog.reduction(start=T_2025, end=T_2025), 422, "empty-period", "envelope.payload.period_end")


# --- credits -----------------------------------------------------------------------------------------


def _issue(start: int, end: int, holder: str = "bank-a", verification: str = "v1") -> dict:
    return {"verification": verification, "serial_start": start, "serial_end": end, "holder": holder}


def test_credits_never_exceed_the_verified_tonnes(prog):
    prog.setup_verified()  # 1,200 tCO2e
    prog.ok("mrv", "credits.issued", _issue(1, 1000))
    prog.refused("mrv", "credits.issued", _issue(1001, 1201), 422, "credits-exceed-reduction")
    prog.ok("mrv", "credits.issued", _issue(1001, 1200))
    assert prog.get("/v1/verifications/v1")["credits_issued"] == 1200


def test_only_the_verifier_or_an_admin_issues_credits(prog):
    prog.setup_verified()
    prog.refused("mrv-2", "credits.issued", _issue(1, 10), 403, "role-not-allowed", "envelope.signer")
    prog.ok("operator", "credits.issued", _issue(1, 10))


@pytest.mark.parametrize(("start", "end"), [(50, 60), (1, 10), (100, 120), (10, 100), (1, 200)], ids=["inside", "left edge", "right edge", "exact", "around"])
def test_serial_blocks_never_overlap(prog, start, end):
    prog.setup_verified()
    prog.ok("mrv", "credits.issued", _issue(10, 100))
    prog.refused("mrv", "credits.issued", _issue(start, end), 422, "overlapping-serials")


def test_adjacent_blocks_are_fine(prog):
    prog.setup_verified()
    prog.ok("mrv", "credits.issued", _issue(10, 100))
    prog.ok("mrv", "credits.issued", _issue(101, 110))
    prog.ok("mrv", "credits.issued", _issue(1, 9))


def test_only_the_holder_transfers_and_a_partial_transfer_splits_the_block(prog):
    prog.setup_verified()
    prog.ok("mrv", "credits.issued", _issue(1, 100, holder="bank-a"))
    prog.refused("bank-b", "credits.transferred", {"serial_start": 1, "serial_end": 10, "to": "bank-b"}, 403, "role-not-allowed", "envelope.signer")
    prog.ok("bank-a", "credits.transferred", {"serial_start": 41, "serial_end": 60, "to": "buyer"})
    blocks = prog.get("/v1/credit-blocks")["items"]
    assert [(b["start"], b["end"], b["holder"], b["quantity"]) for b in blocks] == [(1, 40, "bank-a", 40), (41, 60, "buyer", 20), (61, 100, "bank-a", 40)]
    holdings = prog.get("/v1/accounts/buyer/holdings")
    assert holdings["holdings"] == [{"vintage": 2024, "status": "active", "quantity": 20, "blocks": 1}]


def test_a_range_must_lie_within_one_issued_block(prog):
    prog.setup_verified()
    prog.ok("mrv", "credits.issued", _issue(1, 10))
    prog.ok("mrv", "credits.issued", _issue(11, 20))
    prog.refused("bank-a", "credits.transferred", {"serial_start": 5, "serial_end": 15, "to": "buyer"}, 422, "range-spans-blocks")
    prog.refused("bank-a", "credits.transferred", {"serial_start": 30, "serial_end": 31, "to": "buyer"}, 422, "unknown-reference")


def test_retired_credits_never_move_again(prog):
    prog.setup_verified()
    prog.ok("mrv", "credits.issued", _issue(1, 100, holder="buyer"))
    prog.ok("buyer", "credits.retired", {"serial_start": 1, "serial_end": 30, "beneficiary": "Chengdu Metro Line 19 passengers"})
    prog.refused("buyer", "credits.transferred", {"serial_start": 1, "serial_end": 10, "to": "bank-a"}, 422, "credits-already-retired")
    prog.refused("buyer", "credits.retired", {"serial_start": 20, "serial_end": 30, "beneficiary": "again"}, 422, "credits-already-retired")
    prog.ok("buyer", "credits.transferred", {"serial_start": 31, "serial_end": 40, "to": "bank-a"})
    retired = prog.get("/v1/credit-blocks/1")
    assert retired["status"] == "retired" and retired["beneficiary"].startswith("Chengdu Metro")


def test_cancelled_credits_never_move_again(prog):
    prog.setup_verified()
    prog.ok("mrv", "credits.issued", _issue(1, 100))
    prog.refused("bank-a", "credits.cancelled", {"serial_start": 1, "serial_end": 10, "reason": "x"}, 403, "role-not-allowed")
    prog.ok("mrv", "credits.cancelled", {"serial_start": 1, "serial_end": 10, "reason": "double counted"})
    prog.refused("bank-a", "credits.transferred", {"serial_start": 5, "serial_end": 6, "to": "buyer"}, 422, "credits-already-cancelled")


def test_serial_end_before_start_is_invalid(prog):
    prog.setup_verified()
    prog.refused("mrv", "credits.issued", _issue(10, 9), 422, "invalid-input", "envelope.payload.serial_end")


# --- rewards -----------------------------------------------------------------------------------------


def test_rewards_pay_only_for_verified_reductions_not_paid_before(prog):
    prog.setup_verified()
    prog.ok("dept", "reward.program.created", prog.program())
    prog.refused("dept", "reward.disbursed", prog.reward(verifications=["v9"]), 422, "unknown-reference", "envelope.payload.verifications.0")
    prog.ok("dept", "reward.disbursed", prog.reward())
    prog.refused("dept", "reward.disbursed", prog.reward("rd-2", amount="10.00"), 422, "reduction-already-rewarded", "envelope.payload.verifications.0")
    assert prog.get("/v1/verifications/v1")["rewarded_by"] == "rd-1"


def test_rewards_never_exceed_the_rate_times_the_tonnes(prog):
    prog.setup_verified()  # 1,200 t at 50.00 = 60,000.00
    prog.ok("dept", "reward.program.created", prog.program())
    prog.refused("dept", "reward.disbursed", prog.reward(amount="60000.01"), 422, "reward-exceeds-reductions", "envelope.payload.amount")
    prog.ok("dept", "reward.disbursed", prog.reward(amount="60000.00"))


def test_rewards_never_exceed_the_budget(prog):
    prog.setup_verified()
    prog.ok("dept", "reward.program.created", prog.program(budget="50000.00"))
    prog.refused("dept", "reward.disbursed", prog.reward(amount="50000.01"), 422, "reward-exceeds-budget")
    prog.ok("dept", "reward.disbursed", prog.reward(amount="50000.00"))
    program = prog.get("/v1/reward-programs/rp-2025")
    assert (program["disbursed"], program["remaining"], program["tonnes_paid"]) == ("50000.00", "0.00", "1200.000")


def test_rewards_respect_the_cap_per_project(prog):
    prog.setup_verified()
    prog.ok("mrv", "reduction.verified", prog.reduction("v2", start=T_2025, end=T_2026))
    prog.ok("dept", "reward.program.created", prog.program(cap_per_project="70000.00"))
    prog.ok("dept", "reward.disbursed", prog.reward(amount="60000.00"))
    prog.refused("dept", "reward.disbursed", prog.reward("rd-2", verifications=["v2"], amount="10000.01"), 422, "reward-exceeds-project-cap")
    prog.ok("dept", "reward.disbursed", prog.reward("rd-2", verifications=["v2"], amount="10000.00"))


def test_rewards_pay_a_project_only_for_its_own_reductions(prog):
    prog.setup_verified()
    prog.ok("op-tianfu", "project.registered", prog.project("p2"))
    prog.ok("dept", "reward.program.created", prog.program())
    prog.refused("dept", "reward.disbursed", prog.reward(project="p2"), 422, "reward-for-other-project")


# --- corrections ---------------------------------------------------------------------------------------


def test_a_correction_changes_the_projection_and_the_log_keeps_both(prog):
    prog.setup_project()
    original = prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    correction = prog.ok("bank-a", "entry.corrected", {"corrects": original, "reason": "typo: 30 not 300", "payload": prog.movement("L1", "30.00")})
    loan = prog.get("/v1/loans/L1")
    assert loan["disbursed"] == "30.00" and loan["last_index"] == correction
    assert prog.get(f"/v1/entries/{original}")["record"]["envelope"]["payload"]["amount"] == "300.00"
    # a second correction of the same entry replaces the first
    prog.ok("operator", "entry.corrected", {"corrects": original, "reason": "bank statement", "payload": prog.movement("L1", "35.00")})
    assert prog.get("/v1/loans/L1")["disbursed"] == "35.00"


def test_a_correction_still_obeys_the_rules(prog):
    prog.setup_project()
    original = prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    prog.refused("bank-a", "entry.corrected", {"corrects": original, "reason": "r", "payload": prog.movement("L1", "500.01")}, 422, "disbursed-exceeds-principal")
    prog.refused("bank-a", "entry.corrected", {"corrects": original, "reason": "r", "payload": prog.movement("L2", "5.00")}, 422, "correction-changes-identity")
    prog.refused("bank-a", "entry.corrected", {"corrects": original, "reason": "r", "payload": {"loan": "L1"}}, 422, "invalid-input", "envelope.payload.payload.amount")


def test_only_the_original_signer_or_an_admin_corrects(prog):
    prog.setup_project()
    original = prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    prog.refused("bank-b", "entry.corrected", {"corrects": original, "reason": "r", "payload": prog.movement("L1", "1.00")}, 403, "role-not-allowed")


def test_corrections_name_an_existing_correctable_entry(prog):
    prog.setup_verified()
    issued = prog.ok("mrv", "credits.issued", _issue(1, 10))
    prog.refused("mrv", "entry.corrected", {"corrects": 9999, "reason": "r", "payload": {}}, 422, "unknown-reference", "envelope.payload.corrects")
    prog.refused("mrv", "entry.corrected", {"corrects": issued, "reason": "r", "payload": _issue(1, 5)}, 422, "entry-not-correctable")


def test_corrected_park_statistics_and_project(prog):
    prog.setup_project()
    stats = {"park": "tianfu-hq", "period_start": T_2024, "period_end": T_2025, "output_value": "9000.00", "currency": "CNY", "energy_use_tce": "100.000", "total_emissions": "400.000"}
    index = prog.ok("op-tianfu", "park.statistics.reported", stats)
    prog.ok("op-tianfu", "entry.corrected", {"corrects": index, "reason": "audited figure", "payload": {**stats, "total_emissions": "410.500"}})
    (row,) = prog.get("/v1/park-statistics?park_id=tianfu-hq")["items"]
    assert row["total_emissions"] == "410.500" and row["reported_index"] == index
    project_index = prog.get("/v1/projects/p1")["registered_index"]
    # shrinking total investment below the loans is refused, unless a loan carries the flag
    prog.refused("op-tianfu", "entry.corrected", {"corrects": project_index, "reason": "r", "payload": prog.project(equity="50.00")}, 422, "loans-exceed-investment")
    prog.ok("op-tianfu", "entry.corrected", {"corrects": project_index, "reason": "r", "payload": prog.project(equity="700.00")})
    assert prog.get("/v1/projects/p1")["total_investment"] == "1100.00"


def test_a_rewarded_reduction_keeps_its_tonnes(prog):
    prog.setup_verified()
    verified = prog.get("/v1/verifications/v1")["verified_index"]
    prog.ok("dept", "reward.program.created", prog.program())
    prog.ok("dept", "reward.disbursed", prog.reward())
    fixed = prog.reduction(project_emissions="400.000", reduction="1100.000")
    prog.refused("mrv", "entry.corrected", {"corrects": verified, "reason": "r", "payload": fixed}, 422, "rewarded-reduction-fixed")
