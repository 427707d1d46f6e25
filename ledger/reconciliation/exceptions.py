"""Exceptions: where financing and verified reductions do not match, with the log indices behind each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from ledger.domain.entities import (
    CreditBlock,
    Loan,
    Park,
    ParkStatistics,
    RewardDisbursement,
    RewardProgram,
    Verification,
)
from ledger.reconciliation.books import Books
from ledger.reconciliation.figures import ZERO, money, percent, tonnes

ERROR, WARNING = "error", "warning"
#: Worth knowing, not wrong: a park that missed a target is the programme working as designed.
INFORMATION = "information"


@dataclass(frozen=True)
class Settings:
    #: How long disbursed financing may go without a verified reduction of its project.
    financing_grace: timedelta = timedelta(days=365)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    subject: str
    explanation: str
    indices: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "subject": self.subject,
            "explanation": self.explanation,
            "indices": sorted(set(self.indices)),
        }


def project_findings(books: Books, project_id: str, as_of: datetime, settings: Settings) -> list[Finding]:
    """Financing without reductions, over-attribution, loans beyond investment, credits beyond reductions."""
    project = books.projects[project_id]
    loans = books.loans[project_id]
    verifications = books.verifications[project_id]
    findings = [] if verifications else unverified_financing(project_id, loans, as_of, settings)
    attribution = books.attribution(project_id)
    if attribution.capped:
        findings.append(Finding(
            "attribution-over-100-percent",
            ERROR,
            f"project:{project_id}",
            f"loans outstanding on {project_id} come to {percent(attribution.raw_share * 100)}% of its total investment "
            f"{money(project.total_investment)}; attribution factors were scaled down to sum to 100%",
            (project.registered_index, project.last_index, *(loan.last_index for loan in loans)),
        ))
    if project.loan_principal > project.total_investment:
        findings.append(Finding(
            "loans-beyond-total-investment",
            WARNING,
            f"project:{project_id}",
            f"loans to {project_id} total {money(project.loan_principal)}, above its total investment "
            f"{money(project.total_investment)} (registered with exceeds_investment)",
            (project.registered_index, *(loan.registered_index for loan in loans if loan.exceeds_investment)),
        ))
    for verification in verifications:
        findings += credit_findings(verification, books.blocks[verification.verification_id])
    return findings


def unverified_financing(project_id: str, loans: Iterable[Loan], as_of: datetime, settings: Settings) -> list[Finding]:
    """Loans of a project with no verified reduction that disbursed longer ago than the grace period."""
    findings = []
    for loan in loans:
        if loan.disbursed > 0 and loan.first_disbursed_at is not None and as_of - loan.first_disbursed_at > settings.financing_grace:
            findings.append(Finding(
                "financing-without-verified-reduction",
                WARNING,
                f"loan:{loan.loan_id}",
                f"{loan.lender} disbursed {money(loan.disbursed)} {loan.currency} to {project_id} from "
                f"{loan.first_disbursed_at.date()}, and no reduction of the project has been verified in the "
                f"{settings.financing_grace.days} days since",
                (loan.registered_index, loan.last_index),
            ))
    return findings


def credit_findings(verification: Verification, blocks: Sequence[CreditBlock]) -> list[Finding]:
    issued = sum(b.quantity for b in blocks)
    if issued <= verification.reduction:
        return []
    return [Finding(
        "credits-beyond-verified-reduction",
        ERROR,
        f"verification:{verification.verification_id}",
        f"{issued} credits rest on {verification.verification_id}, which verified {tonnes(verification.reduction)} tCO2e",
        (verification.verified_index, verification.last_index, *(b.issued_index for b in blocks)),
    )]


def reward_findings(
    disbursements: Iterable[RewardDisbursement], programs: dict[str, RewardProgram], verifications: dict[str, Verification]
) -> list[Finding]:
    """Rewards that pay for reductions that are not there, or pay more than the programme's rate allows."""
    findings = []
    for d in disbursements:
        found = [verifications[v] for v in d.verification_ids if v in verifications and verifications[v].project_id == d.project_id]
        missing = [v for v in d.verification_ids if v not in {f.verification_id for f in found}]
        indices = (d.disbursed_index, *(v.last_index for v in found))
        if missing:
            findings.append(Finding(
                "reward-without-verified-reduction",
                ERROR,
                f"reward:{d.disbursement_id}",
                f"{d.disbursement_id} pays {d.project_id} for {', '.join(missing)}, which verified no reduction of it",
                indices,
            ))
        program = programs.get(d.program_id)
        tonnes_paid = sum((v.reduction for v in found), ZERO)
        if program is not None and program.yuan_per_tco2e is not None and d.amount > program.yuan_per_tco2e * tonnes_paid:
            findings.append(Finding(
                "reward-beyond-verified-reduction",
                ERROR,
                f"reward:{d.disbursement_id}",
                f"{d.disbursement_id} paid {money(d.amount)} for {tonnes(tonnes_paid)} tCO2e, above the "
                f"{money(program.yuan_per_tco2e)} per tCO2e that {program.program_id} allows",
                (*indices, program.last_index),
            ))
    return findings


def statistics_findings(park: Park, statistics: Sequence[ParkStatistics], as_of: datetime) -> list[Finding]:
    """Calendar years before ``as_of`` for which the park reported no figures, from its first report on."""
    last_complete = as_of.year - 1
    reported = {year for s in statistics for year in range(s.period_start.year, (s.period_end - timedelta(microseconds=1)).year + 1)}
    first = min(reported, default=last_complete)
    missing = [year for year in range(first, last_complete + 1) if year not in reported]
    if not missing:
        return []
    return [Finding(
        "statistics-missing",
        WARNING,
        f"park:{park.park_id}",
        f"{park.park_id} reported no statistics for {', '.join(map(str, missing))}",
        (park.registered_index, *(s.last_index for s in statistics)),
    )]
