"""reduction.verified: emission reductions a third-party verifier measured for a project."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, Mapping

from marshmallow import fields, validate

from ledger import errors
from ledger.domain import roles
from ledger.domain.entities import Entity, Project, Verification
from ledger.domain.fields import Base64Bytes, Tonnes, UtcTimestamp
from ledger.domain.payloads import StrictSchema, entity_id, short_text
from ledger.domain.rules import (
    EntryContext,
    EntryType,
    field_path,
    overlaps,
    require,
    require_new,
    require_period,
    same_id,
)
from ledger.domain.state import EntryView, LedgerState


class ReductionVerifiedPayload(StrictSchema):
    """reduction.verified: baseline and project emissions over a monitoring period, and the reduction."""

    verification = entity_id("verification id", required=True)
    project = entity_id("project id", required=True)
    period_start = UtcTimestamp(required=True)
    period_end = UtcTimestamp(required=True)
    baseline_emissions = Tonnes(required=True)
    project_emissions = Tonnes(required=True)
    leakage = Tonnes(load_default=None, metadata={"description": "defaults to 0.000"})
    reduction = Tonnes(required=True, metadata={"description": "must equal baseline − project − leakage"})
    methodology = short_text(required=True, metadata={"example": "CCER-14-001-V01"})
    report_sha256 = Base64Bytes(length=32, required=True, metadata={"description": "SHA-256 of the verification report"})
    vintage = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))


def _figures(p: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Check the arithmetic and the vintage, and return the verification's measured fields."""
    require_period(p["period_start"], p["period_end"])
    leakage = p["leakage"] if p["leakage"] is not None else Decimal("0.000")
    expected = p["baseline_emissions"] - p["project_emissions"] - leakage
    if p["reduction"] != expected:
        raise errors.RuleViolation(
            f"reduction {p['reduction']} is not baseline − project − leakage = {expected}",
            field=field_path(prefix + "reduction"),
            rule="reduction-arithmetic",
        )
    if p["reduction"] <= 0:
        raise errors.RuleViolation("a verified reduction must be positive", field=field_path(prefix + "reduction"), rule="reduction-not-positive")
    last_year = (p["period_end"] - timedelta(microseconds=1)).year
    if not p["period_start"].year <= p["vintage"] <= last_year:
        raise errors.RuleViolation(
            f"vintage {p['vintage']} is outside the monitoring period's years", field=field_path(prefix + "vintage"), rule="vintage-outside-period"
        )
    return {
        "period_start": p["period_start"],
        "period_end": p["period_end"],
        "baseline_emissions": p["baseline_emissions"],
        "project_emissions": p["project_emissions"],
        "leakage": leakage,
        "reduction": p["reduction"],
        "methodology": p["methodology"],
        "report_sha256": p["report_sha256"],
        "vintage": p["vintage"],
    }


def _check_overlap(state: LedgerState, project_id: str, p: Mapping[str, Any], *, ignoring: str | None, prefix: str = "") -> None:
    for other in state.find(Verification, project_id=project_id):
        if other.verification_id != ignoring and overlaps(p["period_start"], p["period_end"], other.period_start, other.period_end):
            raise errors.RuleViolation(
                f"{other.verification_id} (index {other.verified_index}) already covers part of this monitoring period",
                field=field_path(prefix + "period_start"),
                rule="overlapping-monitoring-period",
            )


def _reduction_verified(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    require_new(state, Verification, p["verification"], "verification")
    project: Project = require(state, Project, p["project"], "project")
    figures = _figures(p)
    _check_overlap(state, project.project_id, p, ignoring=None)
    return [
        Verification(
            verification_id=p["verification"],
            verifier=ctx.signer,
            project_id=project.project_id,
            credits_issued=0,
            rewarded_by=None,
            verified_index=ctx.index,
            last_index=ctx.index,
            **figures,
        )
    ]


def _correct_reduction(state: LedgerState, ctx: EntryContext, original: EntryView, new: Mapping[str, Any]) -> list[Entity]:
    same_id(original, new, "verification", "project")
    verification: Verification = require(state, Verification, new["verification"], "verification")
    figures = _figures(new, prefix="payload.")
    _check_overlap(state, verification.project_id, new, ignoring=verification.verification_id, prefix="payload.")
    if figures["reduction"] < verification.credits_issued:
        raise errors.RuleViolation(
            f"{verification.credits_issued} credits were issued against it; the reduction cannot fall below that",
            field="envelope.payload.payload.reduction",
            rule="credits-exceed-reduction",
        )
    if verification.rewarded_by is not None and figures["reduction"] != verification.reduction:
        raise errors.RuleViolation(
            f"reward {verification.rewarded_by} paid for this reduction; its tonnes are fixed",
            field="envelope.payload.payload.reduction",
            rule="rewarded-reduction-fixed",
        )
    if figures["vintage"] != verification.vintage and verification.credits_issued:
        raise errors.RuleViolation(
            "credits carry this vintage; it cannot change", field="envelope.payload.payload.vintage", rule="issued-vintage-fixed"
        )
    return [verification.evolve(last_index=ctx.index, **figures)]


TYPES = (
    EntryType(
        "reduction.verified",
        ReductionVerifiedPayload,
        frozenset({roles.VERIFIER}),
        _reduction_verified,
        "Emission reductions verified for a project's monitoring period.",
        _correct_reduction,
    ),
)
