"""The projections a report needs, read in a few bulk queries and grouped by project."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from ledger.domain.entities import (
    CreditBlock,
    Loan,
    Project,
    RewardDisbursement,
    Verification,
)
from ledger.reconciliation.attribution import ProjectAttribution, attribute
from ledger.reconciliation.figures import ZERO
from ledger.reconciliation.source import ReportSource


@dataclass
class Books:
    projects: dict[str, Project]
    loans: dict[str, list[Loan]] = field(default_factory=lambda: defaultdict(list))
    verifications: dict[str, list[Verification]] = field(default_factory=lambda: defaultdict(list))
    rewards: dict[str, list[RewardDisbursement]] = field(default_factory=lambda: defaultdict(list))
    blocks: dict[str, list[CreditBlock]] = field(default_factory=lambda: defaultdict(list))  # by verification
    park_rewards: list[RewardDisbursement] = field(default_factory=list)
    _attributions: dict[str, ProjectAttribution] = field(default_factory=dict, repr=False)

    @classmethod
    def for_projects(cls, source: ReportSource, project_ids: Iterable[str], *, rewards: bool = True) -> "Books":
        """:param rewards: read the projects' reward disbursements too (``project_findings`` does not need them)."""
        ids = sorted(set(project_ids))
        books = cls(source.get_many(Project, ids))
        books._fill(
            source.find_in(Loan, "project_id", ids),
            source.find_in(Verification, "project_id", ids),
            source.find_in(RewardDisbursement, "project_id", ids) if rewards else [],
        )
        books._add_blocks(source.find_in(CreditBlock, "verification_id", [v.verification_id for vs in books.verifications.values() for v in vs]))
        return books

    @classmethod
    def everything(cls, source: ReportSource) -> "Books":
        books = cls({p.project_id: p for p in source.find(Project)})
        books._fill(source.find(Loan), source.find(Verification), source.find(RewardDisbursement))
        books._add_blocks(source.find(CreditBlock))
        return books

    def _fill(self, loans: list[Loan], verifications: list[Verification], rewards: list[RewardDisbursement]) -> None:
        for loan in loans:
            self.loans[loan.project_id].append(loan)
        for verification in verifications:
            self.verifications[verification.project_id].append(verification)
        for reward in rewards:
            if reward.project_id is not None:
                self.rewards[reward.project_id].append(reward)
            else:  # park-success rewards pay parks (ledger.reconciliation.targets)
                self.park_rewards.append(reward)

    def _add_blocks(self, blocks: list[CreditBlock]) -> None:
        for block in blocks:
            self.blocks[block.verification_id].append(block)

    def verified(self, project_id: str) -> Decimal:
        return sum((v.reduction for v in self.verifications[project_id]), ZERO)

    def attribution(self, project_id: str) -> ProjectAttribution:
        """Computed once per project: figures and exceptions both need it."""
        if project_id not in self._attributions:
            self._attributions[project_id] = attribute(self.projects[project_id], self.loans[project_id], self.verified(project_id))
        return self._attributions[project_id]

    def project_blocks(self, project_id: str) -> list[CreditBlock]:
        return [b for v in self.verifications[project_id] for b in self.blocks[v.verification_id]]

    def rewards_received(self, project_id: str) -> Decimal:
        return sum((r.amount for r in self.rewards[project_id]), ZERO)
