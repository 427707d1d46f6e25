"""The rules of targets, assessments and park-success rewards through HTTP: each violation refused with
its problem and the log unchanged, beside its accepted twin.

The park's figures, worked by hand: baseline 500,000 tCO2e on 80,000,000,000.00 yuan, an intensity of
0.0625 tCO2e per 10,000 yuan. 2025 in two halves comes to 90,000,000,000.00 yuan and 425,000 tCO2e:
an intensity of 0.047222 (425,000 / 9,000,000), 24.44 % below the baseline; green output
36,000,000,000.00; coal 98,000 tce; clean energy 130,000 of 310,000 tce, 41.94 %.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Programme, party_key, party_payload

H1 = {
    "park": "tianfu-hq", "period_start": "2025-01-01T00:00:00Z", "period_end": "2025-07-01T00:00:00Z",
    "output_value": "44000000000.00", "currency": "CNY", "energy_use_tce": "150000.000", "total_emissions": "210000.000",
    "green_output_value": "17000000000.00", "coal_consumption_tce": "50000.000", "clean_energy_tce": "60000.000",
}  # fmt: skip
H2 = {
    **H1, "period_start": "2025-07-01T00:00:00Z", "period_end": "2026-01-01T00:00:00Z",
    "output_value": "46000000000.00", "energy_use_tce": "160000.000", "total_emissions": "215000.000",
    "green_output_value": "19000000000.00", "coal_consumption_tce": "48000.000", "clean_energy_tce": "70000.000",
}  # fmt: skip
FIGURES = {
    "output_value": "90000000000.00",
    "green_output_value": "36000000000.00",
    "total_emissions": "425000.000",
    "intensity": "0.047222",
    "intensity_reduction_percent": "24.44",
    "coal_consumption_tce": "98000.000",
    "clean_energy_share_percent": "41.94",
}
REPORT = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="


def targets(**overrides: Any) -> dict[str, Any]:
    return {
        "park": "tianfu-hq",
        "target_year": 2025,
        "intensity_reduction_percent": "20.00",
        "emissions_cap": "450000.000",
        "coal_cap_tce": "100000.000",
        "min_clean_energy_share_percent": "40.00",
        "decided_at": "2022-06-30T00:00:00Z",
        **overrides,
    }


def programme_targets(**overrides: Any) -> dict[str, Any]:
    return {
        "target_year": 2025,
        "output_value": "500000000000.00",
        "green_output_value": "200000000000.00",
        "currency": "CNY",
        "decided_at": "2022-06-30T00:00:00Z",
        **overrides,
    }


class Targets(Programme):
    def __init__(self, client: Any, sign: Any) -> None:
        super().__init__(client, sign)
        self.keys["expert"] = party_key("expert")
        self.ok("operator", "party.registered", party_payload("expert", ["assessor"], self.keys["expert"]))
        self.statistics: list[int] = []

    def setup_year(self, *, with_targets: bool = True) -> None:
        """Park tianfu-hq, both halves of its 2025 and (unless not wanted) its 2025 targets."""
        self.ok("dept", "park.registered", self.park())
        self.statistics = [self.ok("op-tianfu", "park.statistics.reported", H1), self.ok("op-tianfu", "park.statistics.reported", H2)]
        if with_targets:
            self.ok("dept", "park.targets.set", targets())

    def assessment(self, **overrides: Any) -> dict[str, Any]:
        return {
            "assessment": "tianfu-hq/2025", "park": "tianfu-hq", "target_year": 2025, "statistics": self.statistics,
            "outcome": "successful", **FIGURES, "report_sha256": REPORT, **overrides,
        }  # fmt: skip

    def park_program(self, **overrides: Any) -> dict[str, Any]:
        return {
            "program": "ps-2025", "name": "Park success 2025", "budget": "10000000.00", "currency": "CNY",
            "kind": "park-success", "target_year": 2025, "award_per_park": "5000000.00", **overrides,
        }  # fmt: skip

    def park_reward(self, **overrides: Any) -> dict[str, Any]:
        return {
            "disbursement": "ps-2025/tianfu-hq", "program": "ps-2025", "park": "tianfu-hq", "assessment": "tianfu-hq/2025",
            "amount": "5000000.00", "currency": "CNY", **overrides,
        }  # fmt: skip


@pytest.fixture
def prog(client, sign) -> Targets:
    return Targets(client, sign)


# --- targets -----------------------------------------------------------------------------------------


def test_targets_are_set_by_the_department(prog):
    prog.setup_year(with_targets=False)
    prog.refused("expert", "park.targets.set", targets(), 403, "role-not-allowed", "envelope.signer")
    prog.refused("op-tianfu", "programme.targets.set", programme_targets(), 403, "role-not-allowed", "envelope.signer")
    prog.ok("dept", "park.targets.set", targets())
    prog.ok("dept", "programme.targets.set", programme_targets())
    assert prog.get("/v1/park-targets/tianfu-hq/2025")["coal_cap_tce"] == "100000.000"
    assert prog.get("/v1/programme-targets/2025")["green_output_value"] == "200000000000.00"


def test_targets_are_decided_in_or_before_their_year_and_not_after_signing(prog):
    prog.setup_year(with_targets=False)
    prog.refused("dept", "park.targets.set", targets(decided_at="2026-01-01T00:00:00Z"), 422, "targets-decided-after-target-year", "envelope.payload.decided_at")
    prog.refused("dept", "park.targets.set", targets(target_year=2030, decided_at="2029-12-31T00:00:00Z"), 422, "targets-decided-after-signing", "envelope.payload.decided_at")
    prog.ok("dept", "park.targets.set", targets(decided_at="2025-12-31T23:59:59Z"))
    prog.refused("dept", "programme.targets.set", programme_targets(decided_at="2026-01-01T00:00:00Z"), 422, "targets-decided-after-target-year")
    prog.ok("dept", "programme.targets.set", programme_targets())


def test_a_year_that_is_over_keeps_its_targets_and_an_open_year_takes_new_ones(prog):
    prog.setup_year()  # 2025 is over: its targets were recorded after the year, once
    prog.refused("dept", "park.targets.set", targets(intensity_reduction_percent="10.00"), 422, "targets-after-target-year", "envelope.payload.target_year")
    first = prog.ok("dept", "park.targets.set", targets(target_year=2030))
    replaced = prog.ok("dept", "park.targets.set", targets(target_year=2030, intensity_reduction_percent="30.00"))
    line = prog.get("/v1/park-targets/tianfu-hq/2030")
    assert (line["first_set_index"], line["set_index"], line["intensity_reduction_percent"]) == (first, replaced, "30.00")
    prog.ok("dept", "programme.targets.set", programme_targets())
    prog.refused("dept", "programme.targets.set", programme_targets(output_value="400000000000.00"), 422, "targets-after-target-year")


def test_park_targets_come_after_the_baseline_and_percentages_stay_in_range(prog):
    prog.setup_year(with_targets=False)
    prog.refused("dept", "park.targets.set", targets(target_year=2020, decided_at="2020-01-01T00:00:00Z"), 422, "target-year-not-after-baseline", "envelope.payload.target_year")
    prog.refused("dept", "park.targets.set", targets(min_clean_energy_share_percent="100.01"), 422, "invalid-input", "envelope.payload.min_clean_energy_share_percent")
    prog.refused("dept", "park.targets.set", targets(park="nowhere"), 422, "unknown-reference", "envelope.payload.park")
    prog.ok("dept", "park.targets.set", targets(min_clean_energy_share_percent="100.00"))


def test_green_output_is_part_of_the_output_and_clean_energy_of_the_energy_use(prog):
    prog.ok("dept", "park.registered", prog.park())
    prog.refused("dept", "programme.targets.set", programme_targets(green_output_value="500000000000.01"), 422, "green-output-above-output", "envelope.payload.green_output_value")
    prog.refused("op-tianfu", "park.statistics.reported", {**H1, "green_output_value": "44000000000.01"}, 422, "green-output-above-output", "envelope.payload.green_output_value")
    prog.refused("op-tianfu", "park.statistics.reported", {**H1, "clean_energy_tce": "150000.001"}, 422, "clean-energy-above-energy-use", "envelope.payload.clean_energy_tce")
    prog.ok("op-tianfu", "park.statistics.reported", {**H1, "green_output_value": "44000000000.00", "clean_energy_tce": "150000.000"})


def test_statistics_without_the_new_figures_stay_valid(prog):
    prog.ok("dept", "park.registered", prog.park())
    old = {k: v for k, v in H1.items() if k not in ("green_output_value", "coal_consumption_tce", "clean_energy_tce")}
    index = prog.ok("op-tianfu", "park.statistics.reported", old)
    (line,) = prog.get("/v1/park-statistics?park_id=tianfu-hq")["items"]
    assert line["reported_index"] == index and line["green_output_value"] is None and line["coal_consumption_tce"] is None


# --- assessments -------------------------------------------------------------------------------------


def test_an_assessment_with_the_figures_and_outcome_the_statistics_give_is_accepted(prog):
    prog.setup_year()
    prog.refused("op-tianfu", "park.assessed", prog.assessment(), 403, "role-not-allowed", "envelope.signer")
    index = prog.ok("expert", "park.assessed", prog.assessment())
    stored = prog.get("/v1/park-assessments/tianfu-hq/2025")
    assert stored["outcome"] == "successful" and stored["missed"] == [] and stored["assessed_index"] == index
    assert stored["statistics_indices"] == prog.statistics and stored["assessor"] == "expert"
    assert {name: stored[name] for name in FIGURES} == FIGURES


def test_the_department_may_assess_too(prog):
    prog.setup_year()
    prog.ok("dept", "park.assessed", prog.assessment())


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("output_value", "90000000000.01"),
        ("intensity", "0.047223"),
        ("intensity_reduction_percent", "24.45"),
        ("clean_energy_share_percent", "41.93"),
        ("green_output_value", None),
        ("coal_consumption_tce", "97000.000"),
    ],
)
def test_an_assessor_cannot_state_other_figures_than_the_statistics_give(prog, name, wrong):
    prog.setup_year()
    body = prog.refused("expert", "park.assessed", prog.assessment(**{name: wrong}), 422, "assessment-figures-mismatch", f"envelope.payload.{name}")
    assert FIGURES[name] in body["detail"]


def test_an_assessor_cannot_call_a_park_successful_that_missed_a_target(prog):
    prog.ok("dept", "park.registered", prog.park())
    prog.statistics = [prog.ok("op-tianfu", "park.statistics.reported", H1), prog.ok("op-tianfu", "park.statistics.reported", H2)]
    prog.ok("dept", "park.targets.set", targets(coal_cap_tce="90000.000"))  # 98,000 tce were burnt
    body = prog.refused("expert", "park.assessed", prog.assessment(), 422, "assessment-outcome-mismatch", "envelope.payload.outcome")
    assert "coal-cap" in body["detail"]
    prog.ok("expert", "park.assessed", prog.assessment(outcome="not-successful"))
    assert prog.get("/v1/park-assessments/tianfu-hq/2025")["missed"] == ["coal-cap"]


def test_nor_unsuccessful_one_that_met_them(prog):
    prog.setup_year()
    prog.refused("expert", "park.assessed", prog.assessment(outcome="not-successful"), 422, "assessment-outcome-mismatch", "envelope.payload.outcome")


def test_the_statistics_must_cover_the_calendar_year_without_gaps(prog):
    prog.setup_year()
    prog.refused("expert", "park.assessed", prog.assessment(statistics=prog.statistics[:1]), 422, "statistics-do-not-cover-year", "envelope.payload.statistics")
    prog.refused("expert", "park.assessed", prog.assessment(statistics=[prog.statistics[0], 1]), 422, "unknown-reference", "envelope.payload.statistics.1")
    prog.refused("expert", "park.assessed", prog.assessment(statistics=[prog.statistics[0]] * 2), 422, "invalid-input", "envelope.payload.statistics")
    prog.ok("expert", "park.assessed", prog.assessment(statistics=list(reversed(prog.statistics))))


def test_a_year_is_judged_after_it_ends_and_against_targets(prog):
    prog.setup_year(with_targets=False)
    prog.refused("expert", "park.assessed", prog.assessment(), 422, "no-targets-for-year", "envelope.payload.target_year")
    prog.ok("dept", "park.targets.set", targets(target_year=2030))
    prog.refused("expert", "park.assessed", prog.assessment(target_year=2030), 422, "assessment-before-year-end", "envelope.payload.target_year")
    prog.ok("dept", "park.targets.set", targets())
    prog.ok("expert", "park.assessed", prog.assessment())


def test_one_assessment_per_park_and_year_and_then_targets_stay(prog):
    prog.setup_year()
    prog.ok("expert", "park.assessed", prog.assessment())
    prog.refused("dept", "park.assessed", prog.assessment(assessment="tianfu-hq/2025-b"), 422, "park-already-assessed", "envelope.payload.target_year")
    prog.refused("dept", "park.assessed", prog.assessment(), 409, "duplicate-id", "envelope.payload.assessment")


def test_an_assessment_is_corrected_only_to_what_the_log_gives_and_its_statistics_stay(prog):
    prog.setup_year()
    assessed = prog.ok("expert", "park.assessed", prog.assessment())
    correction = {"corrects": assessed, "reason": "the report's fingerprint was of a draft"}
    prog.refused("expert", "entry.corrected", {**correction, "payload": prog.assessment(outcome="not-successful")}, 422, "assessment-outcome-mismatch", "envelope.payload.payload.outcome")
    prog.ok("expert", "entry.corrected", {**correction, "payload": prog.assessment(report_sha256="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")})
    stored = prog.get("/v1/park-assessments/tianfu-hq/2025")
    assert stored["report_sha256"] == "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" and stored["assessed_index"] == assessed
    # The statistics it rests on can no longer change under it.
    prog.refused("op-tianfu", "entry.corrected", {"corrects": prog.statistics[0], "reason": "typo", "payload": {**H1, "total_emissions": "1.000"}}, 422, "statistics-assessed", "envelope.payload.corrects")


# --- park-success rewards ------------------------------------------------------------------------------


def test_a_park_success_programme_states_its_year_and_award_and_no_rate(prog):
    prog.refused("dept", "reward.program.created", prog.park_program(award_per_park=None), 422, "invalid-input", "envelope.payload.award_per_park")
    prog.refused("dept", "reward.program.created", prog.park_program(yuan_per_tco2e="30.00"), 422, "invalid-input", "envelope.payload.yuan_per_tco2e")
    prog.refused("dept", "reward.program.created", prog.program(yuan_per_tco2e=None), 422, "invalid-input", "envelope.payload.yuan_per_tco2e")
    prog.refused("dept", "reward.program.created", prog.program(target_year=2025), 422, "invalid-input", "envelope.payload.target_year")
    prog.ok("dept", "reward.program.created", prog.park_program())
    assert prog.get("/v1/reward-programs/ps-2025")["kind"] == "park-success"


def test_a_park_reward_pays_a_successful_park_once_within_its_award_and_the_budget(prog):
    prog.setup_year()
    prog.ok("expert", "park.assessed", prog.assessment())
    prog.ok("dept", "reward.program.created", prog.park_program(budget="7000000.00"))
    prog.refused("dept", "reward.disbursed", prog.park_reward(amount="5000000.01"), 422, "reward-exceeds-park-award", "envelope.payload.amount")
    prog.refused("dept", "reward.disbursed", prog.park_reward(project="p1", verifications=["v1"]), 422, "invalid-input", "envelope.payload.project")
    prog.refused("dept", "reward.disbursed", prog.park_reward(assessment=None), 422, "invalid-input", "envelope.payload.assessment")
    prog.refused("dept", "reward.disbursed", prog.park_reward(assessment="nothing"), 422, "unknown-reference", "envelope.payload.assessment")
    prog.ok("dept", "reward.disbursed", prog.park_reward(amount="4000000.00"))
    prog.refused("dept", "reward.disbursed", prog.park_reward(disbursement="ps-2025/again", amount="1000000.00"), 422, "park-already-rewarded", "envelope.payload.park")
    assert prog.get("/v1/reward-programs/ps-2025")["disbursed"] == "4000000.00"
    (paid,) = prog.get("/v1/reward-disbursements?park_id=tianfu-hq")["items"]
    assert (paid["project_id"], paid["assessment_id"], paid["tonnes"]) == (None, "tianfu-hq/2025", "0.000")


def test_the_budget_limits_park_rewards(prog):
    prog.setup_year()
    prog.ok("expert", "park.assessed", prog.assessment())
    prog.ok("dept", "reward.program.created", prog.park_program(budget="3000000.00"))
    prog.refused("dept", "reward.disbursed", prog.park_reward(), 422, "reward-exceeds-budget", "envelope.payload.amount")
    prog.ok("dept", "reward.disbursed", prog.park_reward(amount="3000000.00"))


def test_a_park_reward_needs_a_successful_assessment_of_that_park_and_year(prog):
    prog.setup_year()
    prog.ok("dept", "park.registered", prog.park("yibin-east", operator="op-yibin"))
    prog.ok("dept", "reward.program.created", prog.park_program())
    prog.ok("dept", "reward.program.created", prog.park_program(program="ps-2024", target_year=2024))
    prog.ok("dept", "park.targets.set", targets(target_year=2030))
    prog.ok("expert", "park.assessed", prog.assessment())
    prog.refused("dept", "reward.disbursed", prog.park_reward(park="yibin-east"), 422, "reward-for-other-park", "envelope.payload.assessment")
    prog.refused("dept", "reward.disbursed", prog.park_reward(program="ps-2024"), 422, "assessment-of-other-year", "envelope.payload.assessment")
    prog.ok("dept", "reward.disbursed", prog.park_reward())


def test_a_park_found_not_successful_is_not_rewarded_and_a_paid_success_stays(prog):
    prog.ok("dept", "park.registered", prog.park())
    prog.statistics = [prog.ok("op-tianfu", "park.statistics.reported", H1), prog.ok("op-tianfu", "park.statistics.reported", H2)]
    prog.ok("dept", "park.targets.set", targets(intensity_reduction_percent="25.00"))
    prog.ok("expert", "park.assessed", prog.assessment(outcome="not-successful"))
    prog.ok("dept", "reward.program.created", prog.park_program())
    prog.refused("dept", "reward.disbursed", prog.park_reward(), 422, "park-not-successful", "envelope.payload.assessment")


def test_a_per_tonne_programme_pays_as_before(prog):
    prog.setup_verified()
    prog.ok("dept", "reward.program.created", prog.program())
    prog.refused("dept", "reward.disbursed", prog.reward(park="tianfu-hq"), 422, "invalid-input", "envelope.payload.park")
    prog.ok("dept", "reward.disbursed", prog.reward())
    assert prog.get("/v1/reward-programs/rp-2025")["kind"] == "per-tonne"


def test_a_parks_baseline_stays_once_targets_rest_on_it(prog):
    registered = prog.ok("dept", "park.registered", prog.park())
    prog.ok("dept", "park.targets.set", targets())
    moved = {"corrects": registered, "reason": "re-based", "payload": prog.park(baseline_emissions="300000.000")}
    prog.refused("dept", "entry.corrected", moved, 422, "park-baseline-in-use", "envelope.payload.payload.baseline_emissions")
    prog.ok("dept", "entry.corrected", {"corrects": registered, "reason": "official name", "payload": prog.park(name="Tianfu HQ District")})


def test_a_park_awards_floor_is_what_a_park_was_paid(prog):
    prog.setup_year()
    prog.ok("expert", "park.assessed", prog.assessment())
    created = prog.ok("dept", "reward.program.created", prog.park_program())
    prog.ok("dept", "reward.disbursed", prog.park_reward(amount="4000000.00"))
    lowered = {"corrects": created, "reason": "award cut", "payload": prog.park_program(award_per_park="3999999.99")}
    prog.refused("dept", "entry.corrected", lowered, 422, "reward-exceeds-park-award", "envelope.payload.payload.award_per_park")
    prog.ok("dept", "entry.corrected", {**lowered, "payload": prog.park_program(award_per_park="4000000.00")})


def test_a_park_without_targets_for_a_programme_year_is_counted_as_such(prog):
    prog.ok("dept", "park.registered", prog.park())
    prog.ok("dept", "programme.targets.set", programme_targets(target_year=2030, decided_at="2026-01-01T00:00:00Z"))
    (year,) = prog.get("/v1/reports/programme")["report"]["figures"]["years"]
    assert year["status"] == {"no-targets": 1} and year["parks_with_targets"] == 0
