"""Prove that a receipt's entry is still in the log: inclusion at the current size, consistency since."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ledger import errors
from ledger.crypto.canonical import b64decode
from ledger.crypto.checkpoint import Checkpoint, verify_checkpoint
from ledger.merkle.proofs import verify_consistency, verify_inclusion
from ledger.verify.receipt import verify_receipt


def prove_receipt(
    receipt: Mapping[str, Any],
    verifier_key: str,
    *,
    fetch_checkpoint: Callable[[], str],
    fetch_inclusion: Callable[[int, int], list[str]],
    fetch_consistency: Callable[[int, int], list[str]],
) -> Checkpoint:
    """Check the receipt, then that the log's current checkpoint still includes its entry and extends
    the receipt's checkpoint.

    :returns: the current checkpoint.
    :raises VerificationFailed: naming the receipt's index when the log no longer proves it.
    """
    verified = verify_receipt(receipt, verifier_key)
    try:
        current = verify_checkpoint(fetch_checkpoint(), verifier_key)
    except errors.InvalidCheckpoint as exc:
        raise errors.VerificationFailed(f"the log's checkpoint does not verify: {exc.detail}") from None
    old = verified.checkpoint
    if current.tree_size < old.tree_size:
        raise errors.VerificationFailed(f"rollback: the log holds {current.tree_size} entries, the receipt's checkpoint {old.tree_size}", index=verified.index)
    try:
        path = [b64decode(h, field="audit_path", length=32) for h in fetch_inclusion(verified.index, current.tree_size)]
        verify_inclusion(verified.leaf_hash, verified.index, current.tree_size, path, current.root_hash)
        if current.tree_size > old.tree_size:
            proof = [b64decode(h, field="proof", length=32) for h in fetch_consistency(old.tree_size, current.tree_size)]
            verify_consistency(old.tree_size, current.tree_size, old.root_hash, current.root_hash, proof)
        elif current.root_hash != old.root_hash:
            raise errors.ProofMismatch("two different roots for one tree size")
    except errors.LedgerError as exc:
        raise errors.VerificationFailed(f"the log no longer proves this entry: {exc.detail}", index=verified.index) from None
    return current
