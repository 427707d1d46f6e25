"""The reports: project, lender, park, reward programme and programme-wide summary (DESIGN §9).

Each builder reads a ``ReportSource`` (live projections or a replay) and returns figures as decimal
strings, the exceptions that concern its subject, and a flat table for CSV. The same inputs always
give the same output, so a report recomputed from an export matches the signed one byte for byte.
"""

from __future__ import annotations

from collections import defaultdict
from operator import attrgetter, itemgetter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger import errors
from ledger.crypto.canonical import b64encode, format_timestamp
from ledger.domain import roles
from ledger.domain.assessment import year_bounds
from ledger.domain.entities import (
    CreditBlock,
    Entity,
    Loan,
    Park,
    ParkAssessment,
    Party,
    ParkStatistics,
    ProgrammeTargets,
    Project,
    ProjectTotals,
    RewardDisbursement,
    RewardProgram,
    Verification,
)
from ledger.domain.types.rewards import PARK_SUCCESS
from ledger.reconciliation.attribution import loan_shares
from ledger.reconciliation.books import Books
from ledger.reconciliation.exceptions import (
    Finding,
    Settings,
    project_findings,
    reward_findings,
    statistics_findings,
    unverified_financing,
)
from ledger.reconciliation.figures import (
    INTENSITY,
    PERCENT,
    ZERO,
    factor,
    money,
    ratio,
    tonnes,
)
from ledger.reconciliation.source import ReportSource
from ledger.reconciliation.targets import (
    ParkYear,
    every_park_years,
    late_targets_finding,
    park_reward_findings,
    park_years,
    programme_year,
    target_findings,
    target_years,
)

KINDS = ("project", "lender", "park", "reward-program", "summary", "programme")
#: Reports about the whole programme, which take no subject.
SUBJECTLESS = ("summary", "programme")
#: Names the method behind the figures; a change of method is a new name, so old reports stay verifiable.
#: v2: parks judged against their targets on calendar-year statistics; emissions of a period compared
#: with the annual baseline only when the period is a year long.
METHOD = (
    "greenledger-reconciliation/v2: PCAF project finance on outstanding amounts, all vintages; "
    "parks judged against their targets on calendar-year statistics"
)
TEN_THOUSAND = Decimal(10_000)


@dataclass(frozen=True)
class Report:
    kind: str
    subject: str | None
    figures: dict[str, Any]
    findings: list[Finding]
    header: list[str]
    #: The lines of the CSV table (dicts holding at least the ``header`` keys), formatted only when asked for.
    table: list[dict[str, Any]]

    @property
    def rows(self) -> list[list[str]]:
        return [[_cell(line[h]) for h in self.header] for line in self.table]


def _credits(blocks: list[CreditBlock]) -> dict[str, int]:
    by_status: dict[str, int] = defaultdict(int)
    for block in blocks:
        by_status[block.status] += block.quantity
    return {
        "issued": sum(by_status.values()),
        "active": by_status["active"],
        "retired": by_status["retired"],
        "cancelled": by_status["cancelled"],
    }


def _by_vintage(verifications: list[Verification]) -> list[dict[str, Any]]:
    totals: dict[int, list[Any]] = {}
    for v in verifications:
        line = totals.setdefault(v.vintage, [ZERO, 0])
        line[0] += v.reduction
        line[1] += 1
    return [{"vintage": vintage, "tonnes": tonnes(t), "verifications": n} for vintage, (t, n) in sorted(totals.items())]


def _require(entity: Any, kind: str, subject: str) -> None:
    if entity is None:
        raise errors.UnknownSubject(f"no {kind} {subject!r} is registered at this tree size", field="subject")


#: The entity each kind of report is about, and what a reader calls it.
SUBJECTS: dict[str, tuple[type[Entity], str]] = {
    "project": (Project, "project"),
    "lender": (Party, "lender"),
    "park": (Park, "park"),
    "reward-program": (RewardProgram, "reward programme"),
}


def require_subject(source: ReportSource, kind: str, subject: str) -> None:
    """The subject exists in ``source`` (the projections at the report's tree size).

    A lender's report is on a party that holds the lender role: for any other name it would be a signed
    report of nothing, which reads like a lender with no loans.

    :raises UnknownSubject:
    """
    entity_kind, noun = SUBJECTS[kind]
    found = source.get(entity_kind, subject)
    if found is None:
        raise errors.UnknownSubject(f"no {noun} {subject!r} is registered at this tree size", field="subject")
    if isinstance(found, Party) and roles.LENDER not in found.roles:
        raise errors.UnknownSubject(f"party {subject!r} is no lender at this tree size", field="subject")


def project_report(source: ReportSource, project_id: str, as_of: datetime, settings: Settings) -> Report:
    """Financing by source, verified reductions by vintage, credits, and yuan financed per tCO2e."""
    books = Books.for_projects(source, [project_id])
    project = books.projects.get(project_id)
    _require(project, "project", project_id)
    assert project is not None
    attribution = books.attribution(project_id)
    lenders: dict[str, dict[str, Decimal]] = {}
    for line in attribution.lines:
        totals = lenders.setdefault(line.loan.lender, defaultdict(lambda: ZERO))
        totals["loans"] += 1
        totals["principal"] += line.loan.principal
        totals["disbursed"] += line.loan.disbursed
        totals["repaid"] += line.loan.repaid
        totals["outstanding"] += line.loan.outstanding
        totals["factor"] += line.factor
        totals["financed"] += line.financed_reductions
    lender_lines = [
        {
            "lender": lender,
            "loans": int(t["loans"]),
            "principal": money(t["principal"]),
            "disbursed": money(t["disbursed"]),
            "repaid": money(t["repaid"]),
            "outstanding": money(t["outstanding"]),
            "attribution_factor": factor(t["factor"]),
            "financed_reductions": tonnes(t["financed"]),
        }
        for lender, t in sorted(lenders.items())
    ]
    disbursed = sum((loan.disbursed for loan in books.loans[project_id]), ZERO)
    rewards = books.rewards_received(project_id)
    verified = books.verified(project_id)
    figures = {
        "project": {
            "project_id": project.project_id,
            "park_id": project.park_id,
            "name": project.name,
            "category": project.category,
            "equity": money(project.equity),
            "debt": money(project.debt),
            "total_investment": money(project.total_investment),
            "currency": project.currency,
        },
        "financing": {
            "lenders": lender_lines,
            "principal": money(project.loan_principal),
            "disbursed": money(disbursed),
            "outstanding": money(sum((loan.outstanding for loan in books.loans[project_id]), ZERO)),
            "rewards_received": money(rewards),
            "attributed_share": factor(sum((line.factor for line in attribution.lines), ZERO)),
        },
        "reductions": {"verified": tonnes(verified), "by_vintage": _by_vintage(books.verifications[project_id])},
        "credits": _credits(books.project_blocks(project_id)),
        "yuan_financed_per_tco2e": ratio(disbursed + rewards, verified, Decimal("0.01")),
    }
    findings = project_findings(books, project_id, as_of, settings) + _reward_findings_for(source, books, [project_id])
    header = ["lender", "loans", "principal", "disbursed", "repaid", "outstanding", "attribution_factor", "financed_reductions"]
    return Report("project", project_id, figures, findings, header, lender_lines)


def _reward_findings_for(source: ReportSource, books: Books, project_ids: list[str]) -> list[Finding]:
    disbursements = [d for p in project_ids for d in books.rewards[p]]
    if not disbursements:
        return []
    programs = source.get_many(RewardProgram, {d.program_id for d in disbursements})
    verifications = source.get_many(Verification, {v for d in disbursements for v in d.verification_ids})
    return reward_findings(disbursements, programs, verifications)


#: What a lender's report reads of each of its loans (``find_fields``), in this order.
_LENDER_LOAN_FIELDS = ("loan_id", "project_id", "principal", "disbursed", "repaid", "registered_index")


def lender_report(source: ReportSource, lender: str, as_of: datetime, settings: Settings) -> Report:
    """A lender's green loans with attribution factors and financed reductions (its disclosure).

    A bank may lend to most of the programme's projects, so this reads the few fields it needs of its
    own loans and one row of totals per project (``ProjectTotals``), not every loan and verification of
    those projects: a loan's factor needs only the project's investment, outstanding total and
    verified tonnes. The few projects with findings that name other loans or their credits get their
    full books read, and the loans of projects with nothing verified are read whole for their findings.
    """
    # Sorted here, not by the database, whose collation need not be code-point order: the loans of a
    # project are summed in loan id order whichever source computes the report.
    own = sorted(source.find_fields(Loan, _LENDER_LOAN_FIELDS, lender=lender), key=_first)
    totals = source.get_referenced(ProjectTotals, Loan, "project_id", lender=lender)
    # Per project, its loans as (loan id, principal, disbursed, repaid, registered index, outstanding).
    own_by_project: dict[str, list[tuple[str, Decimal, Decimal, Decimal, int, Decimal]]] = defaultdict(list)
    for loan_id, project_id, principal, disbursed, repaid, registered_index in own:
        own_by_project[project_id].append((loan_id, principal, disbursed, repaid, registered_index, disbursed - repaid))
    project_ids = sorted(own_by_project)
    # Each loan's figures are computed once and written straight into its line: the biggest lender has
    # thousands of loans, and a line object per loan cost more than the arithmetic.
    lines = []
    project_lines = []
    capped = set()
    principal_sum = disbursed_sum = outstanding_total = financed_total = ZERO
    for p in project_ids:
        project_totals = totals[p]
        loans = own_by_project[p]
        raw_share, shares = loan_shares(project_totals.total_investment, [loan[5] for loan in loans], project_totals.verified, project_totals.outstanding)
        if raw_share > 1:
            capped.add(p)
        outstanding_sum = factor_sum = financed_sum = ZERO
        for (loan_id, principal, disbursed, repaid, registered_index, amount), (share, financed) in zip(loans, shares):
            lines.append({
                "loan_id": loan_id,
                "project_id": p,
                "principal": money(principal),
                "disbursed": money(disbursed),
                "repaid": money(repaid),
                "outstanding": money(amount),
                "attribution_factor": factor(share),
                "financed_reductions": tonnes(financed),
                "registered_index": registered_index,
            })
            principal_sum += principal
            disbursed_sum += disbursed
            outstanding_sum += amount
            factor_sum += share
            financed_sum += financed
        project_lines.append({
            "project_id": p,
            "verified_reductions": tonnes(project_totals.verified),
            "outstanding": money(outstanding_sum),
            "attribution_factor": factor(factor_sum),
            "financed_reductions": tonnes(financed_sum),
        })
        outstanding_total += outstanding_sum
        financed_total += financed_sum
    lines.sort(key=_loan_id)
    figures = {
        "lender": lender,
        "loans": lines,
        "projects": project_lines,
        "totals": {
            "loans": len(own),
            "principal": money(principal_sum),
            "disbursed": money(disbursed_sum),
            "outstanding": money(outstanding_total),
            "financed_reductions": tonnes(financed_total),
        },
    }
    # Over-attribution, loans beyond the investment and over-issued credits name other loans and
    # verifications of the project: read those projects whole. Elsewhere only the lender's own loans
    # can be flagged, and only when nothing of the project has been verified.
    troubled = {
        p
        for p in project_ids
        if p in capped or totals[p].loan_principal > totals[p].total_investment or totals[p].over_credited
    }
    books = Books.for_projects(source, troubled, rewards=False)  # only project_findings reads them
    mine = {f"loan:{loan[0]}" for p in troubled for loan in own_by_project[p]}
    unverified = [p for p in project_ids if p not in troubled and not totals[p].verifications]
    unverified_loans: dict[str, list[Loan]] = defaultdict(list)
    for loan in sorted(source.find_in(Loan, "project_id", unverified), key=_loan_id_of) if unverified else []:
        if loan.lender == lender:
            unverified_loans[loan.project_id].append(loan)
    findings: list[Finding] = []
    for p in project_ids:
        if p in troubled:
            findings += [
                f
                for f in project_findings(books, p, as_of, settings)
                if not f.subject.startswith("loan:") or f.subject in mine  # other lenders' loans are theirs to disclose
            ]
        elif p in unverified_loans:
            findings += unverified_financing(p, unverified_loans[p], as_of, settings)
    header = ["loan_id", "project_id", "principal", "disbursed", "repaid", "outstanding", "attribution_factor", "financed_reductions"]
    return Report("lender", lender, figures, findings, header, lines)


_loan_id = itemgetter("loan_id")
_loan_id_of = attrgetter("loan_id")
_first = itemgetter(0)


def _intensity(emissions: Decimal, output_value: Decimal) -> Decimal | None:
    """tCO2e per 10,000 yuan of output value."""
    return None if output_value == 0 else emissions / (output_value / TEN_THOUSAND)


def _change(value: Decimal | None, baseline: Decimal | None) -> str | None:
    if value is None or baseline is None or baseline == 0:
        return None
    return str(((value - baseline) / baseline * 100).quantize(PERCENT))


def _is_a_year(start: datetime, end: datetime) -> bool:
    """Whether [start, end) is one year long (from a date to the same date a year on), so that its total
    compares with an annual baseline's; a shorter or longer period's total does not."""
    try:
        return end == start.replace(year=start.year + 1)
    except ValueError:  # 29 February: a year on is 1 March
        return end == start.replace(year=start.year + 1, month=3, day=1)


def _optional(value: Decimal | None, format: Any) -> str | None:
    return None if value is None else format(value)


def park_report(source: ReportSource, park_id: str, as_of: datetime, settings: Settings) -> Report:
    """A park's totals over its projects and its emission intensity per period against the baseline."""
    park = source.get(Park, park_id)
    _require(park, "park", park_id)
    assert park is not None
    projects = source.find(Project, park_id=park_id)
    books = Books.for_projects(source, [p.project_id for p in projects])
    statistics = sorted(source.find(ParkStatistics, park_id=park_id), key=lambda s: s.period_start)
    baseline = _intensity(park.baseline_emissions, park.baseline_output_value)
    periods = []
    for s in statistics:
        intensity = _intensity(s.total_emissions, s.output_value)
        periods.append({
            "period_start": format_timestamp(s.period_start),
            "period_end": format_timestamp(s.period_end),
            "output_value": money(s.output_value),
            "energy_use_tce": tonnes(s.energy_use_tce),
            "total_emissions": tonnes(s.total_emissions),
            "intensity": None if intensity is None else str(intensity.quantize(INTENSITY)),
            "intensity_change_percent": _change(intensity, baseline),
            # A half year's total set against a whole year's would read as a fall of about half.
            "emissions_change_percent": _change(s.total_emissions, park.baseline_emissions) if _is_a_year(s.period_start, s.period_end) else None,
            "green_output_value": _optional(s.green_output_value, money),
            "coal_consumption_tce": _optional(s.coal_consumption_tce, tonnes),
            "clean_energy_tce": _optional(s.clean_energy_tce, tonnes),
            "reported_index": s.reported_index,
        })
    years = park_years(source, park, statistics=statistics)
    loans = [loan for p in books.projects for loan in books.loans[p]]
    figures = {
        "park": {
            "park_id": park.park_id,
            "name": park.name,
            "city": park.city,
            "economic_zone": park.economic_zone,
            "baseline_year": park.baseline_year,
            "baseline_emissions": tonnes(park.baseline_emissions),
            "baseline_output_value": money(park.baseline_output_value),
            "baseline_intensity": None if baseline is None else str(baseline.quantize(INTENSITY)),
        },
        "periods": periods,
        "projects": {
            "count": len(projects),
            "total_investment": money(sum((p.total_investment for p in projects), ZERO)),
            "loan_principal": money(sum((loan.principal for loan in loans), ZERO)),
            "disbursed": money(sum((loan.disbursed for loan in loans), ZERO)),
            "outstanding": money(sum((loan.outstanding for loan in loans), ZERO)),
            "verified_reductions": tonnes(sum((books.verified(p) for p in books.projects), ZERO)),
            "rewards_received": money(sum((books.rewards_received(p) for p in books.projects), ZERO)),
            "credits_issued": sum(b.quantity for p in books.projects for b in books.project_blocks(p)),
        },
        "targets": [line.as_json(as_of) for line in years],
    }
    findings = statistics_findings(park, statistics, as_of) + target_findings(years, as_of)
    for p in sorted(books.projects):
        findings += project_findings(books, p, as_of, settings)
    findings += _reward_findings_for(source, books, sorted(books.projects))
    findings += _park_reward_findings(source, [d for line in years for d in line.rewards])
    header = ["period_start", "period_end", "output_value", "energy_use_tce", "total_emissions", "intensity", "intensity_change_percent"]
    return Report("park", park_id, figures, findings, header, periods)


def program_report(source: ReportSource, program_id: str, as_of: datetime, settings: Settings) -> Report:
    """Budget, disbursed, remaining; per tonne: tonnes paid for and yuan per verified tCO2e; for park
    success: the parks paid and the assessments each payment rests on."""
    program = source.get(RewardProgram, program_id)
    _require(program, "reward programme", program_id)
    assert program is not None
    disbursements = source.find(RewardDisbursement, program_id=program_id)
    header: list[str]
    if program.kind == PARK_SUCCESS:
        disbursements = sorted(disbursements, key=attrgetter("disbursement_id"))  # code-point order, whatever the database's collation
        lines = [
            {
                "disbursement_id": d.disbursement_id,
                "park_id": d.park_id,
                "assessment_id": d.assessment_id,
                "amount": money(d.amount),
                "disbursed_index": d.disbursed_index,
            }
            for d in disbursements
        ]
        assert program.award_per_park is not None
        figures = {
            "program": {
                "program_id": program.program_id, "name": program.name, "currency": program.currency, "kind": program.kind,
                "target_year": program.target_year, "award_per_park": money(program.award_per_park),
            },
            "budget": money(program.budget),
            "disbursed": money(program.disbursed),
            "remaining": money(program.remaining),
            "disbursements": lines,
            "parks_paid": len({d.park_id for d in disbursements}),
        }  # fmt: skip
        findings = _park_reward_findings(source, disbursements)
        header = ["disbursement_id", "park_id", "assessment_id", "amount"]
        return Report("reward-program", program_id, figures, findings, header, lines)
    verifications = source.get_many(Verification, {v for d in disbursements for v in d.verification_ids})
    lines = [
        {
            "disbursement_id": d.disbursement_id,
            "project_id": d.project_id,
            "amount": money(d.amount),
            "tonnes": tonnes(d.tonnes),
            "yuan_per_tco2e": ratio(d.amount, d.tonnes, Decimal("0.01")),
            "verifications": list(d.verification_ids),
            "disbursed_index": d.disbursed_index,
        }
        for d in disbursements
    ]
    assert program.yuan_per_tco2e is not None
    figures = {
        "program": {"program_id": program.program_id, "name": program.name, "currency": program.currency, "yuan_per_tco2e_rule": money(program.yuan_per_tco2e)},
        "budget": money(program.budget),
        "disbursed": money(program.disbursed),
        "remaining": money(program.remaining),
        "tonnes_paid": tonnes(program.tonnes_paid),
        "yuan_per_verified_tco2e": ratio(program.disbursed, program.tonnes_paid, Decimal("0.01")),
        "disbursements": lines,
        "projects_paid": len({d.project_id for d in disbursements}),
    }
    findings = reward_findings(disbursements, {program.program_id: program}, verifications)
    header = ["disbursement_id", "project_id", "amount", "tonnes", "yuan_per_tco2e"]
    return Report("reward-program", program_id, figures, findings, header, lines)


def summary_report(source: ReportSource, as_of: datetime, settings: Settings) -> Report:
    """The whole programme: per park and in total, with every exception."""
    books = Books.everything(source)
    parks = source.find(Park)
    statistics: dict[str, list[ParkStatistics]] = defaultdict(list)
    for s in source.find(ParkStatistics):
        statistics[s.park_id].append(s)
    projects_by_park: dict[str, list[str]] = defaultdict(list)
    for p in books.projects.values():
        projects_by_park[p.park_id].append(p.project_id)
    lines = []
    for park in parks:
        ids = projects_by_park[park.park_id]
        loans = [loan for p in ids for loan in books.loans[p]]
        latest = max(statistics[park.park_id], key=lambda s: s.period_start, default=None)
        baseline = _intensity(park.baseline_emissions, park.baseline_output_value)
        latest_intensity = None if latest is None else _intensity(latest.total_emissions, latest.output_value)
        lines.append({
            "park_id": park.park_id,
            "name": park.name,
            "city": park.city,
            "economic_zone": park.economic_zone,
            "projects": len(ids),
            "loan_principal": money(sum((loan.principal for loan in loans), ZERO)),
            "outstanding": money(sum((loan.outstanding for loan in loans), ZERO)),
            "verified_reductions": tonnes(sum((books.verified(p) for p in ids), ZERO)),
            "rewards_received": money(sum((books.rewards_received(p) for p in ids), ZERO)),
            "latest_period_start": None if latest is None else format_timestamp(latest.period_start),
            "latest_intensity_change_percent": _change(latest_intensity, baseline),
        })
    all_loans = [loan for loans in books.loans.values() for loan in loans]
    all_verifications = [v for vs in books.verifications.values() for v in vs]
    programs = source.find(RewardProgram)
    findings: list[Finding] = []
    for park in parks:
        findings += statistics_findings(park, statistics[park.park_id], as_of)
    for project_id in sorted(books.projects):
        findings += project_findings(books, project_id, as_of, settings)
    findings += reward_findings(
        [d for ds in books.rewards.values() for d in ds], {p.program_id: p for p in programs}, {v.verification_id: v for v in all_verifications}
    )
    years = [line for lines in every_park_years(source, parks, statistics) for line in lines]
    findings += target_findings(years, as_of)
    park_rewards = books.park_rewards
    findings += _park_reward_findings(source, park_rewards)
    by_code: dict[str, int] = defaultdict(int)
    for f in findings:
        by_code[f.code] += 1
    verified = sum((v.reduction for v in all_verifications), ZERO)
    disbursed = sum((loan.disbursed for loan in all_loans), ZERO)
    rewards = sum((r.amount for rs in books.rewards.values() for r in rs), ZERO)
    figures = {
        "parks": lines,
        "totals": {
            "parks": len(parks),
            "projects": len(books.projects),
            "loans": len(all_loans),
            "loan_principal": money(sum((loan.principal for loan in all_loans), ZERO)),
            "disbursed": money(disbursed),
            "outstanding": money(sum((loan.outstanding for loan in all_loans), ZERO)),
            "verified_reductions": tonnes(verified),
            "verified_by_vintage": _by_vintage(all_verifications),
            "rewards_disbursed": money(rewards),
            "park_success_rewards_disbursed": money(sum((d.amount for d in park_rewards), ZERO)),
            "reward_budget": money(sum((p.budget for p in programs), ZERO)),
            "credits": _credits([b for bs in books.blocks.values() for b in bs]),
            "yuan_financed_per_tco2e": ratio(disbursed + rewards, verified, Decimal("0.01")),
        },
        "exceptions_by_code": dict(sorted(by_code.items())),
    }
    header = ["park_id", "name", "city", "projects", "loan_principal", "outstanding", "verified_reductions", "rewards_received", "latest_intensity_change_percent"]
    return Report("summary", None, figures, findings, header, lines)


def _park_reward_findings(source: ReportSource, disbursements: list[RewardDisbursement]) -> list[Finding]:
    if not disbursements:
        return []
    programs = source.get_many(RewardProgram, {d.program_id for d in disbursements})
    assessments = source.get_many(ParkAssessment, {d.assessment_id for d in disbursements if d.assessment_id})
    return park_reward_findings(disbursements, programs, assessments)


def programme_report(source: ReportSource, as_of: datetime, settings: Settings) -> Report:
    """The pilot programme against its targets, year by year: the parks' output value and its green part,
    emissions against the baselines, coal and clean energy, the parks' assessments and their rewards."""
    # Sorted here, not by the database, whose collation need not be code-point order.
    parks = sorted(source.find(Park), key=attrgetter("park_id"))
    statistics: dict[str, list[ParkStatistics]] = defaultdict(list)
    for s in source.find(ParkStatistics):
        statistics[s.park_id].append(s)
    programme_targets = {t.target_year: t for t in source.find(ProgrammeTargets)}
    years = target_years(source)
    programs = {p.program_id: p for p in source.find(RewardProgram)}
    park_rewards = [d for d in source.find(RewardDisbursement) if d.park_id is not None]
    by_year: dict[int, list[ParkYear]] = defaultdict(list)
    for lines in every_park_years(source, parks, statistics, years):
        for line in lines:
            by_year[line.year].append(line)
    sections = []
    for year in years:
        rewarded = [d for d in park_rewards if d.program_id in programs and programs[d.program_id].target_year == year]
        sections.append(programme_year(year, programme_targets.get(year), by_year[year], rewarded, as_of))
    table = []
    for year in years:
        for line in by_year[year]:
            row = line.as_json(as_of)
            figures = row["figures"] or {}
            table.append({
                "target_year": year,
                "park_id": line.park.park_id,
                "name": line.park.name,
                "statistics_complete": line.complete,
                "output_value": figures.get("output_value"),
                "green_output_value": figures.get("green_output_value"),
                "total_emissions": figures.get("total_emissions"),
                "intensity_reduction_percent": figures.get("intensity_reduction_percent"),
                "target_intensity_reduction_percent": (row["targets"] or {}).get("intensity_reduction_percent"),
                "targets_missed": ";".join(row["targets_missed"] or []),
                "status": row["status"],
                "rewards_paid": row["rewards_paid"],
            })
    findings = [late_targets_finding("programme", "the programme's", t) for _, t in sorted(programme_targets.items()) if t.first_set_at >= year_bounds(t.target_year)[1]]
    findings += target_findings([line for year in years for line in by_year[year]], as_of) + _park_reward_findings(source, park_rewards)
    figures = {"years": sections, "parks": table}
    header = [
        "target_year", "park_id", "name", "statistics_complete", "output_value", "green_output_value", "total_emissions",
        "intensity_reduction_percent", "target_intensity_reduction_percent", "targets_missed", "status", "rewards_paid",
    ]  # fmt: skip
    return Report("programme", None, figures, findings, header, table)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def build(kind: str, source: ReportSource, subject: str | None, as_of: datetime, settings: Settings) -> Report:
    """Dispatch to the builder of ``kind``, once its subject is known to exist in ``source``.

    The server's live and replayed reports and the offline verifier's recomputation all come through
    here, so a subject unknown at a tree size is unknown to each of them alike.

    :raises InvalidInput: for an unknown kind, a missing subject, or a summary given one.
    :raises UnknownSubject: when the subject does not exist at this tree size.
    """
    if kind in SUBJECTLESS:
        if subject:
            raise errors.InvalidInput(f"the {kind} report takes no subject", field="subject")
        return (summary_report if kind == "summary" else programme_report)(source, as_of, settings)
    builders = {"project": project_report, "lender": lender_report, "park": park_report, "reward-program": program_report}
    if kind not in builders:
        raise errors.InvalidInput(f"unknown report {kind!r}; known: {', '.join(KINDS)}", field="kind")
    if not subject:
        raise errors.InvalidInput(f"a {kind} report needs a subject", field="subject")
    require_subject(source, kind, subject)
    return builders[kind](source, subject, as_of, settings)



def signed_body(report: Report, *, origin: str, tree_size: int, root_hash: bytes, as_of: datetime, settings: Settings) -> dict[str, Any]:
    """The report as signed: what it reflects (origin, tree size, root, as-of time, method) and its content."""
    return {
        "kind": report.kind,
        "subject": report.subject,
        "origin": origin,
        "tree_size": tree_size,
        "root_hash": b64encode(root_hash),
        "as_of": format_timestamp(as_of),
        "method": METHOD,
        "financing_grace_days": settings.financing_grace.days,
        "figures": report.figures,
        "exceptions": [f.as_json() for f in report.findings],
    }
