"""Applying entries to a state in log order: the one path the server, rebuilds and auditors all take."""

from __future__ import annotations

import functools
from typing import Any, Mapping

from ledger import errors
from ledger.domain.catalog import CORRECTABLE, ENTRY_TYPES, GENESIS, entry_type
from ledger.domain.entities import Entity
from ledger.domain.envelope import check_envelope, parse_submission
from ledger.domain.rules import EntryContext, EntryType, authorize_key, load_payload
from ledger.domain.state import WritableState
from ledger.domain.totals import with_totals
from ledger.domain.types.registry import genesis_entities


def apply_entry(state: WritableState, ctx: EntryContext, signed_payload: Mapping[str, Any]) -> list[Entity]:
    """Check the entry's rules against ``state`` and apply what it changes.

    :param signed_payload: the payload as signed (JSON values), which later corrections compare against.
    :returns: the entities created or changed, the project totals they move included.
    :raises LedgerError: when a rule forbids the entry; ``state`` is then unchanged.
    """
    return _apply(state, ctx, ENTRY_TYPES.get(ctx.entry_type) or entry_type(ctx.entry_type), signed_payload)


def _apply(state: WritableState, ctx: EntryContext, kind: EntryType, signed_payload: Mapping[str, Any]) -> list[Entity]:
    """``apply_entry`` once the entry's type is known."""
    name = kind.name
    entities = genesis_entities(ctx) if name == GENESIS else with_totals(state, kind.handler(state, ctx))
    state.put(entities)
    # Only correctable entries need their payload later; the others are remembered by type and signer.
    state.record_entry(ctx.index, name, ctx.signer, signed_payload if name in CORRECTABLE else {})
    return entities


def replay_record(state: WritableState, record: Mapping[str, Any], *, trusted: bool = False) -> list[Entity]:
    """Re-apply a stored log record (signature checks are the caller's: rebuilds trust the log, auditors do not).

    :param trusted: the record comes from this server's own log, so its canonical bytes need no re-encoding.
    :raises LedgerError: when the record breaks a rule given the state built from the records before it.
    """
    envelope, signature = record["envelope"], record["signature"]
    signed_payload: Mapping[str, Any]
    if trusted and type(envelope) is dict and type(signature) is str:
        # The shape checks of parse_submission without building a Submission: a replay reads only these.
        name, signer, key_id, _, signed_at, signed_payload = check_envelope(envelope)
    else:
        submission = parse_submission({"envelope": envelope, "signature": signature}, encode=not trusted)
        name, signer, key_id, signed_at, signed_payload = (
            submission.entry_type, submission.signer, submission.key_id, submission.signed_at, submission.payload
        )
    kind = ENTRY_TYPES.get(name) or entry_type(name)
    payload = load_payload(kind.schema, signed_payload)
    if kind.name == GENESIS:
        if record["index"] != 0:
            raise errors.RuleViolation("a genesis entry may stand only at index 0", field="envelope.type", rule="genesis-not-first")
    else:
        authorize_key(state, signer, key_id, kind)
    return _apply(state, _new_context((record["index"], name, signer, key_id, signed_at, payload)), kind, signed_payload)


#: ``EntryContext(*fields)`` without the Python frame of the named tuple's generated ``__new__`` (which
#: does just this): every entry of every replay builds one.
_new_context = functools.partial(tuple.__new__, EntryContext)
