"""PCAF project-finance attribution of verified reductions to lenders.

factor = the loan's outstanding amount ÷ the project's total investment (equity + debt), taken as the
report's tree size finds them; financed reductions = factor × the project's verified reductions (all
vintages). A fully repaid loan has factor 0: financing that has been repaid no longer claims the
project's reductions. If the outstanding amounts add up to more than the total investment (loans
registered with ``exceeds_investment``), the factors are scaled to sum to exactly 1 and the report
carries an ``attribution-over-100-percent`` exception: the sum is never silently above 100%.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from ledger.domain.entities import Loan, Project
from ledger.reconciliation.figures import ZERO, financed_tonnes


@dataclass(frozen=True)
class LoanAttribution:
    loan: Loan
    factor: Decimal
    financed_reductions: Decimal


@dataclass(frozen=True)
class ProjectAttribution:
    lines: list[LoanAttribution]
    #: Σ outstanding ÷ total investment before any scaling (above 1 means over-attribution).
    raw_share: Decimal

    @property
    def capped(self) -> bool:
        return self.raw_share > 1


def attribute(project: Project, loans: Sequence[Loan], verified: Decimal) -> ProjectAttribution:
    """Attribute ``verified`` tCO2e of ``project`` to its ``loans``.

    :returns: per-loan factors and financed reductions; their sums never exceed 1 and ``verified``.
    """
    return attribute_loans(project.total_investment, loans, verified, sum((loan.outstanding for loan in loans), ZERO))


def attribute_loans(investment: Decimal, loans: Sequence[Loan], verified: Decimal, total_outstanding: Decimal) -> ProjectAttribution:
    """Attribute ``verified`` tCO2e of a project with total ``investment`` to ``loans``, some or all of its loans.

    :param total_outstanding: outstanding over all the project's loans (its ``ProjectTotals``), which
        the factors of any subset of them depend on.
    :returns: the lines of ``loans`` only, each as ``attribute`` over all the loans would give it.
    """
    raw_share, shares = loan_shares(investment, [loan.outstanding for loan in loans], verified, total_outstanding)
    return ProjectAttribution([LoanAttribution(loan, share, financed) for loan, (share, financed) in zip(loans, shares)], raw_share)


def loan_shares(
    investment: Decimal, outstanding: Sequence[Decimal], verified: Decimal, total_outstanding: Decimal
) -> tuple[Decimal, list[tuple[Decimal, Decimal]]]:
    """``attribute_loans`` for loans given by their outstanding amounts, without a line object per loan.

    :returns: the project's raw share (Σ outstanding ÷ investment before any scaling) and, per amount
        in ``outstanding``, its attribution factor and financed reductions.
    """
    raw_share = total_outstanding / investment if investment > 0 else ZERO
    denominator = total_outstanding if raw_share > 1 else investment
    if denominator > 0:
        return raw_share, [(share, financed_tonnes(share * verified)) for share in [amount / denominator for amount in outstanding]]
    return raw_share, [(ZERO, financed_tonnes(ZERO * verified)) for _ in outstanding]
