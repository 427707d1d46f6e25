"""credits.issued, .transferred, .retired, .cancelled: carbon credits by serial block, one tCO2e per serial."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ledger import errors
from ledger.domain import roles
from ledger.domain.entities import CreditBlock, Entity, Party, Verification
from ledger.domain.fields import PartyId
from ledger.domain.payloads import StrictSchema, entity_id, short_text
from ledger.domain.rules import EntryContext, EntryType, field_path, has_role, require
from ledger.domain.state import LedgerState

ACTIVE, RETIRED, CANCELLED = "active", "retired", "cancelled"
MAX_SERIAL = 2**53 - 1


def _serial(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_SERIAL), **kwargs)


class SerialRangeSchema(StrictSchema):
    serial_start = _serial(required=True, metadata={"description": "first serial of the range"})
    serial_end = _serial(required=True, metadata={"description": "last serial of the range (inclusive)"})

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("serial_end", 0) < data.get("serial_start", 0):
            raise ValidationError("serial_end must not be below serial_start", field_name="serial_end")


class CreditsIssuedPayload(SerialRangeSchema):
    """credits.issued: a new serial block resting on a verification, credited to a holder."""

    verification = entity_id("verification id", required=True)
    holder = PartyId(required=True)


class CreditsTransferredPayload(SerialRangeSchema):
    """credits.transferred: part or all of a block the signer holds, to another holder."""

    to = PartyId(required=True)


class CreditsRetiredPayload(SerialRangeSchema):
    """credits.retired: credits used up on behalf of a beneficiary; they never move again."""

    beneficiary = short_text(required=True)


class CreditsCancelledPayload(SerialRangeSchema):
    """credits.cancelled: credits withdrawn (e.g. an over-issuance); they never move again."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


def _issued(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    verification: Verification = require(state, Verification, p["verification"], "verification")
    if verification.verifier != ctx.signer and not has_role(state, ctx.signer, roles.ADMIN):
        raise errors.NotAuthorized(
            f"only {verification.verifier!r} (the verifier) or an admin may issue credits on {verification.verification_id}",
            field="envelope.signer",
        )
    require(state, Party, p["holder"], "holder")
    quantity = p["serial_end"] - p["serial_start"] + 1
    if verification.credits_issued + quantity > verification.reduction:
        raise errors.RuleViolation(
            f"{verification.credits_issued} + {quantity} credits would exceed the {verification.reduction} tCO2e verified",
            field=field_path("serial_end"),
            rule="credits-exceed-reduction",
        )
    neighbour = state.credit_block_at_or_before(p["serial_end"])
    if neighbour is not None and neighbour.end >= p["serial_start"]:
        raise errors.RuleViolation(
            f"serials {neighbour.start}-{neighbour.end} already exist (index {neighbour.issued_index})",
            field=field_path("serial_start"),
            rule="overlapping-serials",
        )
    block = CreditBlock(
        start=p["serial_start"],
        end=p["serial_end"],
        vintage=verification.vintage,
        verification_id=verification.verification_id,
        holder=p["holder"],
        status=ACTIVE,
        beneficiary=None,
        issued_index=ctx.index,
        last_index=ctx.index,
    )
    return [block, verification.evolve(credits_issued=verification.credits_issued + quantity, last_index=ctx.index)]


def _containing_block(state: LedgerState, start: int, end: int) -> CreditBlock:
    block = state.credit_block_at_or_before(start)
    if block is None or block.end < start:
        raise errors.UnknownReference(f"serial {start} has not been issued", field=field_path("serial_start"))
    if block.end < end:
        raise errors.RuleViolation(
            f"serials {start}-{end} span more than one block ({block.start}-{block.end} ends first); move each block separately",
            field=field_path("serial_end"),
            rule="range-spans-blocks",
        )
    if block.status != ACTIVE:
        raise errors.RuleViolation(
            f"serials {block.start}-{block.end} were {block.status} at index {block.last_index} and never move again",
            field=field_path("serial_start"),
            rule=f"credits-already-{block.status}",
        )
    return block


def _split(block: CreditBlock, start: int, end: int, index: int, **changes: Any) -> list[Entity]:
    """Cut [start, end] out of ``block`` and apply ``changes`` to it; the rest keeps its holder."""
    parts: list[Entity] = []
    if block.start < start:
        parts.append(block.evolve(end=start - 1))
    parts.append(block.evolve(start=start, end=end, last_index=index, **changes))
    if end < block.end:
        parts.append(block.evolve(start=end + 1))
    return parts


def _require_holder(block: CreditBlock, ctx: EntryContext) -> None:
    if block.holder != ctx.signer:
        raise errors.NotAuthorized(f"serials {block.start}-{block.end} are held by {block.holder!r}", field="envelope.signer")


def _transferred(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    block = _containing_block(state, p["serial_start"], p["serial_end"])
    _require_holder(block, ctx)
    require(state, Party, p["to"], "to")
    if p["to"] == block.holder:
        raise errors.RuleViolation("the credits already belong to that holder", field=field_path("to"), rule="transfer-to-self")
    return _split(block, p["serial_start"], p["serial_end"], ctx.index, holder=p["to"])


def _retired(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    block = _containing_block(state, p["serial_start"], p["serial_end"])
    _require_holder(block, ctx)
    return _split(block, p["serial_start"], p["serial_end"], ctx.index, status=RETIRED, beneficiary=p["beneficiary"])


def _cancelled(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    block = _containing_block(state, p["serial_start"], p["serial_end"])
    verification: Verification = require(state, Verification, block.verification_id, "serial_start")
    if verification.verifier != ctx.signer and not has_role(state, ctx.signer, roles.ADMIN):
        raise errors.NotAuthorized(
            f"only {verification.verifier!r} (the verifier) or an admin may cancel credits of {verification.verification_id}",
            field="envelope.signer",
        )
    return _split(block, p["serial_start"], p["serial_end"], ctx.index, status=CANCELLED)


ISSUERS = frozenset({roles.VERIFIER, roles.ADMIN})
ANY_PARTY = frozenset(roles.ROLES)

TYPES = (
    EntryType("credits.issued", CreditsIssuedPayload, ISSUERS, _issued, "A serial block of credits on a verification."),
    EntryType("credits.transferred", CreditsTransferredPayload, ANY_PARTY, _transferred, "Credits moved to another holder."),
    EntryType("credits.retired", CreditsRetiredPayload, ANY_PARTY, _retired, "Credits retired for a beneficiary."),
    EntryType("credits.cancelled", CreditsCancelledPayload, ISSUERS, _cancelled, "Credits withdrawn."),
)
