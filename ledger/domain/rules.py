"""The frame every entry type plugs into: context, payload loading, signer checks and shared guards."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Mapping, NamedTuple

from marshmallow import RAISE, Schema, ValidationError, fields, missing
from marshmallow.validate import Validator

from ledger import errors
from ledger.crypto.canonical import parse_decimal
from ledger.domain.entities import Entity, Party, PartyKey
from ledger.domain.envelope import Submission, parse_time
from ledger.domain.fields import MAX_INTEGER_DIGITS, DecimalString, UtcTimestamp
from ledger.domain.state import EntryView, LedgerState


class EntryContext(NamedTuple):
    """An entry being appended: its future index, who signed it, and its loaded payload.

    A named tuple, as immutable as a frozen dataclass and built several times faster: every entry of
    every replay makes one.
    """

    index: int
    entry_type: str
    signer: str
    key_id: str
    signed_at: datetime
    payload: Mapping[str, Any]

    @classmethod
    def of(cls, index: int, submission: Submission, payload: Mapping[str, Any]) -> "EntryContext":
        return cls(index, submission.entry_type, submission.signer, submission.key_id, submission.signed_at, payload)


#: A handler checks the rules against the state and returns the entities the entry creates or changes.
Handler = Callable[[LedgerState, EntryContext], list[Entity]]
#: A corrector re-applies an entry type with a replacement payload: (state, correction, original, new payload).
Corrector = Callable[[LedgerState, EntryContext, EntryView, Mapping[str, Any]], list[Entity]]


@dataclass(frozen=True)
class EntryType:
    name: str
    schema: type[Schema]
    signer_roles: frozenset[str]
    handler: Handler
    description: str
    corrector: Corrector | None = None


def load_payload(schema: type[Schema], payload: Mapping[str, Any], *, prefix: str = "envelope.payload") -> dict[str, Any]:
    """Validate a payload against its schema.

    :returns: the loaded payload (decimals as Decimal, keys as bytes, times as datetime).
    :raises InvalidInput: with ``errors`` mapping each field path to its messages.
    """
    plan = _load_plan(schema)
    if plan is not None and isinstance(payload, dict):
        try:
            return _load_fast(plan, payload)
        except ValidationError:
            pass  # marshmallow's own load below words the error (and has the last word on validity)
    try:
        loaded: dict[str, Any] = _instance(schema).load(payload)
    except ValidationError as exc:
        flat = flatten_messages(exc.messages, prefix)
        first = next(iter(flat))
        raise errors.InvalidInput(f"{first}: {'; '.join(flat[first])}", field=first, errors=flat) from exc
    return loaded


@functools.cache
def _instance(schema: type[Schema]) -> Schema:
    """One instance per schema class: loading keeps no state on it, and building one costs more than a load."""
    return schema()


#: One field of a load plan: data key, result key, required, load_default, allow_none, deserializer,
#: validators (each with whether a False return fails it), and for a field whose load of a string is a
#: pure function of the string (a plain String, a decimal, a timestamp: their validators too) the strings
#: it loaded already, each with what it loaded to, and how many to keep. Ids, amounts and dates repeat
#: from entry to entry; what a string loads to is immutable (str, Decimal, datetime), so sharing is safe.
_FieldPlan = tuple[
    str, str, bool, Any, bool, Callable[..., Any], tuple[tuple[Callable[[Any], Any], bool], ...], "dict[str, Any] | None", int
]
_IDS_KEPT = 100_000
_PARSED_KEPT = 4096


def _utc_timestamp(value: object, attr: str | None, data: Mapping[str, Any] | None) -> datetime:
    """``UtcTimestamp._deserialize`` through the quicker ``parse_time`` (the same values, the same refusals)."""
    try:
        return parse_time(value, field="")
    except errors.InvalidInput as exc:
        raise ValidationError(exc.detail) from exc


def _decimal_string(places: int, allow_negative: bool) -> Callable[..., Decimal]:
    """``DecimalString._deserialize`` for these places, calling ``parse_decimal`` with one frame less."""

    def deserialize(value: object, attr: str | None, data: Mapping[str, Any] | None) -> Decimal:
        try:
            parsed = parse_decimal(value, places=places, field="", allow_negative=allow_negative)
        except errors.InvalidInput as exc:
            raise ValidationError(exc.detail) from exc
        if parsed.adjusted() >= MAX_INTEGER_DIGITS:  # DecimalString._parse's limit (marshmallow words it)
            raise ValidationError("too many integer digits")
        return parsed

    return deserialize


@dataclass(frozen=True)
class _LoadPlan:
    keys: frozenset[str]
    fields: tuple[_FieldPlan, ...]


@functools.cache
def _load_plan(schema: type[Schema]) -> _LoadPlan | None:
    """What ``Schema.load`` does for this schema, unrolled; None when the schema needs marshmallow itself.

    ``Schema.load`` of a mapping, for a schema with no processors or validators of its own (no
    ``@pre_load``, ``@validates``, ``@validates_schema``, ``@post_load``), ``unknown=RAISE``, not ``many``
    nor ``partial``: for each load field, ``field.deserialize(data.get(key, missing))``, keeping the
    values that are not ``missing``; unknown keys are an error. ``Field.deserialize`` is: missing and
    required fails, missing gives ``load_default``; None fails unless ``allow_none``; else
    ``_deserialize`` then every validator (``And``: a plain function returning False fails too).
    ``_load_fast`` does exactly that without marshmallow's per-load bookkeeping (error store, getter
    closures, an ``And`` built per value), about three times faster. On any failure the caller loads
    with marshmallow, so error messages are marshmallow's; a test holds the two loads equal.
    """
    instance = _instance(schema)
    if any(instance._hooks.values()) or instance.unknown != RAISE or instance.many or instance.partial:
        return None
    plan: list[_FieldPlan] = []
    for attr_name, field in instance.load_fields.items():
        key = field.data_key if field.data_key is not None else attr_name
        out_key = field.attribute or attr_name
        if "." in out_key or field.pre_load or field.post_load:
            return None
        validators = tuple((v, not isinstance(v, Validator)) for v in field.validators)
        deserialize: Callable[..., Any] = field._deserialize
        loaded_before: dict[str, Any] | None = None
        kept = _PARSED_KEPT
        if type(field) is UtcTimestamp:
            deserialize, loaded_before = _utc_timestamp, {}
        elif isinstance(field, DecimalString) and type(field)._parse is DecimalString._parse:
            deserialize, loaded_before = _decimal_string(field.places, field.allow_negative), {}
        elif type(field) is fields.String:
            loaded_before, kept = {}, _IDS_KEPT
        plan.append((key, out_key, field.required, field.load_default, field.allow_none, deserialize, validators, loaded_before, kept))
    return _LoadPlan(frozenset(key for key, *_ in plan), tuple(plan))


def _load_fast(plan: _LoadPlan, payload: dict[str, Any]) -> dict[str, Any]:
    """``Schema.load`` as ``_load_plan`` describes it; raises ValidationError (unworded) on any failure."""
    if not plan.keys.issuperset(payload):
        raise ValidationError("unknown field")
    loaded: dict[str, Any] = {}
    for key, out_key, required, load_default, allow_none, deserialize, validators, loaded_before, kept in plan.fields:
        value = payload.get(key, missing)
        if loaded_before is not None and type(value) is str:
            known = loaded_before.get(value)
            if known is not None:
                loaded[out_key] = known
                continue
        if value is missing:
            if required:
                raise ValidationError("missing")
            value = load_default() if callable(load_default) else load_default
            if value is not missing:
                loaded[out_key] = value
            continue
        if value is None:
            if not allow_none:
                raise ValidationError("null")
            loaded[out_key] = None
            continue
        text = value
        value = deserialize(value, key, payload)
        for validator, false_fails in validators:
            if validator(value) is False and false_fails:
                raise ValidationError("invalid")
        if loaded_before is not None and type(text) is str:
            if len(loaded_before) >= kept:
                loaded_before.clear()
            loaded_before[text] = value
        loaded[out_key] = value
    return loaded


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error messages as ``{"a.b.0": [...]}``, the problem body's ``errors``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(flatten_messages(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(messages, list):
        return {prefix: [str(m) for m in messages]}
    return {prefix: [str(messages)]}


def authorize_signer(state: LedgerState, submission: Submission, entry_type: EntryType) -> PartyKey:
    """Check that the envelope's key belongs to its signer, is live, and that the signer may sign this type.

    :returns: the signing key (its public key verifies the signature).
    :raises UnknownKey, KeyRevoked, NotAuthorized:
    """
    return authorize_key(state, submission.signer, submission.key_id, entry_type)


def authorize_key(state: LedgerState, signer: str, key_id: str, entry_type: EntryType) -> PartyKey:
    """``authorize_signer`` given the envelope's signer and key id."""
    key = state.get(PartyKey, key_id)
    if key is None or key.party_id != signer:
        raise errors.UnknownKey(f"key {key_id} is not a registered key of party {signer!r}", field="envelope.key")
    if key.revoked_index is not None:  # key.revoked, without a property call per entry
        raise errors.KeyRevoked(f"key {key.key_id} was revoked at index {key.revoked_index}", field="envelope.key")
    party = state.get(Party, signer)
    if party is None:  # a key always belongs to a registered party; guard against a broken projection
        raise errors.UnknownKey(f"party {signer!r} is not registered", field="envelope.signer")
    if entry_type.signer_roles.isdisjoint(party.roles):
        raise errors.NotAuthorized(
            f"{entry_type.name} must be signed by a party with role {' or '.join(sorted(entry_type.signer_roles))}; "
            f"{party.party_id} holds {', '.join(party.roles)}",
            field="envelope.signer",
        )
    return key


# --- guards shared by entry types -------------------------------------------------------------


def field_path(name: str) -> str:
    return f"envelope.payload.{name}"


def require(state: LedgerState, kind: type[Any], key: Any, payload_field: str) -> Any:
    """The entity ``key`` of ``kind``, or UnknownReference naming the payload field."""
    entity = state.get(kind, key)
    if entity is None:
        raise errors.UnknownReference(f"{kind.__name__} {key!r} does not exist", field=field_path(payload_field))
    return entity


def require_new(state: LedgerState, kind: type[Any], key: Any, payload_field: str) -> None:
    existing = state.get(kind, key)
    if existing is not None:
        raise errors.DuplicateId(f"{kind.__name__} {key!r} already exists", field=field_path(payload_field))


def has_role(state: LedgerState, party_id: str, role: str) -> bool:
    party = state.get(Party, party_id)
    return party is not None and role in party.roles


def require_party_with_role(state: LedgerState, party_id: str, role: str, payload_field: str) -> Party:
    party: Party = require(state, Party, party_id, payload_field)
    if role not in party.roles:
        raise errors.RuleViolation(
            f"party {party_id!r} does not hold role {role}", field=field_path(payload_field), rule="party-lacks-role"
        )
    return party


def require_signer(ctx: EntryContext, allowed: str, kind: str, subject: str, *, admin_may: bool = False, state: LedgerState | None = None) -> None:
    """Only ``allowed`` (the owner of the ``kind`` ``subject``) may sign this entry (or an admin, when ``admin_may``).

    The subject is named apart so that the message is built only on refusal, not for every valid entry.
    """
    if ctx.signer == allowed:
        return
    if admin_may and state is not None and has_role(state, ctx.signer, "admin"):
        return
    raise errors.NotAuthorized(f"only {allowed!r} may sign entries about {kind} {subject}", field="envelope.signer")


def require_currency(currency: str, expected: str, payload_field: str = "currency") -> None:
    if currency != expected:
        raise errors.RuleViolation(
            f"currency {currency} differs from {expected}; amounts of one record share one currency",
            field=field_path(payload_field),
            rule="currency-mismatch",
        )


def require_period(start: datetime, end: datetime) -> None:
    if not start < end:
        raise errors.RuleViolation(
            "period_end must be after period_start (periods are [start, end))", field=field_path("period_end"), rule="empty-period"
        )


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Half-open periods [start, end) and [other_start, other_end) share an instant."""
    return start < other_end and other_start < end


def require_positive(value: Decimal, payload_field: str) -> None:
    if value <= 0:
        raise errors.InvalidInput("must be greater than zero", field=field_path(payload_field))


def same_id(original: EntryView, new: Mapping[str, Any], *names: str) -> None:
    """A correction fixes values; it never renames what it corrects."""
    for name in names:
        if original.payload[name] != new[name]:
            raise errors.RuleViolation(
                f"a correction cannot change {name} ({original.payload[name]!r})",
                field=f"envelope.payload.payload.{name}",
                rule="correction-changes-identity",
            )
