"""The verifier's streaming Merkle frontier against the reference tree of ``ledger.merkle``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle.hashing import EMPTY_ROOT, leaf_hash
from ledger.merkle.proofs import merkle_root
from ledger.verify.bundle import MerkleFrontier

LEAVES = [leaf_hash(b"entry %d" % i) for i in range(300)]


def test_the_empty_frontier_has_the_empty_root() -> None:
    assert MerkleFrontier().root() == EMPTY_ROOT


def test_every_size_up_to_300_has_the_reference_root() -> None:
    frontier = MerkleFrontier()
    for size, leaf in enumerate(LEAVES, start=1):
        frontier.append(leaf)
        assert frontier.root() == merkle_root(LEAVES[:size]), size


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300).flatmap(lambda size: st.tuples(st.just(size), st.integers(0, size))))
def test_a_frontier_resumed_from_a_prefix_reaches_the_same_root(sizes: tuple[int, int]) -> None:
    size, cut = sizes
    prefix = MerkleFrontier()
    for leaf in LEAVES[:cut]:
        prefix.append(leaf)
    resumed = MerkleFrontier(cut, prefix.hashes())
    for leaf in LEAVES[cut:size]:
        resumed.append(leaf)
    assert resumed.root() == merkle_root(LEAVES[:size])
    # One hash per set bit of the size: the perfect subtrees, largest first.
    assert len(resumed.hashes()) == bin(size).count("1")


def test_a_frontier_with_the_wrong_number_of_hashes_is_refused() -> None:
    with pytest.raises(ValueError, match="perfect subtrees"):
        MerkleFrontier(5, [LEAVES[0]])
