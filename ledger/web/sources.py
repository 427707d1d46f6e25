"""The log indices behind a report's figures, read from the projections each figure is summed from.

Projections keep the first and the latest index of what they were built from (``*_index`` fields), so
a figure links to those entries; the entries in between (say a loan's middle tranche) are reached from
them in the explorer.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ledger.domain.entities import (
    CreditBlock,
    Entity,
    Loan,
    Park,
    Project,
    RewardDisbursement,
    Verification,
)
from ledger.services import reads
from ledger.services.runtime import LedgerRuntime

E = TypeVar("E", bound=Entity)
PAGE = 1000


def everything(runtime: LedgerRuntime, kind: type[E], **filters: Any) -> list[E]:
    """Every projection of ``kind`` matching ``filters``, page by page."""
    items: list[E] = []
    after: Any = None
    while True:
        page = reads.list_entities(runtime, kind, after=after, limit=PAGE, **filters)
        items += page.items
        if page.next is None:
            return items
        after = page.next


def _loan_indices(loans: list[Loan]) -> list[int]:
    return sorted({i for loan in loans for i in (loan.registered_index, loan.last_index)})


def _project_parts(runtime: LedgerRuntime, project_ids: list[str]) -> tuple[list[Loan], list[Verification], list[RewardDisbursement], list[CreditBlock]]:
    loans = [loan for p in project_ids for loan in everything(runtime, Loan, project_id=p)]
    verifications = [v for p in project_ids for v in everything(runtime, Verification, project_id=p)]
    rewards = [r for p in project_ids for r in everything(runtime, RewardDisbursement, project_id=p)]
    blocks = [b for v in verifications for b in everything(runtime, CreditBlock, verification_id=v.verification_id)]
    return loans, verifications, rewards, blocks


def park_sources(runtime: LedgerRuntime, park_id: str) -> dict[str, Any]:
    """Indices behind a park report's project totals, and its projects."""
    park = reads.get_entity(runtime, Park, park_id)
    projects = everything(runtime, Project, park_id=park_id)
    loans, verifications, rewards, blocks = _project_parts(runtime, [p.project_id for p in projects])
    return {
        "park": sorted({park.registered_index, park.last_index}),
        "projects": projects,
        "count": sorted(p.registered_index for p in projects),
        "total_investment": sorted(p.registered_index for p in projects),
        "loan_principal": sorted(loan.registered_index for loan in loans),
        "disbursed": _loan_indices(loans),
        "outstanding": _loan_indices(loans),
        "verified_reductions": sorted(v.verified_index for v in verifications),
        "rewards_received": sorted(r.disbursed_index for r in rewards),
        "credits_issued": sorted(b.issued_index for b in blocks),
    }


def project_sources(runtime: LedgerRuntime, project_id: str) -> dict[str, Any]:
    """Indices behind a project report: per lender, per vintage, rewards and credits."""
    loans, verifications, rewards, blocks = _project_parts(runtime, [project_id])
    by_lender: dict[str, list[Loan]] = {}
    for loan in loans:
        by_lender.setdefault(loan.lender, []).append(loan)
    by_vintage: dict[int, list[int]] = {}
    for v in verifications:
        by_vintage.setdefault(v.vintage, []).append(v.verified_index)
    project = reads.get_entity(runtime, Project, project_id)
    return {
        "project": [project.registered_index, project.last_index],
        "lenders": {lender: _loan_indices(own) for lender, own in by_lender.items()},
        "loans": _loan_indices(loans),
        "vintages": {vintage: sorted(indices) for vintage, indices in by_vintage.items()},
        "verified": sorted(v.verified_index for v in verifications),
        "rewards": sorted(r.disbursed_index for r in rewards),
        "credits": sorted({i for b in blocks for i in (b.issued_index, b.last_index)}),
    }


def lender_sources(runtime: LedgerRuntime, lender: str) -> dict[str, Any]:
    """Indices behind each of a lender's loans (its first and latest entry), and its projects' verifications."""
    loans = everything(runtime, Loan, lender=lender)
    project_ids = sorted({loan.project_id for loan in loans})
    return {
        "verified": {p: sorted(v.verified_index for v in everything(runtime, Verification, project_id=p)) for p in project_ids},
        "loans": {loan.loan_id: _loan_indices([loan]) for loan in loans},
        "all": _loan_indices(loans),
        "projects": {p: _loan_indices([loan for loan in loans if loan.project_id == p]) for p in {loan.project_id for loan in loans}},
    }
