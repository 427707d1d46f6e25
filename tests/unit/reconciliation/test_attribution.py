"""PCAF attribution: hand-computed cases, and the property that attribution never exceeds what was verified."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.entities import Loan, Project
from ledger.reconciliation.attribution import attribute

T = datetime(2025, 1, 1, tzinfo=timezone.utc)


def project(equity: str, debt: str) -> Project:
    return Project("p1", "park", "n", "o", "3.2.1", Decimal(equity), Decimal(debt), "CNY", Decimal("1.000"), Decimal("0.00"), 1, 1)


def loan(loan_id: str, lender: str, disbursed: str, repaid: str = "0.00") -> Loan:
    return Loan(loan_id, lender, "p1", Decimal(disbursed), "CNY", Decimal("3.0000"), 60, False, Decimal(disbursed), Decimal(repaid), T, 2, 2)


def test_two_lenders_share_by_outstanding_over_total_investment():
    result = attribute(project("600.00", "400.00"), [loan("a", "bank-a", "300.00"), loan("b", "bank-b", "100.00")], Decimal("1200.000"))
    assert [(line.factor, line.financed_reductions) for line in result.lines] == [(Decimal("0.3"), Decimal("360.000")), (Decimal("0.1"), Decimal("120.000"))]
    assert result.raw_share == Decimal("0.4") and not result.capped


def test_a_repaid_loan_claims_nothing_and_a_partly_repaid_one_claims_its_outstanding():
    result = attribute(project("500.00", "500.00"), [loan("a", "bank-a", "300.00", "300.00"), loan("b", "bank-b", "400.00", "150.00")], Decimal("1000.000"))
    assert [line.financed_reductions for line in result.lines] == [Decimal("0.000"), Decimal("250.000")]


def test_over_attribution_is_scaled_to_exactly_100_percent_and_flagged():
    result = attribute(project("100.00", "200.00"), [loan("a", "bank-a", "300.00"), loan("b", "bank-b", "150.00")], Decimal("900.000"))
    assert result.capped and result.raw_share == Decimal("1.5")
    assert sum(line.factor for line in result.lines) == 1
    assert [line.financed_reductions for line in result.lines] == [Decimal("600.000"), Decimal("300.000")]


def test_financed_reductions_round_down():
    result = attribute(project("0.00", "3.00"), [loan("a", "bank-a", "1.00")], Decimal("1.000"))
    assert result.lines[0].financed_reductions == Decimal("0.333")


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(
    investment=st.decimals(min_value="0.01", max_value=10**10, places=2),
    loans=st.lists(st.tuples(amounts, amounts), max_size=8),
    verified=st.decimals(min_value=0, max_value=10**7, places=3),
)
def test_attribution_over_all_lenders_never_exceeds_the_verified_reductions(investment, loans, verified):
    book = [loan(f"l{i}", f"bank-{i % 3}", str(max(d, r)), str(min(d, r))) for i, (d, r) in enumerate(loans)]
    result = attribute(project("0.00", str(investment)), book, verified)
    assert sum((line.financed_reductions for line in result.lines), Decimal(0)) <= verified
    assert sum((line.factor for line in result.lines), Decimal(0)) <= 1 + Decimal("1e-20")
    assert all(line.factor >= 0 for line in result.lines)
