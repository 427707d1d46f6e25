"""ledger.genesis, party.registered, key.added, key.revoked: who takes part, in which roles, with which keys."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from ledger import errors
from ledger.crypto.signing import key_id as compute_key_id
from ledger.domain import roles
from ledger.domain.entities import CHECKPOINT_KEY_NAME, Entity, LogSigningKey, Party, PartyKey
from ledger.domain.fields import Base64Bytes, KeyId, PartyId
from ledger.domain.payloads import StrictSchema, short_text, uscc
from ledger.domain.rules import EntryContext, EntryType, require
from ledger.domain.state import LedgerState

GENESIS = "ledger.genesis"


class OperatorSchema(StrictSchema):
    party = PartyId(required=True)
    legal_name = short_text(required=True)
    unified_social_credit_code = uscc(required=True)
    public_key = Base64Bytes(length=32, required=True)


class GenesisPayload(StrictSchema):
    """ledger.genesis: the log's origin, its checkpoint key and the registry operator."""

    origin = fields.String(required=True, validate=validate.Length(min=1, max=200))
    checkpoint_key = Base64Bytes(length=32, required=True, metadata={"description": "raw Ed25519 public key"})
    operator = fields.Nested(OperatorSchema, required=True)


class PartyRegisteredPayload(StrictSchema):
    """party.registered: a party, its roles and its first public key."""

    party = PartyId(required=True)
    legal_name = short_text(required=True)
    unified_social_credit_code = uscc(required=True)
    roles = fields.List(
        fields.String(validate=validate.OneOf(sorted(roles.ROLES))), required=True, validate=validate.Length(min=1, max=len(roles.ROLES))
    )
    public_key = Base64Bytes(length=32, required=True)

    @validates("roles")
    def _distinct_roles(self, value: list[str], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("roles must not repeat")


class KeyAddedPayload(StrictSchema):
    """key.added: another public key for an existing party (rotation)."""

    party = PartyId(required=True)
    public_key = Base64Bytes(length=32, required=True)


class KeyRevokedPayload(StrictSchema):
    """key.revoked: the key signs nothing after this entry."""

    party = PartyId(required=True)
    key_id = KeyId(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


def genesis_entities(ctx: EntryContext) -> list[Entity]:
    """Register the operator party and its key; the genesis entry is self-signed by that key.

    :raises RuleViolation: when the envelope's signer or key do not match the operator in the payload.
    """
    operator = ctx.payload["operator"]
    if ctx.signer != operator["party"]:
        raise errors.RuleViolation("genesis must be signed by the operator it registers", field="envelope.signer")
    if ctx.key_id != compute_key_id(operator["public_key"]):
        raise errors.RuleViolation("genesis must be signed with the operator key it registers", field="envelope.key")
    party = Party(operator["party"], operator["legal_name"], operator["unified_social_credit_code"], (roles.ADMIN,), ctx.index)
    signing_key = LogSigningKey(CHECKPOINT_KEY_NAME, ctx.payload["origin"], ctx.payload["checkpoint_key"], ctx.index)
    return [party, PartyKey(ctx.key_id, party.party_id, operator["public_key"], ctx.index), signing_key]


def _new_key(state: LedgerState, party_id: str, public_key: bytes, index: int) -> PartyKey:
    kid = compute_key_id(public_key)
    existing = state.get(PartyKey, kid)
    if existing is not None:
        raise errors.DuplicateId(
            f"public key {kid} is already registered (to {existing.party_id})", field="envelope.payload.public_key"
        )
    return PartyKey(kid, party_id, public_key, index)


def _party_registered(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    p = ctx.payload
    if state.get(Party, p["party"]) is not None:
        raise errors.DuplicateId(f"party {p['party']!r} is already registered", field="envelope.payload.party")
    party = Party(p["party"], p["legal_name"], p["unified_social_credit_code"], tuple(sorted(p["roles"])), ctx.index)
    return [party, _new_key(state, party.party_id, p["public_key"], ctx.index)]


def _key_added(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    party: Party = require(state, Party, ctx.payload["party"], "party")
    return [_new_key(state, party.party_id, ctx.payload["public_key"], ctx.index)]


def _key_revoked(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    party: Party = require(state, Party, ctx.payload["party"], "party")
    key = state.get(PartyKey, ctx.payload["key_id"])
    if key is None or key.party_id != party.party_id:
        raise errors.UnknownReference(
            f"key {ctx.payload['key_id']} is not a key of party {party.party_id!r}", field="envelope.payload.key_id"
        )
    if key.revoked:
        raise errors.RuleViolation(f"key {key.key_id} is already revoked", field="envelope.payload.key_id", rule="key-already-revoked")
    if key.key_id == ctx.key_id:
        # A key cannot retire itself in the entry it signs: the registry must always keep a live admin key.
        raise errors.RuleViolation("an entry cannot revoke the key that signs it", field="envelope.payload.key_id", rule="self-revocation")
    return [key.evolve(revoked_index=ctx.index)]


def _genesis_only_at_init(state: LedgerState, ctx: EntryContext) -> list[Entity]:
    raise errors.RuleViolation("the genesis entry is written only by `greenledger init`", field="envelope.type", rule="genesis-only-at-init")


ADMINS = frozenset({roles.ADMIN})

TYPES = (
    EntryType(GENESIS, GenesisPayload, frozenset(), _genesis_only_at_init, "Origin, checkpoint key and registry operator (index 0)."),
    EntryType("party.registered", PartyRegisteredPayload, ADMINS, _party_registered, "A party with its roles and first key."),
    EntryType("key.added", KeyAddedPayload, ADMINS, _key_added, "Another key for a party."),
    EntryType("key.revoked", KeyRevokedPayload, ADMINS, _key_revoked, "A key that signs nothing more."),
)
