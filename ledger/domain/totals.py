"""Per-project totals, kept in step with the projects, loans and verifications that entries change.

Reports on many projects (a lender's, the programme's) need each project's outstanding total and
verified tonnes; summing every loan and verification of every project per request does not scale.
``with_totals`` derives the change to ``ProjectTotals`` from the entities an entry changes, whatever
the entry type (corrections included), so every path that applies entries (appends, rebuilds, the
offline verifier) maintains them identically.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence

from ledger.domain.entities import Entity, Loan, Project, ProjectTotals, Verification
from ledger.domain.state import LedgerState

ZERO_MONEY = Decimal("0.00")
ZERO_TONNES = Decimal("0.000")


def zero_totals(project_id: str) -> ProjectTotals:
    return ProjectTotals(
        project_id=project_id,
        total_investment=ZERO_MONEY,
        loan_principal=ZERO_MONEY,
        outstanding=ZERO_MONEY,
        verified=ZERO_TONNES,
        verifications=0,
        over_credited=0,
    )


def _over_credited(verification: Verification | None) -> int:
    return int(verification is not None and verification.credits_issued > verification.reduction)


def with_totals(state: LedgerState, entities: Sequence[Entity]) -> list[Entity]:
    """``entities`` followed by the ``ProjectTotals`` they change (a new project's start from its investment).

    :param state: the state before ``entities`` are applied (their previous versions are read from it).
    """
    totals: dict[str, ProjectTotals] = {}
    before: dict[str, ProjectTotals | None] = {}
    previous: dict[tuple[type[Entity], Any], Entity | None] = {}

    def current(project_id: str) -> ProjectTotals:
        if project_id not in totals:
            before[project_id] = found = state.get(ProjectTotals, project_id)
            totals[project_id] = found or zero_totals(project_id)
        return totals[project_id]

    for entity in entities:
        if isinstance(entity, Project):
            t = current(entity.project_id)
            totals[t.project_id] = t.evolve(total_investment=entity.total_investment, loan_principal=entity.loan_principal)
            continue
        if not isinstance(entity, (Loan, Verification)):
            continue
        key = (type(entity), entity.key)
        old = previous[key] if key in previous else state.get(type(entity), entity.key)
        previous[key] = entity
        t = current(entity.project_id)  # a correction never moves a loan or verification to another project
        if isinstance(entity, Loan):
            assert old is None or isinstance(old, Loan)
            outstanding = t.outstanding + entity.outstanding - (old.outstanding if old is not None else ZERO_MONEY)
            totals[t.project_id] = t.evolve(outstanding=outstanding)
        else:
            assert old is None or isinstance(old, Verification)
            totals[t.project_id] = t.evolve(
                verified=t.verified + entity.reduction - (old.reduction if old is not None else ZERO_TONNES),
                verifications=t.verifications + (old is None),
                over_credited=t.over_credited + _over_credited(entity) - _over_credited(old),
            )
    changed = [t for p, t in totals.items() if before[p] != t]
    return [*entities, *changed] if changed else list(entities)
