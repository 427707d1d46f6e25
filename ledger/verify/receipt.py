"""Check a receipt offline: the record's leaf hash, the checkpoint's signature and the inclusion proof."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ledger import errors
from ledger.crypto.canonical import b64decode, canonical_json
from ledger.crypto.checkpoint import Checkpoint, verify_checkpoint
from ledger.merkle.hashing import leaf_hash
from ledger.merkle.proofs import verify_inclusion


@dataclass(frozen=True)
class VerifiedReceipt:
    index: int
    leaf_hash: bytes
    checkpoint: Checkpoint


def verify_receipt(receipt: Mapping[str, Any], verifier_key: str, record: Mapping[str, Any] | None = None) -> VerifiedReceipt:
    """Verify that a receipt proves an entry's inclusion under a checkpoint signed by the pinned key.

    :param receipt: ``{"index", "leaf_hash", "checkpoint", "inclusion_proof"}`` as the API returns it.
    :param verifier_key: the log's pinned verifier key string (DESIGN §6).
    :param record: the log record, when at hand; its RFC 8785 bytes must hash to the receipt's leaf hash.
    :returns: the verified index, leaf hash and checkpoint.
    :raises InvalidCheckpoint, ProofMismatch, InvalidInput:
    """
    index = receipt.get("index")
    if type(index) is not int or index < 0:
        raise errors.InvalidInput("receipt index must be a non-negative integer", field="index")
    leaf = b64decode(receipt.get("leaf_hash"), field="leaf_hash", length=32)
    proof_items = receipt.get("inclusion_proof")
    if not isinstance(proof_items, list):
        raise errors.InvalidInput("inclusion_proof must be a list", field="inclusion_proof")
    proof = [b64decode(p, field=f"inclusion_proof[{i}]", length=32) for i, p in enumerate(proof_items)]
    note = receipt.get("checkpoint")
    if not isinstance(note, str):
        raise errors.InvalidInput("checkpoint must be the note text", field="checkpoint")
    checkpoint = verify_checkpoint(note, verifier_key)
    if record is not None:
        if record.get("index") != index:
            raise errors.ProofMismatch(f"the record is entry {record.get('index')}, the receipt is for {index}", field="index")
        if leaf_hash(canonical_json(record)) != leaf:
            raise errors.ProofMismatch("the record does not hash to the receipt's leaf hash", field="leaf_hash")
    verify_inclusion(leaf, index, checkpoint.tree_size, proof, checkpoint.root_hash)
    return VerifiedReceipt(index, leaf, checkpoint)
