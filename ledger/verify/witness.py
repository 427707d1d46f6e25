"""A witness: remember the log's latest checkpoint and refuse any later one that does not extend it.

Run it from cron every minute: each run fetches the latest checkpoint, checks its signature with the
pinned key and a consistency proof from the last checkpoint it stored, then stores the new one. A
rollback (a smaller tree), a fork (two roots for one size, or a proof that fails) or a bad signature is
an error, and the stored checkpoint is left as it was, as evidence.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ledger import errors
from ledger.crypto.canonical import b64decode
from ledger.crypto.checkpoint import Checkpoint, verify_checkpoint
from ledger.merkle.proofs import verify_consistency

CHECKPOINT_FILE = "checkpoint"
KEY_FILE = "verifier_key"


@dataclass(frozen=True)
class WitnessOutcome:
    previous: Checkpoint | None
    current: Checkpoint


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def pinned_key(state: Path, given: str | None) -> str:
    """The verifier key pinned in ``state`` (pinning ``given`` on the first run).

    :raises VerificationFailed: when no key is pinned or given, or ``given`` differs from the pinned one.
    """
    path = state / KEY_FILE
    if path.exists():
        pinned = path.read_text(encoding="utf-8").strip()
        if given is not None and given != pinned:
            raise errors.VerificationFailed(f"--key differs from the key pinned in {path}")
        return pinned
    if given is None:
        raise errors.VerificationFailed("no verifier key pinned yet: pass --key on the first run")
    state.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, given + "\n")
    return given


def witness(state: Path, verifier_key: str, fetch_checkpoint: Callable[[], str], fetch_consistency: Callable[[int, int], list[str]]) -> WitnessOutcome:
    """Check the log's latest checkpoint against the one stored in ``state`` and store it.

    :param fetch_consistency: (first, second) -> the proof's base64 hashes.
    :raises VerificationFailed: on a bad signature, a rollback or a fork; nothing is stored then.
    """
    try:
        current_note = fetch_checkpoint()
        current = verify_checkpoint(current_note, verifier_key)
    except errors.InvalidCheckpoint as exc:
        raise errors.VerificationFailed(f"the log's checkpoint does not verify: {exc.detail}") from None
    path = state / CHECKPOINT_FILE
    previous = verify_checkpoint(path.read_text(encoding="utf-8"), verifier_key) if path.exists() else None
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
    _atomic_write(path, current_note)
    return WitnessOutcome(previous, current)
