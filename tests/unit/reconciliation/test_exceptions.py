"""Exceptions that the rules forbid on the write path are still found in books that break them
(a tampered or hand-edited log replayed by an auditor)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from ledger.domain.entities import (
    CreditBlock,
    Park,
    ParkStatistics,
    RewardDisbursement,
    RewardProgram,
    Verification,
)
from ledger.reconciliation.exceptions import (
    credit_findings,
    reward_findings,
    statistics_findings,
)

T = datetime(2025, 1, 1, tzinfo=timezone.utc)


def verification(vid: str = "v1", reduction: str = "100.000", project: str = "p1") -> Verification:
    return Verification(vid, "mrv", project, T, T, Decimal(reduction), Decimal("0.000"), Decimal("0.000"), Decimal(reduction), "m", b"\0" * 32, 2024, 0, None, 7, 8)


def test_credits_beyond_the_verified_tonnes_are_found_with_their_indices():
    blocks = [CreditBlock(1, 80, 2024, "v1", "h", "active", None, 20, 20), CreditBlock(81, 101, 2024, "v1", "h", "retired", "b", 21, 25)]
    (finding,) = credit_findings(verification(), blocks)
    assert finding.code == "credits-beyond-verified-reduction" and finding.severity == "error"
    assert finding.as_json()["indices"] == [7, 8, 20, 21]
    assert credit_findings(verification(), blocks[:1]) == []


def test_rewards_without_and_beyond_verified_reductions():
    program = RewardProgram("rp", "n", Decimal("1000.00"), "CNY", Decimal("2.00"), None, Decimal("0.00"), Decimal("0.000"), 3, 3)
    fine = RewardDisbursement("ok", "rp", "p1", Decimal("200.00"), "CNY", Decimal("100.000"), ("v1",), 30)
    beyond = RewardDisbursement("beyond", "rp", "p1", Decimal("200.01"), "CNY", Decimal("100.000"), ("v1",), 31)
    without = RewardDisbursement("without", "rp", "p1", Decimal("10.00"), "CNY", Decimal("0.000"), ("v9", "v2"), 32)
    findings = reward_findings([fine, beyond, without], {"rp": program}, {"v1": verification(), "v2": verification("v2", project="p2")})
    assert [(f.code, f.subject) for f in findings] == [
        ("reward-beyond-verified-reduction", "reward:beyond"),
        ("reward-without-verified-reduction", "reward:without"),
        ("reward-beyond-verified-reduction", "reward:without"),
    ]
    assert "v9, v2" in findings[1].explanation


def test_statistics_missing_names_the_years():
    park = Park("pk", "n", "c", "panxi", ("steel",), "op", 2020, Decimal("1.000"), Decimal("1.00"), "CNY", 4, 4)

    def year(y: int, index: int) -> ParkStatistics:
        return ParkStatistics(f"pk/{y}", "pk", datetime(y, 1, 1, tzinfo=timezone.utc), datetime(y + 1, 1, 1, tzinfo=timezone.utc), Decimal("1.00"), "CNY", Decimal("1.000"), Decimal("1.000"), index, index)

    as_of = datetime(2026, 11, 24, tzinfo=timezone.utc)
    (finding,) = statistics_findings(park, [year(2022, 10), year(2025, 11)], as_of)
    assert finding.explanation.endswith("2023, 2024") and finding.as_json()["indices"] == [4, 10, 11]
    assert statistics_findings(park, [year(2024, 10), year(2025, 11)], as_of) == []
    (nothing,) = statistics_findings(park, [], as_of)
    assert nothing.explanation.endswith("2025")
