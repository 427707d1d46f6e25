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


_UNREAD = object()


def _loan_moved(state: LedgerState, loan: Loan) -> list[Entity]:
    """``with_totals`` for one loan, what a disbursement or repayment changes (nine entries in ten)."""
    old = state.get(Loan, loan.loan_id)
    # Loan.outstanding (disbursed - repaid) of each, spelt out: two property calls fewer per movement.
    moved = (loan.disbursed - loan.repaid) - (old.disbursed - old.repaid if old is not None else ZERO_MONEY)
    if not moved:
        return [loan]
    totals = state.get(ProjectTotals, loan.project_id) or zero_totals(loan.project_id)
    return [loan, totals.evolve(outstanding=totals.outstanding + moved)]


def with_totals(state: LedgerState, entities: Sequence[Entity]) -> list[Entity]:
    """``entities`` followed by the ``ProjectTotals`` they change (a new project's start from its investment).

    :param state: the state before ``entities`` are applied (their previous versions are read from it).
    """
    if len(entities) == 1 and type(entities[0]) is Loan:
        return _loan_moved(state, entities[0])
    totals: dict[str, ProjectTotals] = {}
    changed: dict[str, None] = {}  # in order of first change
    previous: dict[tuple[type[Entity], Any], Any] = {}

    def current(project_id: str) -> ProjectTotals:
        if project_id not in totals:
            found = state.get(ProjectTotals, project_id)
            if found is None:
                found = zero_totals(project_id)
                changed[project_id] = None
            totals[project_id] = found
        return totals[project_id]

    def before(entity: Entity) -> Any:
        key = (type(entity), entity.key)
        old = previous.get(key, _UNREAD)
        previous[key] = entity
        return state.get(type(entity), entity.key) if old is _UNREAD else old

    # Evolved only when a sum moves: every loan movement passes through here, on the append path and
    # in every replay.
    for entity in entities:
        kind = type(entity)
        if kind is Project:
            assert isinstance(entity, Project)
            t = current(entity.project_id)
            investment, principal = entity.total_investment, entity.loan_principal
            if t.total_investment != investment or t.loan_principal != principal:
                totals[t.project_id] = t.evolve(total_investment=investment, loan_principal=principal)
                changed[t.project_id] = None
        elif kind is Loan:
            assert isinstance(entity, Loan)
            old_loan: Loan | None = before(entity)
            moved = entity.outstanding - (old_loan.outstanding if old_loan is not None else ZERO_MONEY)
            if moved:
                t = current(entity.project_id)  # a correction never moves a loan to another project
                totals[t.project_id] = t.evolve(outstanding=t.outstanding + moved)
                changed[t.project_id] = None
        elif kind is Verification:
            assert isinstance(entity, Verification)
            old_verification: Verification | None = before(entity)
            tonnes = entity.reduction - (old_verification.reduction if old_verification is not None else ZERO_TONNES)
            added = int(old_verification is None)
            over = _over_credited(entity) - _over_credited(old_verification)
            if tonnes or added or over:
                t = current(entity.project_id)
                totals[t.project_id] = t.evolve(
                    verified=t.verified + tonnes, verifications=t.verifications + added, over_credited=t.over_credited + over
                )
                changed[t.project_id] = None
    return [*entities, *(totals[p] for p in changed)] if changed else list(entities)
