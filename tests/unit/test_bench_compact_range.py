"""The proofs benchmark's streaming root fold agrees with ledger.merkle at every size."""

from __future__ import annotations

from bench.proofs import CompactRange
from ledger.merkle.hashing import EMPTY_ROOT, leaf_hash
from ledger.merkle.proofs import merkle_root


def test_compact_range_root_equals_merkle_root_at_every_size() -> None:
    leaves = [leaf_hash(f"record {n}".encode()) for n in range(70)]
    tree = CompactRange()
    assert tree.root() == EMPTY_ROOT
    for n, leaf in enumerate(leaves, start=1):
        tree.append(leaf)
        assert tree.size == n
        assert tree.root() == merkle_root(leaves[:n])
