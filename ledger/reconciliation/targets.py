"""Parks against their targets: each park's status per target year, the programme's progress, and the
exceptions where targets, statistics, assessments and park-success rewards do not agree.

The judgement is the one the rules apply to a ``park.assessed`` entry (``ledger.domain.assessment``), so
a report shows, for a year whose statistics are complete, the outcome an assessor would have to sign.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from ledger.crypto.canonical import format_timestamp
from ledger.domain.assessment import (
    SUCCESSFUL,
    FIGURE_NAMES,
    Judgement,
    covers_year,
    differing_figures,
    judge,
    statistics_of_year,
    year_bounds,
)
from ledger.domain.entities import (
    Park,
    ParkAssessment,
    ParkStatistics,
    ParkTargets,
    ProgrammeTargets,
    RewardDisbursement,
    RewardProgram,
)
from ledger.reconciliation.exceptions import ERROR, INFORMATION, WARNING, Finding
from ledger.reconciliation.figures import ZERO, money, percent, tonnes
from ledger.reconciliation.source import ReportSource

HUNDRED = Decimal(100)

#: A park's standing in a target year, as reports name it.
NO_TARGETS = "no-targets"  # the programme has targets for the year, the park none
IN_PROGRESS = "in-progress"  # the year is not over
STATISTICS_INCOMPLETE = "statistics-incomplete"  # over, and the statistics do not cover it
NOT_ASSESSED = "not-assessed"  # complete statistics, no assessment yet
ASSESSED_SUCCESSFUL = "assessed-successful"
ASSESSED_NOT_SUCCESSFUL = "assessed-not-successful"


def _decimal_text(name: str, value: Decimal | None) -> str | None:
    if value is None:
        return None
    if name in ("output_value", "green_output_value"):
        return money(value)
    if name in ("total_emissions", "coal_consumption_tce"):
        return tonnes(value)
    return str(value)  # intensity and percentages: quantized to their places by the judgement


@dataclass
class ParkYear:
    """One park in one target year: its targets, the statistics inside the year and what they give."""

    park: Park
    year: int
    targets: ParkTargets | None
    statistics: list[ParkStatistics]
    assessment: ParkAssessment | None
    complete: bool
    judgement: Judgement | None
    rewards: list[RewardDisbursement] = field(default_factory=list)

    def status(self, as_of: datetime) -> str:
        if self.assessment is not None:
            return ASSESSED_SUCCESSFUL if self.assessment.outcome == SUCCESSFUL else ASSESSED_NOT_SUCCESSFUL
        if self.targets is None:
            return NO_TARGETS
        if self.complete:
            return NOT_ASSESSED
        return IN_PROGRESS if as_of < year_bounds(self.year)[1] else STATISTICS_INCOMPLETE

    def figures(self) -> dict[str, str | None] | None:
        if self.judgement is None:
            return None
        return {name: _decimal_text(name, value) for name, value in self.judgement.figures.as_dict().items()}

    def as_json(self, as_of: datetime) -> dict[str, Any]:
        t = self.targets
        a = self.assessment
        return {
            "target_year": self.year,
            "targets": None if t is None else {
                "intensity_reduction_percent": percent(t.intensity_reduction_percent),
                "emissions_cap": None if t.emissions_cap is None else tonnes(t.emissions_cap),
                "coal_cap_tce": None if t.coal_cap_tce is None else tonnes(t.coal_cap_tce),
                "min_clean_energy_share_percent": None if t.min_clean_energy_share_percent is None else percent(t.min_clean_energy_share_percent),
                "decided_at": format_timestamp(t.decided_at),
                "set_index": t.set_index,
            },
            "statistics_complete": self.complete,
            "statistics_indices": [s.reported_index for s in self.statistics],
            "figures": self.figures(),
            "targets_missed": None if self.judgement is None or t is None else list(self.judgement.missed),
            "assessment": None if a is None else {
                "assessment_id": a.assessment_id, "assessor": a.assessor, "outcome": a.outcome, "assessed_index": a.assessed_index,
            },
            "status": self.status(as_of),
            "rewards_paid": money(sum((d.amount for d in self.rewards), ZERO)),
        }  # fmt: skip


def target_years(source: ReportSource) -> list[int]:
    """Every year that programme or park targets are set for."""
    years = {t.target_year for t in source.find(ProgrammeTargets)} | {t.target_year for t in source.find(ParkTargets)}
    return sorted(years)


def park_years(source: ReportSource, park: Park, *, statistics: Sequence[ParkStatistics]) -> list[ParkYear]:
    """The park in each year it has targets for, with the rewards paid for its success."""
    return _lines(
        park,
        source.find(ParkTargets, park_id=park.park_id),
        source.find(ParkAssessment, park_id=park.park_id),
        statistics,
        source.find(RewardDisbursement, park_id=park.park_id),
        None,
    )


def every_park_years(
    source: ReportSource, parks: Sequence[Park], statistics: Mapping[str, Sequence[ParkStatistics]], years: Iterable[int] | None = None
) -> list[list[ParkYear]]:
    """``park_years`` of each of ``parks`` (or each in ``years``), reading targets, assessments and park
    rewards once for all of them rather than once a park."""
    targets, assessments, rewards = defaultdict(list), defaultdict(list), defaultdict(list)
    for t in source.find(ParkTargets):
        targets[t.park_id].append(t)
    for a in source.find(ParkAssessment):
        assessments[a.park_id].append(a)
    for d in source.find(RewardDisbursement):
        if d.park_id is not None:
            rewards[d.park_id].append(d)
    wanted = None if years is None else list(years)
    return [_lines(p, targets[p.park_id], assessments[p.park_id], statistics.get(p.park_id, ()), rewards[p.park_id], wanted) for p in parks]


def _lines(
    park: Park,
    park_targets: Iterable[ParkTargets],
    park_assessments: Iterable[ParkAssessment],
    statistics: Sequence[ParkStatistics],
    park_rewards: Iterable[RewardDisbursement],
    years: Iterable[int] | None,
) -> list[ParkYear]:
    targets = {t.target_year: t for t in park_targets}
    assessments = {a.target_year: a for a in park_assessments}
    rewarded: dict[str, list[RewardDisbursement]] = defaultdict(list)
    for d in park_rewards:
        if d.assessment_id is not None:
            rewarded[d.assessment_id].append(d)
    lines = []
    for year in sorted(set(targets) if years is None else set(years)):
        inside = statistics_of_year(statistics, year)
        complete = covers_year(inside, year)
        t = targets.get(year)
        judgement = judge(park, inside, t) if complete and t is not None else None
        assessment = assessments.get(year)
        paid = rewarded.get(assessment.assessment_id, []) if assessment is not None else []
        lines.append(ParkYear(park, year, t, inside, assessment, complete, judgement, sorted(paid, key=lambda d: d.disbursement_id)))
    return lines


def target_findings(years: Sequence[ParkYear], as_of: datetime) -> list[Finding]:
    """Targets missed, target years without complete statistics, and assessments the log contradicts."""
    findings = []
    for line in years:
        park_id, year, t = line.park.park_id, line.year, line.targets
        subject = f"park:{park_id}"
        stat_indices = tuple(s.last_index for s in line.statistics)
        if t is not None and line.judgement is not None and line.judgement.missed:
            findings.append(Finding(
                "park-target-missed", INFORMATION, subject,
                f"{park_id} missed {', '.join(line.judgement.missed)} in {year}",
                (t.set_index, *stat_indices, *((line.assessment.last_index,) if line.assessment else ())),
            ))  # fmt: skip
        if t is not None and t.first_set_at >= year_bounds(year)[1]:
            findings.append(late_targets_finding(subject, f"{park_id}'s", t))
        if t is not None and not line.complete and as_of >= year_bounds(year)[1]:
            findings.append(Finding(
                "statistics-incomplete-for-target-year", WARNING, subject,
                f"{park_id}'s statistics do not cover {year} from 1 January to 31 December, so it cannot be judged against its {year} targets",
                (t.set_index, line.park.registered_index, *stat_indices),
            ))  # fmt: skip
        if line.assessment is not None:
            contradiction = _contradiction(line)
            if contradiction:
                a = line.assessment
                findings.append(Finding(
                    "assessment-contradicts-statistics", ERROR, f"assessment:{a.assessment_id}",
                    f"{a.assessment_id} judged {park_id}'s {year} {a.outcome}, but {contradiction}",
                    (a.assessed_index, a.last_index, *stat_indices, *((t.set_index,) if t else ())),
                ))  # fmt: skip
    return findings


def late_targets_finding(subject: str, whose: str, targets: ParkTargets | ProgrammeTargets) -> Finding:
    """Targets first recorded after their year was over: decided earlier, says ``decided_at``, which
    only the department's published decision can confirm."""
    return Finding(
        "targets-set-after-target-year", INFORMATION, subject,
        f"{whose} {targets.target_year} targets were first recorded on {targets.first_set_at.date()}, after the year ended; "
        f"they say they were decided on {targets.decided_at.date()}",
        (targets.first_set_index, targets.set_index),
    )  # fmt: skip


def _contradiction(line: ParkYear) -> str | None:
    """What the log says against the line's assessment, or None when it agrees."""
    a = line.assessment
    assert a is not None
    if line.targets is None or line.targets.set_index != a.targets_index:
        return f"the targets in force are not the ones it was judged against (index {a.targets_index})"
    named = {s.reported_index: s for s in line.statistics}
    if set(named) != set(a.statistics_indices) or not line.complete or line.judgement is None:
        return "the statistics it names do not cover the year"
    differing = differing_figures({name: getattr(a, name) for name in FIGURE_NAMES}, line.judgement.figures)
    if differing:
        return f"its statistics give other figures ({', '.join(differing)})"
    if a.outcome != line.judgement.outcome:
        return f"its figures and targets give {line.judgement.outcome}"
    return None


def park_reward_findings(
    disbursements: Iterable[RewardDisbursement], programs: dict[str, RewardProgram], assessments: dict[str, ParkAssessment]
) -> list[Finding]:
    """Park-success rewards paid without a successful assessment of that park for the programme's year."""
    findings = []
    for d in disbursements:
        if d.park_id is None:
            continue
        assessment = assessments.get(d.assessment_id or "")
        program = programs.get(d.program_id)
        why = None
        if assessment is None or assessment.park_id != d.park_id:
            why = f"no assessment {d.assessment_id} of {d.park_id} exists"
        elif program is not None and assessment.target_year != program.target_year:
            why = f"{assessment.assessment_id} judged {assessment.target_year}, not {program.target_year}"
        elif assessment.outcome != SUCCESSFUL:
            why = f"{assessment.assessment_id} found it {assessment.outcome}"
        if why:
            findings.append(Finding(
                "reward-to-park-not-successful", ERROR, f"reward:{d.disbursement_id}",
                f"{d.disbursement_id} paid {money(d.amount)} to {d.park_id} for its success, but {why}",
                (d.disbursed_index, *((assessment.last_index,) if assessment else ()), *((program.last_index,) if program else ())),
            ))  # fmt: skip
    return findings


def _share(part: Decimal, whole: Decimal) -> str | None:
    return None if whole == 0 else percent(part / whole * HUNDRED)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _reporting(lines: Sequence[ParkYear], figure: str) -> list[ParkYear]:
    """The lines whose every period reports ``figure``: a year's figure is never a part year's."""
    return [line for line in lines if all(getattr(s, figure) is not None for s in line.statistics)]


def programme_year(year: int, targets: ProgrammeTargets | None, lines: Sequence[ParkYear], rewards: Sequence[RewardDisbursement], as_of: datetime) -> dict[str, Any]:
    """The programme's progress in ``year``: the parks whose statistics cover it, summed, against the targets."""
    complete = [line for line in lines if line.complete]
    output = _sum(s.output_value for line in complete for s in line.statistics)
    green_lines = _reporting(complete, "green_output_value")
    green = _sum(s.green_output_value for line in green_lines for s in line.statistics)  # type: ignore[misc]
    emissions = _sum(s.total_emissions for line in complete for s in line.statistics)
    baseline = _sum(line.park.baseline_emissions for line in complete)
    coal_lines = _reporting(complete, "coal_consumption_tce")
    clean_lines = _reporting(complete, "clean_energy_tce")
    clean = _sum(s.clean_energy_tce for line in clean_lines for s in line.statistics)  # type: ignore[misc]
    clean_energy_use = _sum(s.energy_use_tce for line in clean_lines for s in line.statistics)
    statuses: dict[str, int] = defaultdict(int)
    for line in lines:
        statuses[line.status(as_of)] += 1
    return {
        "target_year": year,
        "targets": None if targets is None else {
            "output_value": money(targets.output_value),
            "green_output_value": money(targets.green_output_value),
            "currency": targets.currency,
            "decided_at": format_timestamp(targets.decided_at),
            "set_index": targets.set_index,
        },
        "parks": len(lines),
        "parks_with_complete_statistics": len(complete),
        "output_value": money(output),
        "output_value_percent_of_target": None if targets is None else _share(output, targets.output_value),
        "green_output_value": money(green),
        "green_output_parks": len(green_lines),
        "green_output_percent_of_target": None if targets is None else _share(green, targets.green_output_value),
        "total_emissions": tonnes(emissions),
        "baseline_emissions": tonnes(baseline),
        "emissions_change_percent": None if baseline == 0 else percent((emissions - baseline) / baseline * HUNDRED),
        "coal_consumption_tce": tonnes(_sum(s.coal_consumption_tce for line in coal_lines for s in line.statistics)),  # type: ignore[misc]
        "coal_parks": len(coal_lines),
        "clean_energy_share_percent": _share(clean, clean_energy_use),
        "clean_energy_parks": len(clean_lines),
        "parks_with_targets": sum(1 for line in lines if line.targets is not None),
        "parks_meeting_targets": sum(1 for line in lines if line.judgement is not None and not line.judgement.missed),
        "status": dict(sorted(statuses.items())),
        "park_success_rewards": money(_sum(d.amount for d in rewards)),
        "parks_rewarded": len({d.park_id for d in rewards}),
    }  # fmt: skip
