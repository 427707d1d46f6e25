"""programme.targets.set, park.targets.set: what the pilot programme and each park are to reach in a year.

The department sets them. A later targets entry for the same year (and park) replaces the one in force
from its index on; the log keeps every one, so a report as of an earlier tree size shows the targets
then in force. ``decided_at`` says when the department decided: it lies in or before the target year,
so a decision taken before the log existed can still be recorded once; the reports then say that the
targets were recorded after their year (``targets-set-after-target-year``), for an auditor to hold them
against the department's published decision. What no entry may do is move the goalposts once the year
is over: after its end (by the entry's ``signed_at``) targets already recorded for that year stay as
they are.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import fields, validate

from ledger import errors
from ledger.domain import roles
from ledger.domain.assessment import year_bounds
from ledger.domain.entities import Entity, Park, ParkAssessment, ParkTargets, ProgrammeTargets
from ledger.domain.fields import DecimalString, Money, Tonnes, UtcTimestamp
from ledger.domain.payloads import StrictSchema, currency_code, entity_id
from ledger.domain.rules import EntryContext, EntryType, field_path, require, require_currency, require_positive
from ledger.domain.state import LedgerState

HUNDRED = Decimal(100)


def target_year_field() -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100), metadata={"description": "the calendar year the targets are for"})


def decided_at_field() -> UtcTimestamp:
    return UtcTimestamp(
        required=True,
        metadata={"description": "when the department decided the targets: in or before the target year, and not after the entry is signed"},
    )


def percent_field(description: str, **kwargs: Any) -> DecimalString:
    return DecimalString(places=2, metadata={"description": description, "example": "18.00"}, **kwargs)


class ProgrammeTargetsPayload(StrictSchema):
    """programme.targets.set: the pilot parks' output value goals for a year."""

    target_year = target_year_field()
    output_value = Money(required=True, metadata={"description": "total output value of the pilot parks in the target year"})
    green_output_value = Money(required=True, metadata={"description": "of which from green low-carbon industry"})
    currency = currency_code(required=True)
    decided_at = decided_at_field()


class ParkTargetsPayload(StrictSchema):
    """park.targets.set: one park's goals for a year; leave out a cap or minimum that is not a target."""

    park = entity_id("park id", required=True)
    target_year = target_year_field()
    intensity_reduction_percent = percent_field("emission intensity (tCO2e per 10,000 yuan of output) at least this much below the park's baseline", required=True)
    emissions_cap = Tonnes(load_default=None, metadata={"description": "most total emissions in the target year (tCO2e)"})
    coal_cap_tce = Tonnes(load_default=None, metadata={"description": "most coal consumption in the target year (tonnes of standard coal equivalent)"})
    min_clean_energy_share_percent = percent_field("least share of clean energy in the park's energy use", load_default=None)
    decided_at = decided_at_field()


def _require_decided_in_time(ctx: EntryContext, year: int) -> None:
    decided_at = ctx.payload["decided_at"]
    _, year_end = year_bounds(year)
    if decided_at >= year_end:
        raise errors.RuleViolation(
            f"targets for {year} must be decided by the end of {year}", field=field_path("decided_at"), rule="targets-decided-after-target-year"
        )
    if decided_at > ctx.signed_at:
        raise errors.RuleViolation("decided_at lies after the entry was signed", field=field_path("decided_at"), rule="targets-decided-after-signing")


def _require_open(ctx: EntryContext, year: int, existing: ProgrammeTargets | ParkTargets | None) -> None:
    """Targets already recorded for a year stay as they are once it is over."""
    _, year_end = year_bounds(year)
    if existing is not None and ctx.signed_at >= year_end:
        raise errors.RuleViolation(
            f"{year} is over: the targets recorded for it (index {existing.set_index}) can no longer be replaced",
            field=field_path("target_year"),
            rule="targets-after-target-year",
        )


def _percent(value: Decimal | None, name: str) -> None:
    if value is not None and not Decimal(0) <= value <= HUNDRED:
        raise errors.InvalidInput("must be between 0 and 100", field=field_path(name))


def _programme_targets_set(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    year = p["target_year"]
    require_positive(p["output_value"], "output_value")
    if p["green_output_value"] > p["output_value"]:
        raise errors.RuleViolation(
            "the green low-carbon industry's output is part of the total and cannot exceed it",
            field=field_path("green_output_value"),
            rule="green-output-above-output",
        )
    _require_decided_in_time(ctx, year)
    existing: ProgrammeTargets | None = state.get(ProgrammeTargets, year)
    _require_open(ctx, year, existing)
    if existing is not None:
        require_currency(p["currency"], existing.currency)
    return [
        ProgrammeTargets(
            target_year=year,
            output_value=p["output_value"],
            green_output_value=p["green_output_value"],
            currency=p["currency"],
            decided_at=p["decided_at"],
            first_set_index=existing.first_set_index if existing is not None else ctx.index,
            set_index=ctx.index,
            first_set_at=existing.first_set_at if existing is not None else ctx.signed_at,
        )
    ]


def targets_id(park_id: str, year: int) -> str:
    return f"{park_id}/{year}"


def _park_targets_set(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    year = p["target_year"]
    park: Park = require(state, Park, p["park"], "park")
    if year <= park.baseline_year:
        raise errors.RuleViolation(
            f"{park.park_id}'s baseline is {park.baseline_year}; a target year comes after it", field=field_path("target_year"), rule="target-year-not-after-baseline"
        )
    for name in ("intensity_reduction_percent", "min_clean_energy_share_percent"):
        _percent(p[name], name)
    _require_decided_in_time(ctx, year)
    key = targets_id(park.park_id, year)
    existing: ParkTargets | None = state.get(ParkTargets, key)
    _require_open(ctx, year, existing)
    assessed = [a for a in state.find(ParkAssessment, park_id=park.park_id) if a.target_year == year]
    if assessed:
        raise errors.RuleViolation(
            f"{park.park_id}'s {year} was assessed at index {assessed[0].assessed_index} against the targets then in force",
            field=field_path("target_year"),
            rule="park-already-assessed",
        )
    return [
        ParkTargets(
            targets_id=key,
            park_id=park.park_id,
            target_year=year,
            intensity_reduction_percent=p["intensity_reduction_percent"],
            emissions_cap=p["emissions_cap"],
            coal_cap_tce=p["coal_cap_tce"],
            min_clean_energy_share_percent=p["min_clean_energy_share_percent"],
            decided_at=p["decided_at"],
            first_set_index=existing.first_set_index if existing is not None else ctx.index,
            set_index=ctx.index,
            first_set_at=existing.first_set_at if existing is not None else ctx.signed_at,
        )
    ]


DEPARTMENT = frozenset({roles.DEPARTMENT})

TYPES = (
    EntryType("programme.targets.set", ProgrammeTargetsPayload, DEPARTMENT, _programme_targets_set, "The pilot programme's output value targets for a year."),
    EntryType("park.targets.set", ParkTargetsPayload, DEPARTMENT, _park_targets_set, "A park's emission, coal and clean-energy targets for a year."),
)
