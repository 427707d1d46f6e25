"""checkpoint.key.rotated: the log's checkpoints are signed by a new key from the next checkpoint on.

An admin signs the entry like any other; in its payload the key in force endorses the new key and the
new key shows it is held, both signing the same rotation statement (ledger.crypto.checkpoint). An
auditor who pinned any key of the chain can therefore follow every later rotation from the log alone.
"""

from __future__ import annotations

from ledger import errors
from ledger.crypto.checkpoint import rotation_statement
from ledger.crypto.signing import verify_signature
from ledger.domain import roles
from ledger.domain.entities import CHECKPOINT_KEY_NAME, Entity, LogSigningKey
from ledger.domain.fields import Base64Bytes
from ledger.domain.payloads import StrictSchema
from ledger.domain.rules import EntryContext, EntryType
from ledger.domain.state import LedgerState

ROTATED = "checkpoint.key.rotated"


class CheckpointKeyRotatedPayload(StrictSchema):
    """checkpoint.key.rotated: the new checkpoint public key, endorsed by the key in force."""

    new_key = Base64Bytes(length=32, required=True, metadata={"description": "raw Ed25519 public key"})
    endorsement = Base64Bytes(length=64, required=True, metadata={"description": "the key in force's signature over the rotation statement"})
    acceptance = Base64Bytes(length=64, required=True, metadata={"description": "the new key's signature over the rotation statement"})


def _rotated(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    current = state.get(LogSigningKey, CHECKPOINT_KEY_NAME)
    if current is None:
        raise errors.RuleViolation("the log has no checkpoint key to rotate from", field="envelope.type", rule="no-checkpoint-key")
    new_key = ctx.payload["new_key"]
    if new_key == current.public_key:
        raise errors.RuleViolation("the new checkpoint key is the key in force", field="envelope.payload.new_key", rule="same-checkpoint-key")
    statement = rotation_statement(current.origin, current.public_key, new_key)
    for name, signer in (("endorsement", current.public_key), ("acceptance", new_key)):
        try:
            verify_signature(statement, ctx.payload[name], signer)
        except errors.InvalidSignature:
            whose = "the checkpoint key in force" if name == "endorsement" else "the new key"
            raise errors.RuleViolation(
                f"the {name} is not {whose}'s signature over the rotation statement", field=f"envelope.payload.{name}", rule="bad-rotation-signature"
            ) from None
    return [current.evolve(public_key=new_key, since_index=ctx.index)]


TYPES = (
    EntryType(ROTATED, CheckpointKeyRotatedPayload, frozenset({roles.ADMIN}), _rotated, "A new checkpoint key, endorsed by the old one."),
)
