"""park.assessed: the expert library's judgement whether a park met its targets in a year.

The assessor names the statistics entries it rests on, states the figures they give and the outcome,
and fingerprints its report. The rules recompute all of it (``ledger.domain.assessment``): the
statistics must cover the calendar year without gaps, the figures must be the ones they give and the
outcome the one the targets in force decide, so an assessor cannot call a park successful that missed
a target, nor unsuccessful one that met them. One assessment per park and year; an entry.corrected
replaces it (and may not un-make the success a reward has paid for).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from marshmallow import fields, validate

from ledger import errors
from ledger.domain import roles
from ledger.domain.assessment import OUTCOMES, SUCCESSFUL, coverage_problem, differing_figures, judge, year_bounds
from ledger.domain.entities import Entity, Park, ParkAssessment, ParkStatistics, ParkTargets, RewardDisbursement
from ledger.domain.fields import Base64Bytes, DecimalString, Money, Tonnes
from ledger.domain.payloads import StrictSchema, entity_id
from ledger.domain.rules import EntryContext, EntryType, field_path, require, require_new, same_id
from ledger.domain.state import EntryView, LedgerState
from ledger.domain.types.targets import target_year_field, targets_id


class ParkAssessedPayload(StrictSchema):
    """park.assessed: a park's target year judged from its statistics against the targets in force."""

    assessment = entity_id("assessment id", required=True)
    park = entity_id("park id", required=True)
    target_year = target_year_field()
    statistics = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        required=True,
        validate=validate.Length(min=1, max=366),
        metadata={"description": "log indices of the park.statistics.reported entries that cover the target year"},
    )
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    output_value = Money(required=True, metadata={"description": "the year's output value: the statistics' sum"})
    green_output_value = Money(load_default=None, allow_none=True, metadata={"description": "the year's green low-carbon industry output (when every period reports it)"})
    total_emissions = Tonnes(required=True, metadata={"description": "the year's emissions: the statistics' sum"})
    intensity = DecimalString(places=6, load_default=None, allow_none=True, metadata={"description": "tCO2e per 10,000 yuan of output value, rounded half-even to 6 places", "example": "0.351323"})
    intensity_reduction_percent = DecimalString(
        places=2, allow_negative=True, load_default=None, allow_none=True,
        metadata={"description": "how far the intensity lies below the park's baseline intensity, in percent (2 places, half-even)", "example": "18.42"},
    )  # fmt: skip
    coal_consumption_tce = Tonnes(load_default=None, allow_none=True, metadata={"description": "the year's coal consumption (when every period reports it)"})
    clean_energy_share_percent = DecimalString(
        places=2, load_default=None, allow_none=True,
        metadata={"description": "clean-energy use over energy use, in percent (when every period reports it)", "example": "42.10"},
    )  # fmt: skip
    report_sha256 = Base64Bytes(length=32, required=True, metadata={"description": "SHA-256 of the assessment report"})


def _figure_text(value: Decimal | None) -> str:
    return "nothing (not reported for every period)" if value is None else str(value)


def _judged(state: LedgerState, ctx: EntryContext, p: Mapping[str, Any], prefix: str = "") -> ParkAssessment:
    """The assessment the payload states, once every figure and the outcome are the ones the log gives."""
    park: Park = require(state, Park, p["park"], prefix + "park")
    year = p["target_year"]
    _, year_end = year_bounds(year)
    if ctx.signed_at < year_end:
        raise errors.RuleViolation(f"{year} is not over yet", field=field_path(prefix + "target_year"), rule="assessment-before-year-end")
    targets: ParkTargets | None = state.get(ParkTargets, targets_id(park.park_id, year))
    if targets is None:
        raise errors.RuleViolation(
            f"no targets are set for {park.park_id} in {year} (park.targets.set)", field=field_path(prefix + "target_year"), rule="no-targets-for-year"
        )
    indices = p["statistics"]
    if len(set(indices)) != len(indices):
        raise errors.InvalidInput("statistics must not repeat", field=field_path(prefix + "statistics"))
    by_index = {s.reported_index: s for s in state.find(ParkStatistics, park_id=park.park_id)}
    statistics = []
    for position, index in enumerate(indices):
        found = by_index.get(index)
        if found is None:
            raise errors.UnknownReference(
                f"entry {index} is no park.statistics.reported of {park.park_id}", field=field_path(f"{prefix}statistics.{position}")
            )
        statistics.append(found)
    gap = coverage_problem(((s.period_start, s.period_end) for s in statistics), year)
    if gap is not None:
        raise errors.RuleViolation(
            f"the statistics named must cover {year} from 1 January to 31 December: {gap}",
            field=field_path(prefix + "statistics"),
            rule="statistics-do-not-cover-year",
        )
    judgement = judge(park, statistics, targets)
    differing = differing_figures(p, judgement.figures)
    if differing:
        name = differing[0]
        raise errors.RuleViolation(
            f"{name} is {_figure_text(p[name])}; the statistics give {_figure_text(getattr(judgement.figures, name))}",
            field=field_path(prefix + name),
            rule="assessment-figures-mismatch",
        )
    if p["outcome"] != judgement.outcome:
        reason = f"it missed {', '.join(judgement.missed)}" if judgement.missed else "it met every target"
        raise errors.RuleViolation(
            f"the outcome the figures and targets (index {targets.set_index}) give is {judgement.outcome}: {reason}",
            field=field_path(prefix + "outcome"),
            rule="assessment-outcome-mismatch",
        )
    return ParkAssessment(
        assessment_id=p["assessment"],
        park_id=park.park_id,
        target_year=year,
        assessor=ctx.signer,
        outcome=judgement.outcome,
        missed=judgement.missed,
        statistics_indices=tuple(sorted(indices)),
        targets_index=targets.set_index,
        report_sha256=p["report_sha256"],
        assessed_index=ctx.index,
        last_index=ctx.index,
        **judgement.figures.as_dict(),
    )


def _park_assessed(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    require_new(state, ParkAssessment, p["assessment"], "assessment")
    earlier = [a for a in state.find(ParkAssessment, park_id=p["park"]) if a.target_year == p["target_year"]]
    if earlier:
        raise errors.RuleViolation(
            f"{p['park']}'s {p['target_year']} is assessed already ({earlier[0].assessment_id}, index {earlier[0].assessed_index}); "
            "correct that assessment (entry.corrected) instead",
            field=field_path("target_year"),
            rule="park-already-assessed",
        )
    return [_judged(state, ctx, p)]


def _correct_assessment(state: LedgerState, ctx: EntryContext, original: EntryView, new: Mapping[str, Any]) -> list[Entity]:
    same_id(original, new, "assessment", "park", "target_year")
    current: ParkAssessment = require(state, ParkAssessment, new["assessment"], "payload.assessment")
    corrected = _judged(state, ctx, new, "payload.")
    paid = [d for d in state.find(RewardDisbursement, park_id=current.park_id) if d.assessment_id == current.assessment_id]
    if paid and corrected.outcome != SUCCESSFUL:
        raise errors.RuleViolation(
            f"{paid[0].disbursement_id} paid a reward for this assessment's success",
            field="envelope.payload.payload.outcome",
            rule="assessment-rewarded",
        )
    return [corrected.evolve(assessor=current.assessor, assessed_index=current.assessed_index)]


ASSESSORS = frozenset({roles.ASSESSOR, roles.DEPARTMENT})

TYPES = (
    EntryType(
        "park.assessed", ParkAssessedPayload, ASSESSORS, _park_assessed,
        "An expert judgement whether a park met its targets in a year.", _correct_assessment,
    ),
)  # fmt: skip
