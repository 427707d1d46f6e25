"""reward.program.created, reward.disbursed: the province's reward funds.

Two kinds of programme: ``per-tonne`` (the default) pays projects for verified reductions not paid
for before, at most a rate per tCO2e; ``park-success`` pays the parks whose assessment for the
programme's target year is ``successful``, once each, at most an award per park.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from marshmallow import fields, validate

from ledger import errors
from ledger.domain import roles
from ledger.domain.assessment import SUCCESSFUL
from ledger.domain.entities import (
    Entity,
    Park,
    ParkAssessment,
    Project,
    RewardDisbursement,
    RewardProgram,
    Verification,
)
from ledger.domain.fields import Money
from ledger.domain.payloads import StrictSchema, currency_code, entity_id, short_text
from ledger.domain.rules import (
    EntryContext,
    EntryType,
    field_path,
    require,
    require_currency,
    require_new,
    require_positive,
    same_id,
)
from ledger.domain.state import EntryView, LedgerState


PER_TONNE = "per-tonne"
PARK_SUCCESS = "park-success"
PROGRAM_KINDS = (PER_TONNE, PARK_SUCCESS)


class RewardProgramPayload(StrictSchema):
    """reward.program.created: a budget and the rule it pays by."""

    program = entity_id("programme id", required=True)
    name = short_text(required=True)
    budget = Money(required=True)
    currency = currency_code(required=True)
    kind = fields.String(
        load_default=PER_TONNE,
        validate=validate.OneOf(PROGRAM_KINDS),
        metadata={"description": "per-tonne (the default): pays projects for verified reductions; park-success: pays the parks assessed successful in target_year"},
    )
    yuan_per_tco2e = Money(load_default=None, metadata={"description": "per-tonne: most paid per verified tCO2e (required for that kind)"})
    cap_per_project = Money(load_default=None, metadata={"description": "per-tonne: most one project may receive from the programme"})
    target_year = fields.Integer(
        load_default=None, strict=True, validate=validate.Range(min=2000, max=2100),
        metadata={"description": "park-success: the year whose successful parks it rewards (required for that kind)"},
    )  # fmt: skip
    award_per_park = Money(load_default=None, metadata={"description": "park-success: most one park may receive (required for that kind)"})


class RewardDisbursedPayload(StrictSchema):
    """reward.disbursed: a payment to a project for verified reductions not paid for before, or to a park for its success."""

    disbursement = entity_id("disbursement id", required=True)
    program = entity_id("programme id", required=True)
    project = entity_id("project id (per-tonne programmes)", load_default=None)
    amount = Money(required=True)
    currency = currency_code(required=True)
    verifications = fields.List(entity_id("verification id"), load_default=None, validate=validate.Length(min=1, max=100))
    park = entity_id("park id (park-success programmes)", load_default=None)
    assessment = entity_id("park-success programmes: the park's successful assessment of the programme's target year", load_default=None)


#: The payload fields each kind of programme uses; the others must be left out.
_PROGRAM_FIELDS = {PER_TONNE: ("yuan_per_tco2e",), PARK_SUCCESS: ("target_year", "award_per_park")}
_PROGRAM_ONLY = {PER_TONNE: ("yuan_per_tco2e", "cap_per_project"), PARK_SUCCESS: ("target_year", "award_per_park")}
_DISBURSEMENT_FIELDS = {PER_TONNE: ("project", "verifications"), PARK_SUCCESS: ("park", "assessment")}


def _require_kind_fields(p: Mapping[str, Any], kind: str, needed: Mapping[str, tuple[str, ...]], only: Mapping[str, tuple[str, ...]], prefix: str, noun: str) -> None:
    for name in needed[kind]:
        if p[name] is None:
            raise errors.InvalidInput(f"a {kind} {noun} needs {name}", field=field_path(prefix + name))
    for other, names in only.items():
        if other == kind:
            continue
        for name in names:
            if p[name] is not None and name not in only[kind]:
                raise errors.InvalidInput(f"{name} belongs to {other} programmes, not {kind}", field=field_path(prefix + name))


def _program_fields(p: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    kind = p["kind"]
    _require_kind_fields(p, kind, _PROGRAM_FIELDS, _PROGRAM_ONLY, prefix, "programme")
    require_positive(p["budget"], prefix + "budget")
    for name in ("yuan_per_tco2e", "cap_per_project", "award_per_park"):
        if p[name] is not None:
            require_positive(p[name], prefix + name)
    return {
        "name": p["name"],
        "budget": p["budget"],
        "currency": p["currency"],
        "yuan_per_tco2e": p["yuan_per_tco2e"],
        "cap_per_project": p["cap_per_project"],
        "kind": kind,
        "target_year": p["target_year"],
        "award_per_park": p["award_per_park"],
    }


def _program_created(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    require_new(state, RewardProgram, ctx.payload["program"], "program")
    return [
        RewardProgram(
            program_id=ctx.payload["program"],
            disbursed=Decimal("0.00"),
            tonnes_paid=Decimal("0.000"),
            created_index=ctx.index,
            last_index=ctx.index,
            **_program_fields(ctx.payload),
        )
    ]


def _correct_program(state: LedgerState, ctx: EntryContext, original: EntryView, new: Mapping[str, Any]) -> list[Entity]:
    same_id(original, new, "program")
    program: RewardProgram = require(state, RewardProgram, new["program"], "program")
    require_currency(new["currency"], program.currency, "payload.currency")
    if new["kind"] != program.kind or new["target_year"] != program.target_year:
        changed = "kind" if new["kind"] != program.kind else "target_year"
        raise errors.RuleViolation(
            f"a correction cannot change the programme's {changed}", field=f"envelope.payload.payload.{changed}", rule="correction-changes-identity"
        )
    corrected = program.evolve(last_index=ctx.index, **_program_fields(new, "payload."))
    if corrected.award_per_park is not None:
        largest = max((d.amount for d in state.find(RewardDisbursement, program_id=program.program_id)), default=Decimal("0.00"))
        if corrected.award_per_park < largest:
            raise errors.RuleViolation(
                f"a park has received {largest} from the programme; the award per park cannot fall below that",
                field="envelope.payload.payload.award_per_park",
                rule="reward-exceeds-park-award",
            )
    if corrected.budget < program.disbursed:
        raise errors.RuleViolation(
            f"{program.disbursed} has been paid from the programme; the budget cannot fall below that",
            field="envelope.payload.payload.budget",
            rule="reward-exceeds-budget",
        )
    return [corrected]


def _require_within_budget(program: RewardProgram, amount: Decimal) -> None:
    if program.disbursed + amount > program.budget:
        raise errors.RuleViolation(
            f"the programme has {program.remaining} left of its {program.budget} budget", field=field_path("amount"), rule="reward-exceeds-budget"
        )


def _reward_disbursed(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    require_new(state, RewardDisbursement, p["disbursement"], "disbursement")
    program: RewardProgram = require(state, RewardProgram, p["program"], "program")
    _require_kind_fields(p, program.kind, _DISBURSEMENT_FIELDS, _DISBURSEMENT_FIELDS, "", "programme's disbursement")
    require_currency(p["currency"], program.currency)
    require_positive(p["amount"], "amount")
    if program.kind == PARK_SUCCESS:
        return _park_rewarded(state, ctx, program)
    project: Project = require(state, Project, p["project"], "project")
    if len(set(p["verifications"])) != len(p["verifications"]):
        raise errors.InvalidInput("verifications must not repeat", field=field_path("verifications"))
    paid_for = []
    for position, verification_id in enumerate(p["verifications"]):
        where = f"verifications.{position}"
        verification: Verification = require(state, Verification, verification_id, where)
        if verification.project_id != project.project_id:
            raise errors.RuleViolation(
                f"{verification_id} verified project {verification.project_id}, not {project.project_id}",
                field=field_path(where),
                rule="reward-for-other-project",
            )
        if verification.rewarded_by is not None:
            raise errors.RuleViolation(
                f"{verification_id} was already paid for by {verification.rewarded_by}", field=field_path(where), rule="reduction-already-rewarded"
            )
        paid_for.append(verification)
    tonnes = sum((v.reduction for v in paid_for), Decimal("0.000"))
    assert program.yuan_per_tco2e is not None  # a per-tonne programme states its rate
    ceiling = program.yuan_per_tco2e * tonnes
    if p["amount"] > ceiling:
        raise errors.RuleViolation(
            f"{p['amount']} exceeds {program.yuan_per_tco2e} per tCO2e × {tonnes} tCO2e = {ceiling}",
            field=field_path("amount"),
            rule="reward-exceeds-reductions",
        )
    _require_within_budget(program, p["amount"])
    if program.cap_per_project is not None:
        received = sum((d.amount for d in state.find(RewardDisbursement, program_id=program.program_id, project_id=project.project_id)), Decimal("0.00"))
        if received + p["amount"] > program.cap_per_project:
            raise errors.RuleViolation(
                f"{project.project_id} has received {received}; the cap per project is {program.cap_per_project}",
                field=field_path("amount"),
                rule="reward-exceeds-project-cap",
            )
    disbursement = RewardDisbursement(
        disbursement_id=p["disbursement"],
        program_id=program.program_id,
        project_id=project.project_id,
        amount=p["amount"],
        currency=p["currency"],
        tonnes=tonnes,
        verification_ids=tuple(p["verifications"]),
        disbursed_index=ctx.index,
    )
    updated = program.evolve(disbursed=program.disbursed + p["amount"], tonnes_paid=program.tonnes_paid + tonnes, last_index=ctx.index)
    return [disbursement, updated, *(v.evolve(rewarded_by=disbursement.disbursement_id, last_index=ctx.index) for v in paid_for)]


def _park_rewarded(state: LedgerState, ctx: EntryContext, program: RewardProgram) -> list[Entity]:
    """A park-success disbursement: the park, assessed successful in the programme's year, paid once."""
    p = ctx.payload
    park: Park = require(state, Park, p["park"], "park")
    assessment: ParkAssessment = require(state, ParkAssessment, p["assessment"], "assessment")
    if assessment.park_id != park.park_id:
        raise errors.RuleViolation(
            f"{assessment.assessment_id} assessed {assessment.park_id}, not {park.park_id}", field=field_path("assessment"), rule="reward-for-other-park"
        )
    if assessment.target_year != program.target_year:
        raise errors.RuleViolation(
            f"{assessment.assessment_id} judged {assessment.target_year}; {program.program_id} rewards success in {program.target_year}",
            field=field_path("assessment"),
            rule="assessment-of-other-year",
        )
    if assessment.outcome != SUCCESSFUL:
        raise errors.RuleViolation(
            f"{assessment.assessment_id} found {park.park_id} {assessment.outcome} (it missed {', '.join(assessment.missed)})",
            field=field_path("assessment"),
            rule="park-not-successful",
        )
    earlier = state.find(RewardDisbursement, program_id=program.program_id, park_id=park.park_id)
    if earlier:
        raise errors.RuleViolation(
            f"{program.program_id} paid {park.park_id} already ({earlier[0].disbursement_id}); it pays each park once",
            field=field_path("park"),
            rule="park-already-rewarded",
        )
    assert program.award_per_park is not None  # a park-success programme states its award
    if p["amount"] > program.award_per_park:
        raise errors.RuleViolation(
            f"{p['amount']} exceeds the award per park, {program.award_per_park}", field=field_path("amount"), rule="reward-exceeds-park-award"
        )
    _require_within_budget(program, p["amount"])
    disbursement = RewardDisbursement(
        disbursement_id=p["disbursement"],
        program_id=program.program_id,
        project_id=None,
        amount=p["amount"],
        currency=p["currency"],
        tonnes=Decimal("0.000"),
        verification_ids=(),
        disbursed_index=ctx.index,
        park_id=park.park_id,
        assessment_id=assessment.assessment_id,
    )
    return [disbursement, program.evolve(disbursed=program.disbursed + p["amount"], last_index=ctx.index)]


DEPARTMENT = frozenset({roles.DEPARTMENT})

TYPES = (
    EntryType("reward.program.created", RewardProgramPayload, DEPARTMENT, _program_created, "A reward programme and its budget.", _correct_program),
    EntryType("reward.disbursed", RewardDisbursedPayload, DEPARTMENT, _reward_disbursed, "A reward paid for verified reductions, or to a successful park."),
)
