"""A witness: remember the log's latest checkpoint and refuse any later one that does not extend it.

Run it from cron every minute: each run fetches the latest checkpoint, checks its signature with the
pinned key and a consistency proof from the last checkpoint it stored, then stores the new one. A
rollback (a smaller tree), a fork (two roots for one size, or a proof that fails) or a bad signature is
an error, and the stored checkpoint is left as it was, as evidence.

The first run is given the log's verifier key (out of band); it is pinned, beside the first
checkpoint, once that checkpoint verifies with it, so a mistyped or wrong key is never pinned.

When the log has rotated its checkpoint key, the witness follows the rotation only through the log's
own checkpoint.key.rotated entries: each must be endorsed by the key pinned before it, accepted by the
new key, and included in the new checkpoint; then the new key is pinned.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ledger import errors
from ledger.crypto.canonical import b64decode, canonical_json
from ledger.crypto.checkpoint import Checkpoint, parse_verifier_key, rotation_statement, verifier_key, verify_checkpoint
from ledger.crypto.signing import verify_signature
from ledger.merkle.hashing import leaf_hash
from ledger.merkle.proofs import verify_consistency, verify_inclusion

CHECKPOINT_FILE = "checkpoint"
KEY_FILE = "verifier_key"


@dataclass(frozen=True)
class WitnessOutcome:
    #: The checkpoint stored before this run; None on the first run.
    previous: Checkpoint | None
    current: Checkpoint
    #: The verifier key pinned now, when the witness followed a key rotation.
    rotated_to: str | None = None


#: The log's checkpoint.key.rotated records, in index order (``GET /v1/entries?type=...``).
FetchRotations = Callable[[], Sequence[dict[str, Any]]]
#: (index, tree size) -> the inclusion proof's base64 hashes.
FetchInclusion = Callable[[int, int], list[str]]


def follow_rotations(note: str, pinned: str, rotations: Sequence[dict[str, Any]], fetch_inclusion: FetchInclusion) -> tuple[Checkpoint, str]:
    """Verify ``note`` through the key rotations recorded in the log, starting from the pinned key.

    :returns: the verified checkpoint and the verifier key that signed it.
    :raises VerificationFailed: when no chain of endorsed, included rotations leads to the note's key.
    """
    origin, _, key = parse_verifier_key(pinned)
    current_key = pinned
    for record in rotations:
        payload = record["envelope"]["payload"]
        new_key = b64decode(payload["new_key"], field="new_key", length=32)
        statement = rotation_statement(origin, key, new_key)
        try:
            verify_signature(statement, b64decode(payload["endorsement"], field="endorsement", length=64), key)
            verify_signature(statement, b64decode(payload["acceptance"], field="acceptance", length=64), new_key)
        except errors.LedgerError:
            continue  # a rotation from another key than the one in force on our chain
        key, current_key = new_key, verifier_key(origin, new_key)
        try:
            checkpoint = verify_checkpoint(note, current_key)
        except errors.InvalidCheckpoint:
            continue
        proof = [b64decode(h, field="audit_path", length=32) for h in fetch_inclusion(record["index"], checkpoint.tree_size)]
        try:
            verify_inclusion(leaf_hash(canonical_json(record)), record["index"], checkpoint.tree_size, proof, checkpoint.root_hash)
        except errors.LedgerError as exc:
            raise errors.VerificationFailed(f"the key rotation at index {record['index']} is not in the log: {exc.detail}") from None
        return checkpoint, current_key
    raise errors.VerificationFailed(
        "the log's checkpoint does not verify with the pinned key, and no rotation endorsed from it leads to its key"
    )


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def stored_key(state: Path) -> str | None:
    """The verifier key pinned in ``state``; None before a first run has succeeded."""
    path = state / KEY_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def pinned_key(state: Path, given: str | None) -> str:
    """The key to check with: the one pinned in ``state``, else ``given`` (on the first run).

    :raises VerificationFailed: when no key is pinned or given, or ``given`` differs from the pinned one.
    :raises InvalidCheckpoint: when ``given`` is not a verifier key at all.
    """
    key = stored_key(state)
    if key is not None:
        if given is not None and given != key:
            raise errors.VerificationFailed(f"--key differs from the key pinned in {state / KEY_FILE}")
        return key
    if given is None:
        raise errors.VerificationFailed("no verifier key pinned yet: pass --key on the first run")
    parse_verifier_key(given)
    return given


def witness(
    state: Path,
    pinned: str,
    fetch_checkpoint: Callable[[], str],
    fetch_consistency: Callable[[int, int], list[str]],
    fetch_rotations: FetchRotations | None = None,
    fetch_inclusion: FetchInclusion | None = None,
) -> WitnessOutcome:
    """Check the log's latest checkpoint against the one stored in ``state`` and store it.

    :param fetch_consistency: (first, second) -> the proof's base64 hashes.
    :param fetch_rotations: with ``fetch_inclusion``, lets the witness follow a checkpoint key rotation.
    :raises VerificationFailed: on a bad signature, a rollback or a fork; nothing is stored then.
    """
    current_note = fetch_checkpoint()
    rotated_to = None
    try:
        current = verify_checkpoint(current_note, pinned)
    except errors.InvalidCheckpoint as exc:
        if fetch_rotations is None or fetch_inclusion is None:
            raise errors.VerificationFailed(f"the log's checkpoint does not verify: {exc.detail}") from None
        current, rotated_to = follow_rotations(current_note, pinned, fetch_rotations(), fetch_inclusion)
    path = state / CHECKPOINT_FILE
    previous = verify_checkpoint(path.read_text(encoding="utf-8"), pinned) if path.exists() else None
    if previous is not None:
        if current.tree_size < previous.tree_size:
            raise errors.VerificationFailed(f"rollback: the log shrank from {previous.tree_size} to {current.tree_size} entries")
        if current.tree_size == previous.tree_size and current.root_hash != previous.root_hash:
            raise errors.VerificationFailed(f"fork: two different roots signed for tree size {current.tree_size}")
        if current.tree_size > previous.tree_size:
            proof = [b64decode(h, field="proof", length=32) for h in fetch_consistency(previous.tree_size, current.tree_size)]
            try:
                verify_consistency(previous.tree_size, current.tree_size, previous.root_hash, current.root_hash, proof)
            except errors.LedgerError as exc:
                raise errors.VerificationFailed(
                    f"fork: the checkpoint at {current.tree_size} does not extend the one stored at {previous.tree_size} ({exc.detail})"
                ) from None
    state.mkdir(parents=True, exist_ok=True)
    if rotated_to is not None or stored_key(state) is None:  # a rotation followed, or the first run's key, now verified
        _atomic_write(state / KEY_FILE, (rotated_to or pinned) + "\n")
    _atomic_write(path, current_note)
    return WitnessOutcome(previous, current, rotated_to)
