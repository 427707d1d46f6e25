"""reward.program.created, reward.disbursed: the province's reward funds, paid for verified reductions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from marshmallow import fields, validate

from ledger import errors
from ledger.domain import roles
from ledger.domain.entities import (
    Entity,
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


class RewardProgramPayload(StrictSchema):
    """reward.program.created: a budget and the rule it pays by."""

    program = entity_id("programme id", required=True)
    name = short_text(required=True)
    budget = Money(required=True)
    currency = currency_code(required=True)
    yuan_per_tco2e = Money(required=True, metadata={"description": "most paid per verified tCO2e"})
    cap_per_project = Money(load_default=None, metadata={"description": "most one project may receive from the programme"})


class RewardDisbursedPayload(StrictSchema):
    """reward.disbursed: a payment to a project for verified reductions not paid for before."""

    disbursement = entity_id("disbursement id", required=True)
    program = entity_id("programme id", required=True)
    project = entity_id("project id", required=True)
    amount = Money(required=True)
    currency = currency_code(required=True)
    verifications = fields.List(entity_id("verification id"), required=True, validate=validate.Length(min=1, max=100))


def _program_fields(p: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    require_positive(p["budget"], prefix + "budget")
    require_positive(p["yuan_per_tco2e"], prefix + "yuan_per_tco2e")
    if p["cap_per_project"] is not None:
        require_positive(p["cap_per_project"], prefix + "cap_per_project")
    return {
        "name": p["name"],
        "budget": p["budget"],
        "currency": p["currency"],
        "yuan_per_tco2e": p["yuan_per_tco2e"],
        "cap_per_project": p["cap_per_project"],
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
    corrected = program.evolve(last_index=ctx.index, **_program_fields(new, "payload."))
    if corrected.budget < program.disbursed:
        raise errors.RuleViolation(
            f"{program.disbursed} has been paid from the programme; the budget cannot fall below that",
            field="envelope.payload.payload.budget",
            rule="reward-exceeds-budget",
        )
    return [corrected]


def _reward_disbursed(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    require_new(state, RewardDisbursement, p["disbursement"], "disbursement")
    program: RewardProgram = require(state, RewardProgram, p["program"], "program")
    project: Project = require(state, Project, p["project"], "project")
    require_currency(p["currency"], program.currency)
    require_positive(p["amount"], "amount")
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
    ceiling = program.yuan_per_tco2e * tonnes
    if p["amount"] > ceiling:
        raise errors.RuleViolation(
            f"{p['amount']} exceeds {program.yuan_per_tco2e} per tCO2e × {tonnes} tCO2e = {ceiling}",
            field=field_path("amount"),
            rule="reward-exceeds-reductions",
        )
    if program.disbursed + p["amount"] > program.budget:
        raise errors.RuleViolation(
            f"the programme has {program.remaining} left of its {program.budget} budget", field=field_path("amount"), rule="reward-exceeds-budget"
        )
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


DEPARTMENT = frozenset({roles.DEPARTMENT})

TYPES = (
    EntryType("reward.program.created", RewardProgramPayload, DEPARTMENT, _program_created, "A reward programme and its budget.", _correct_program),
    EntryType("reward.disbursed", RewardDisbursedPayload, DEPARTMENT, _reward_disbursed, "A reward paid for verified reductions."),
)
