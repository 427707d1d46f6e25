"""loan.registered, loan.disbursed, loan.repaid: green loans and the money that moves under them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping

from marshmallow import fields, validate

from ledger import errors
from ledger.domain import roles
from ledger.domain.entities import Entity, Loan, Project
from ledger.domain.fields import DecimalString, Money, UtcTimestamp
from ledger.domain.payloads import StrictSchema, currency_code, entity_id
from ledger.domain.rules import (
    EntryContext,
    EntryType,
    field_path,
    require,
    require_currency,
    require_new,
    require_positive,
    require_signer,
    same_id,
)
from ledger.domain.state import EntryView, LedgerState


class LoanRegisteredPayload(StrictSchema):
    """loan.registered: a green loan to a project."""

    loan = entity_id("loan id", required=True)
    project = entity_id("project id", required=True)
    principal = Money(required=True)
    currency = currency_code(required=True)
    annual_rate_percent = DecimalString(places=4, required=True, metadata={"description": "nominal annual rate in percent", "example": "3.4500"})
    term_months = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=600))
    exceeds_investment = fields.Boolean(
        load_default=False, metadata={"description": "set to register a loan that takes the project's loans past its total investment"}
    )


class LoanMovementPayload(StrictSchema):
    """loan.disbursed / loan.repaid: money paid out under a loan, or paid back."""

    loan = entity_id("loan id", required=True)
    amount = Money(required=True)
    currency = currency_code(required=True)
    value_date = UtcTimestamp(required=True, metadata={"description": "when the money moved"})


def _check_investment(project: Project, principal_total: Decimal, flagged: bool, payload_field: str) -> None:
    if principal_total > project.total_investment and not flagged:
        raise errors.RuleViolation(
            f"loans to {project.project_id} would total {principal_total}, above its total investment "
            f"{project.total_investment}; set exceeds_investment to record it anyway",
            field=field_path(payload_field),
            rule="loans-exceed-investment",
        )


def _loan_registered(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    require_new(state, Loan, p["loan"], "loan")
    project: Project = require(state, Project, p["project"], "project")
    require_currency(p["currency"], project.currency)
    require_positive(p["principal"], "principal")
    total = project.loan_principal + p["principal"]
    _check_investment(project, total, p["exceeds_investment"], "principal")
    loan = Loan(
        loan_id=p["loan"],
        lender=ctx.signer,
        project_id=project.project_id,
        principal=p["principal"],
        currency=p["currency"],
        annual_rate_percent=p["annual_rate_percent"],
        term_months=p["term_months"],
        exceeds_investment=p["exceeds_investment"],
        disbursed=Decimal("0.00"),
        repaid=Decimal("0.00"),
        first_disbursed_at=None,
        registered_index=ctx.index,
        last_index=ctx.index,
    )
    return [loan, project.evolve(loan_principal=total, last_index=ctx.index)]


def _correct_loan(state: LedgerState, ctx: EntryContext, original: EntryView, new: Mapping[str, Any]) -> list[Entity]:
    same_id(original, new, "loan", "project")
    loan: Loan = require(state, Loan, new["loan"], "loan")
    project: Project = require(state, Project, loan.project_id, "project")
    require_currency(new["currency"], loan.currency)
    require_positive(new["principal"], "payload.principal")
    if new["principal"] < loan.disbursed:
        raise errors.RuleViolation(
            f"principal {new['principal']} would be below the {loan.disbursed} already disbursed",
            field="envelope.payload.payload.principal",
            rule="principal-below-disbursed",
        )
    total = project.loan_principal - loan.principal + new["principal"]
    _check_investment(project, total, new["exceeds_investment"], "payload.principal")
    corrected = loan.evolve(
        principal=new["principal"],
        annual_rate_percent=new["annual_rate_percent"],
        term_months=new["term_months"],
        exceeds_investment=new["exceeds_investment"],
        last_index=ctx.index,
    )
    return [corrected, project.evolve(loan_principal=total, last_index=ctx.index)]


def _moved(loan: Loan, kind: str, delta: Decimal, index: int, payload_field: str, value_date: datetime | None = None) -> Loan:
    """The loan after ``delta`` more is disbursed or repaid; disbursed ≤ principal and repaid ≤ disbursed."""
    if kind == "disbursed":
        disbursed = loan.disbursed + delta
        if disbursed > loan.principal:
            raise errors.RuleViolation(
                f"disbursements of {loan.loan_id} would reach {disbursed}, above its principal {loan.principal}",
                field=field_path(payload_field),
                rule="disbursed-exceeds-principal",
            )
        if disbursed < loan.repaid:
            raise errors.RuleViolation(
                f"disbursements of {loan.loan_id} would fall to {disbursed}, below the {loan.repaid} repaid",
                field=field_path(payload_field),
                rule="repaid-exceeds-disbursed",
            )
        first = loan.first_disbursed_at or value_date
        return loan.evolve(disbursed=disbursed, first_disbursed_at=first, last_index=index)
    repaid = loan.repaid + delta
    if repaid > loan.disbursed:
        raise errors.RuleViolation(
            f"repayments of {loan.loan_id} would reach {repaid}, above the {loan.disbursed} disbursed",
            field=field_path(payload_field),
            rule="repaid-exceeds-disbursed",
        )
    return loan.evolve(repaid=repaid, last_index=index)


def _movement(kind: str) -> Any:
    def handler(state: LedgerState, ctx: EntryContext) -> list[Entity]:
        payload = ctx.payload
        loan: Loan = require(state, Loan, payload["loan"], "loan")
        amount = payload["amount"]
        # Nine entries in ten come here: each guard is called (to raise) only when its check fails.
        if ctx.signer != loan.lender:
            require_signer(ctx, loan.lender, "loan", loan.loan_id)
        if payload["currency"] != loan.currency:
            require_currency(payload["currency"], loan.currency)
        if amount <= 0:
            require_positive(amount, "amount")
        return [_moved(loan, kind, amount, ctx.index, "amount", payload["value_date"])]

    def corrector(state: LedgerState, ctx: EntryContext, original: EntryView, new: Mapping[str, Any]) -> list[Entity]:
        same_id(original, new, "loan")
        loan: Loan = require(state, Loan, new["loan"], "loan")
        require_currency(new["currency"], loan.currency)
        require_positive(new["amount"], "payload.amount")
        delta = new["amount"] - Decimal(original.payload["amount"])
        return [_moved(loan, kind, delta, ctx.index, "payload.amount")]

    return handler, corrector


_disbursed, _correct_disbursed = _movement("disbursed")
_repaid, _correct_repaid = _movement("repaid")

LENDERS = frozenset({roles.LENDER})

TYPES = (
    EntryType("loan.registered", LoanRegisteredPayload, LENDERS, _loan_registered, "A green loan to a project.", _correct_loan),
    EntryType("loan.disbursed", LoanMovementPayload, LENDERS, _disbursed, "Money paid out under a loan.", _correct_disbursed),
    EntryType("loan.repaid", LoanMovementPayload, LENDERS, _repaid, "Money paid back under a loan.", _correct_repaid),
)
