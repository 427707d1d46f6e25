"""Entry types, who may sign them, and the rules each enforces before it is appended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from marshmallow import Schema, ValidationError

from ledger import errors
from ledger.crypto.signing import key_id as compute_key_id
from ledger.domain import payloads, roles
from ledger.domain.effects import Effect, KeyAdded, KeyRevoked, PartyRegistered
from ledger.domain.envelope import Submission
from ledger.domain.registry import Party, PartyKey, RegistryView

GENESIS = "ledger.genesis"


@dataclass(frozen=True)
class EntryContext:
    """An entry being appended: its future index, the submission and its loaded payload."""

    index: int
    submission: Submission
    payload: Mapping[str, Any]


Handler = Callable[[RegistryView, EntryContext], list[Effect]]


@dataclass(frozen=True)
class EntryType:
    name: str
    schema: type[Schema]
    signer_roles: frozenset[str]
    handler: Handler
    description: str


def load_payload(entry_type: EntryType, payload: Mapping[str, Any], *, path: str) -> dict[str, Any]:
    """Validate a payload against its type's schema.

    :returns: the loaded payload (decimals as Decimal, keys as bytes, times as datetime).
    :raises InvalidInput: with ``errors`` mapping each field path to its messages.
    """
    try:
        loaded: dict[str, Any] = entry_type.schema().load(payload)
    except ValidationError as exc:
        flat = _flatten_messages(exc.messages, f"{path}envelope.payload")
        first = next(iter(flat))
        raise errors.InvalidInput(f"{first}: {'; '.join(flat[first])}", field=first, errors=flat) from exc
    return loaded


def _flatten_messages(messages: Any, prefix: str) -> dict[str, list[str]]:
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(_flatten_messages(value, f"{prefix}.{key}"))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix: list(messages)}
    return {prefix: [str(messages)]}


def authorize_signer(view: RegistryView, submission: Submission, entry_type: EntryType) -> PartyKey:
    """Check that the envelope's key belongs to its signer, is live, and that the signer may sign this type.

    :returns: the signing key (its public key verifies the signature).
    :raises UnknownKey, KeyRevoked, NotAuthorized:
    """
    key = view.key(submission.key_id)
    if key is None or key.party_id != submission.signer:
        raise errors.UnknownKey(
            f"key {submission.key_id} is not a registered key of party {submission.signer!r}", field="envelope.key"
        )
    if key.revoked:
        raise errors.KeyRevoked(f"key {key.key_id} was revoked at index {key.revoked_index}", field="envelope.key")
    party = view.party(submission.signer)
    if party is None:  # a key always belongs to a registered party; guard against a broken projection
        raise errors.UnknownKey(f"party {submission.signer!r} is not registered", field="envelope.signer")
    if not party.roles & entry_type.signer_roles:
        raise errors.NotAuthorized(
            f"{entry_type.name} must be signed by a party with role {' or '.join(sorted(entry_type.signer_roles))}; "
            f"{party.party_id} holds {', '.join(sorted(party.roles))}",
            field="envelope.signer",
        )
    return key


def genesis_effects(ctx: EntryContext) -> list[Effect]:
    """Register the operator party and its key; the genesis entry is self-signed by that key.

    :raises RuleViolation: when the envelope's signer or key do not match the operator in the payload.
    """
    operator = ctx.payload["operator"]
    if ctx.submission.signer != operator["party"]:
        raise errors.RuleViolation("genesis must be signed by the operator it registers", field="envelope.signer")
    if ctx.submission.key_id != compute_key_id(operator["public_key"]):
        raise errors.RuleViolation("genesis must be signed with the operator key it registers", field="envelope.key")
    party = Party(
        party_id=operator["party"],
        legal_name=operator["legal_name"],
        unified_social_credit_code=operator["unified_social_credit_code"],
        roles=frozenset({roles.ADMIN}),
        registered_index=ctx.index,
    )
    key = PartyKey(key_id=ctx.submission.key_id, party_id=party.party_id, public_key=operator["public_key"], added_index=ctx.index)
    return [PartyRegistered(party), KeyAdded(key)]


def _new_key(view: RegistryView, party_id: str, public_key: bytes, index: int) -> PartyKey:
    kid = compute_key_id(public_key)
    existing = view.key(kid)
    if existing is not None:
        raise errors.DuplicateId(
            f"public key {kid} is already registered (to {existing.party_id})", field="envelope.payload.public_key"
        )
    return PartyKey(key_id=kid, party_id=party_id, public_key=public_key, added_index=index)


def _party_registered(view: RegistryView, ctx: EntryContext) -> list[Effect]:
    p = ctx.payload
    if view.party(p["party"]) is not None:
        raise errors.DuplicateId(f"party {p['party']!r} is already registered", field="envelope.payload.party")
    party = Party(
        party_id=p["party"],
        legal_name=p["legal_name"],
        unified_social_credit_code=p["unified_social_credit_code"],
        roles=frozenset(p["roles"]),
        registered_index=ctx.index,
    )
    return [PartyRegistered(party), KeyAdded(_new_key(view, party.party_id, p["public_key"], ctx.index))]


def _require_party(view: RegistryView, party_id: str) -> Party:
    party = view.party(party_id)
    if party is None:
        raise errors.UnknownReference(f"party {party_id!r} is not registered", field="envelope.payload.party")
    return party


def _key_added(view: RegistryView, ctx: EntryContext) -> list[Effect]:
    party = _require_party(view, ctx.payload["party"])
    return [KeyAdded(_new_key(view, party.party_id, ctx.payload["public_key"], ctx.index))]


def _key_revoked(view: RegistryView, ctx: EntryContext) -> list[Effect]:
    party = _require_party(view, ctx.payload["party"])
    key = view.key(ctx.payload["key_id"])
    if key is None or key.party_id != party.party_id:
        raise errors.UnknownReference(
            f"key {ctx.payload['key_id']} is not a key of party {party.party_id!r}", field="envelope.payload.key_id"
        )
    if key.revoked:
        raise errors.RuleViolation(f"key {key.key_id} is already revoked", field="envelope.payload.key_id")
    if key.key_id == ctx.submission.key_id:
        # A key cannot retire itself in the entry it signs: the registry must always keep a live admin key.
        raise errors.RuleViolation("an entry cannot revoke the key that signs it", field="envelope.payload.key_id")
    return [KeyRevoked(key.key_id, ctx.index)]


def _no_handler(view: RegistryView, ctx: EntryContext) -> list[Effect]:
    raise errors.RuleViolation("the genesis entry is written only by `greenledger init`", field="envelope.type")


ENTRY_TYPES: dict[str, EntryType] = {
    t.name: t
    for t in (
        EntryType(GENESIS, payloads.GenesisPayload, frozenset(), _no_handler, "Origin, checkpoint key and registry operator (index 0)."),
        EntryType("party.registered", payloads.PartyRegisteredPayload, frozenset({roles.ADMIN}), _party_registered, "A party with its roles and first key."),
        EntryType("key.added", payloads.KeyAddedPayload, frozenset({roles.ADMIN}), _key_added, "Another key for a party."),
        EntryType("key.revoked", payloads.KeyRevokedPayload, frozenset({roles.ADMIN}), _key_revoked, "A key that signs nothing more."),
    )
}


def entry_type(name: str) -> EntryType:
    """:raises UnknownEntryType: for a name outside the v1 vocabulary."""
    try:
        return ENTRY_TYPES[name]
    except KeyError:
        raise errors.UnknownEntryType(
            f"unknown entry type {name!r}; known: {', '.join(sorted(ENTRY_TYPES))}", field="envelope.type"
        ) from None
