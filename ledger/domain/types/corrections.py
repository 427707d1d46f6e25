"""entry.corrected: a later entry that replaces the payload of an earlier one; the log keeps both."""

from __future__ import annotations

from typing import Callable

from marshmallow import fields, validate

from ledger import errors
from ledger.domain import roles
from ledger.domain.entities import Correction, Entity
from ledger.domain.payloads import StrictSchema
from ledger.domain.rules import EntryContext, EntryType, has_role, load_payload
from ledger.domain.state import LedgerState, payload_json

CORRECTED = "entry.corrected"


class EntryCorrectedPayload(StrictSchema):
    """entry.corrected: the index corrected, why, and the full replacement payload of that entry's type."""

    corrects = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    payload = fields.Dict(required=True, metadata={"description": "a complete payload of the corrected entry's type"})


def make_correction_type(lookup: Callable[[str], EntryType]) -> EntryType:
    """The entry.corrected type, dispatching to the corrected entry's own type for the rules."""

    def corrected(state: LedgerState, ctx: EntryContext) -> list[Entity]:
        original = state.entry(ctx.payload["corrects"])
        if original is None:
            raise errors.UnknownReference(
                f"entry {ctx.payload['corrects']} does not exist or cannot be corrected", field="envelope.payload.corrects"
            )
        kind = lookup(original.entry_type)
        if kind.corrector is None:
            raise errors.RuleViolation(
                f"{original.entry_type} entries cannot be corrected; record a compensating entry instead",
                field="envelope.payload.corrects",
                rule="entry-not-correctable",
            )
        if ctx.signer != original.signer and not has_role(state, ctx.signer, roles.ADMIN):
            raise errors.NotAuthorized(
                f"entry {original.index} may be corrected only by its signer {original.signer!r} or an admin", field="envelope.signer"
            )
        replacement = load_payload(kind.schema, ctx.payload["payload"], prefix="envelope.payload.payload")
        changed = kind.corrector(state, ctx, original, replacement)
        return [*changed, Correction(original.index, original.entry_type, payload_json(ctx.payload["payload"]), ctx.index)]

    return EntryType(CORRECTED, EntryCorrectedPayload, frozenset(roles.ROLES), corrected, "Replaces the payload of an earlier entry.")
