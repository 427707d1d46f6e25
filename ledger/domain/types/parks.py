"""park.registered, park.statistics.reported, project.registered: the parks, their figures, their projects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from marshmallow import fields, validate

from ledger import errors
from ledger.crypto.canonical import format_timestamp
from ledger.domain import roles
from ledger.domain.entities import Entity, Loan, Park, ParkAssessment, ParkStatistics, ParkTargets, Project
from ledger.domain.fields import FullMatch, Money, PartyId, Tonnes, UtcTimestamp
from ledger.domain.payloads import StrictSchema, currency_code, entity_id, short_text
from ledger.domain.rules import (
    EntryContext,
    EntryType,
    field_path,
    overlaps,
    require,
    require_currency,
    require_new,
    require_party_with_role,
    require_period,
    require_signer,
    same_id,
)
from ledger.domain.state import EntryView, LedgerState

#: Sichuan's economic zones as the pilot programme groups its parks.
ECONOMIC_ZONES = ("chengdu_plain", "northeast_sichuan", "south_sichuan", "panxi", "northwest_sichuan")
#: Codes of the Green Industry Guidance Catalogue (e.g. "3.2.1").
CATEGORY_PATTERN = r"^[1-9][0-9]?(\.[0-9]{1,2}){1,3}$"


class ParkRegisteredPayload(StrictSchema):
    """park.registered: a pilot park, its operator and its baseline."""

    park = entity_id("park id", required=True)
    name = short_text(required=True)
    city = short_text(required=True, metadata={"description": "city or prefecture"})
    economic_zone = fields.String(required=True, validate=validate.OneOf(ECONOMIC_ZONES))
    leading_industries = fields.List(short_text(), required=True, validate=validate.Length(min=1, max=20))
    operator = PartyId(required=True, metadata={"description": "party with role park_operator"})
    baseline_year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    baseline_emissions = Tonnes(required=True)
    baseline_output_value = Money(required=True)
    currency = currency_code(required=True)


class ParkStatisticsPayload(StrictSchema):
    """park.statistics.reported: a period's output value, energy use and total emissions."""

    park = entity_id("park id", required=True)
    period_start = UtcTimestamp(required=True)
    period_end = UtcTimestamp(required=True)
    output_value = Money(required=True)
    currency = currency_code(required=True)
    energy_use_tce = Tonnes(required=True, metadata={"description": "tonnes of standard coal equivalent"})
    total_emissions = Tonnes(required=True)
    green_output_value = Money(load_default=None, metadata={"description": "of the output value, what green low-carbon industry produced"})
    coal_consumption_tce = Tonnes(load_default=None, metadata={"description": "coal consumed, in tonnes of standard coal equivalent"})
    clean_energy_tce = Tonnes(load_default=None, metadata={"description": "of the energy use, clean energy (tonnes of standard coal equivalent)"})


class ProjectRegisteredPayload(StrictSchema):
    """project.registered: a green project in a park and how it is financed."""

    project = entity_id("project id", required=True)
    park = entity_id("park id", required=True)
    name = short_text(required=True)
    owner = short_text(required=True, metadata={"description": "legal name of the project company"})
    category = fields.String(required=True, validate=FullMatch(CATEGORY_PATTERN), metadata={"description": "Green Industry Guidance Catalogue code", "example": "3.2.1"})
    equity = Money(required=True)
    debt = Money(required=True)
    currency = currency_code(required=True)
    expected_annual_reduction = Tonnes(required=True)


# --- parks --------------------------------------------------------------------------------------


def _park_fields(state: LedgerState, p: Mapping[str, Any]) -> dict[str, Any]:
    require_party_with_role(state, p["operator"], roles.PARK_OPERATOR, "operator")
    return {
        "name": p["name"],
        "city": p["city"],
        "economic_zone": p["economic_zone"],
        "leading_industries": tuple(p["leading_industries"]),
        "operator": p["operator"],
        "baseline_year": p["baseline_year"],
        "baseline_emissions": p["baseline_emissions"],
        "baseline_output_value": p["baseline_output_value"],
        "currency": p["currency"],
    }


def _park_registered(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    require_new(state, Park, ctx.payload["park"], "park")
    return [Park(park_id=ctx.payload["park"], registered_index=ctx.index, last_index=ctx.index, **_park_fields(state, ctx.payload))]


#: What a park's targets and assessments are measured against.
BASELINE_FIELDS = ("baseline_year", "baseline_emissions", "baseline_output_value")


def _correct_park(state: LedgerState, ctx: EntryContext, original: EntryView, new: Mapping[str, Any]) -> list[Entity]:
    same_id(original, new, "park")
    park: Park = require(state, Park, new["park"], "park")
    changed = [name for name in BASELINE_FIELDS if new[name] != getattr(park, name)]
    if changed and (state.find(ParkTargets, park_id=park.park_id) or state.find(ParkAssessment, park_id=park.park_id)):
        raise errors.RuleViolation(
            f"{park.park_id}'s targets are set against its baseline, which can no longer change ({', '.join(changed)})",
            field=f"envelope.payload.payload.{changed[0]}",
            rule="park-baseline-in-use",
        )
    return [park.evolve(last_index=ctx.index, **_park_fields(state, new))]


# --- statistics ------------------------------------------------------------------------------------


def _require_part_of(part: str, whole: str, p: Mapping[str, Any], prefix: str, what: str) -> None:
    if p[part] is not None and p[part] > p[whole]:
        raise errors.RuleViolation(f"{part} is part of {whole} and cannot exceed it", field=field_path(prefix + part), rule=what)


def _statistics(state: LedgerState, ctx: EntryContext, p: Mapping[str, Any], *, replacing: str | None, prefix: str = "") -> ParkStatistics:
    park: Park = require(state, Park, p["park"], "park")
    require_signer(ctx, park.operator, "park", park.park_id)
    require_currency(p["currency"], park.currency)
    require_period(p["period_start"], p["period_end"])
    _require_part_of("green_output_value", "output_value", p, prefix, "green-output-above-output")
    _require_part_of("clean_energy_tce", "energy_use_tce", p, prefix, "clean-energy-above-energy-use")
    for other in state.find(ParkStatistics, park_id=park.park_id):
        if other.statistics_id != replacing and overlaps(p["period_start"], p["period_end"], other.period_start, other.period_end):
            raise errors.RuleViolation(
                f"statistics for {park.park_id} already cover part of this period (index {other.reported_index})",
                field=field_path("period_start"),
                rule="overlapping-statistics-period",
            )
    return ParkStatistics(
        statistics_id=replacing or f"{park.park_id}/{format_timestamp(p['period_start'])}",
        park_id=park.park_id,
        period_start=p["period_start"],
        period_end=p["period_end"],
        output_value=p["output_value"],
        currency=p["currency"],
        energy_use_tce=p["energy_use_tce"],
        total_emissions=p["total_emissions"],
        reported_index=ctx.index,
        last_index=ctx.index,
        green_output_value=p["green_output_value"],
        coal_consumption_tce=p["coal_consumption_tce"],
        clean_energy_tce=p["clean_energy_tce"],
    )


def _statistics_reported(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    return [_statistics(state, ctx, ctx.payload, replacing=None)]


def _correct_statistics(state: LedgerState, ctx: EntryContext, original: EntryView, new: Mapping[str, Any]) -> list[Entity]:
    same_id(original, new, "park")
    (current,) = [s for s in state.find(ParkStatistics, park_id=new["park"]) if s.reported_index == original.index]
    for assessment in state.find(ParkAssessment, park_id=current.park_id):
        if original.index in assessment.statistics_indices:
            raise errors.RuleViolation(
                f"assessment {assessment.assessment_id} (index {assessment.assessed_index}) rests on these statistics, "
                "so they stay as they were judged; the report of the park shows the assessment and the entries behind it",
                field="envelope.payload.corrects",
                rule="statistics-assessed",
            )
    corrected = _statistics(state, ctx, new, replacing=current.statistics_id, prefix="payload.")
    return [corrected.evolve(reported_index=original.index)]


# --- projects ------------------------------------------------------------------------------------


def _project_fields(p: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": p["name"],
        "owner": p["owner"],
        "category": p["category"],
        "equity": p["equity"],
        "debt": p["debt"],
        "currency": p["currency"],
        "expected_annual_reduction": p["expected_annual_reduction"],
    }


def _require_investment(p: Mapping[str, Any], prefix: str = "") -> None:
    """Attribution divides by equity + debt, so a project must have some."""
    if p["equity"] + p["debt"] <= 0:
        raise errors.RuleViolation("equity + debt must be greater than zero", field=field_path(prefix + "debt"), rule="no-investment")


def _project_registered(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    _require_investment(p)
    park: Park = require(state, Park, p["park"], "park")
    require_signer(ctx, park.operator, "park", park.park_id)
    require_currency(p["currency"], park.currency)
    require_new(state, Project, p["project"], "project")
    return [
        Project(
            project_id=p["project"],
            park_id=park.park_id,
            loan_principal=Decimal("0.00"),
            registered_index=ctx.index,
            last_index=ctx.index,
            **_project_fields(p),
        )
    ]


def _correct_project(state: LedgerState, ctx: EntryContext, original: EntryView, new: Mapping[str, Any]) -> list[Entity]:
    same_id(original, new, "project", "park")
    _require_investment(new, "payload.")
    project: Project = require(state, Project, new["project"], "project")
    corrected = project.evolve(last_index=ctx.index, **_project_fields(new))
    require_currency(new["currency"], project.currency)
    flagged = any(loan.exceeds_investment for loan in state.find(Loan, project_id=project.project_id))
    if corrected.loan_principal > corrected.total_investment and not flagged:
        raise errors.RuleViolation(
            f"the project's loans ({corrected.loan_principal}) would exceed its total investment ({corrected.total_investment})",
            field="envelope.payload.payload.debt",
            rule="loans-exceed-investment",
        )
    return [corrected]


PARK_REGISTRARS = frozenset({roles.ADMIN, roles.DEPARTMENT})
PARK_OPERATORS = frozenset({roles.PARK_OPERATOR})

TYPES = (
    EntryType("park.registered", ParkRegisteredPayload, PARK_REGISTRARS, _park_registered, "A pilot park with its baseline.", _correct_park),
    EntryType(
        "park.statistics.reported", ParkStatisticsPayload, PARK_OPERATORS, _statistics_reported, "A park's figures for a period.", _correct_statistics
    ),
    EntryType("project.registered", ProjectRegisteredPayload, PARK_OPERATORS, _project_registered, "A green project in a park.", _correct_project),
)
