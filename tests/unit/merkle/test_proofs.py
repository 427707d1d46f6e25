"""Merkle proofs against a literal RFC 9162 §2.1 reference, published vectors and tampering."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import ProofMismatch, TreeSizeOutOfRange
from ledger.merkle.hashing import EMPTY_ROOT, leaf_hash, node_hash
from ledger.merkle.proofs import (
    build_node_table,
    consistency_proof,
    consistency_proof_ranges,
    frontier,
    inclusion_proof,
    inclusion_proof_ranges,
    largest_power_of_two_below,
    merkle_root,
    new_perfect_nodes,
    nodes_for_ranges,
    perfect_subtrees,
    proof_hashes,
    range_hash,
    root_from_nodes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads(
    (Path(__file__).parents[2] / "data" / "merkle" / "rfc6962_vectors.json").read_text()
)
ERRORS: dict[str, type[Exception]] = {
    "ProofMismatch": ProofMismatch,
    "TreeSizeOutOfRange": TreeSizeOutOfRange,
}

# --- the reference: RFC 9162 §2.1, transcribed as literally as Python allows -------------------
# D is a tuple of leaf inputs; k is "the largest power of two smaller than n".


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@functools.lru_cache(maxsize=None)
def naive_mth(d: tuple[bytes, ...]) -> bytes:
    """MTH of §2.1.1.

    MTH({}) = SHA-256(); MTH({d(0)}) = SHA-256(0x00 || d(0));
    MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
    """
    n = len(d)
    if n == 0:
        return sha256(b"").digest()
    if n == 1:
        return sha256(b"\x00" + d[0]).digest()
    k = _k(n)
    return sha256(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:])).digest()


def naive_path(m: int, d: tuple[bytes, ...]) -> list[bytes]:
    """PATH(m, D[n]) of §2.1.3.1."""
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return naive_path(m, d[:k]) + [naive_mth(d[k:])]
    return naive_path(m - k, d[k:]) + [naive_mth(d[:k])]


def naive_proof(m: int, d: tuple[bytes, ...]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of §2.1.4.1."""
    return naive_subproof(m, d, True)


def naive_subproof(m: int, d: tuple[bytes, ...], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = _k(n)
    if m <= k:
        return naive_subproof(m, d[:k], b) + [naive_mth(d[k:])]
    return naive_subproof(m - k, d[k:], False) + [naive_mth(d[:k])]


MAX_SIZE = 300
DATA = tuple(b"greenledger leaf %d" % i for i in range(MAX_SIZE))
LEAF_HASHES = [sha256(b"\x00" + d).digest() for d in DATA]
TABLE = build_node_table(LEAF_HASHES)


def lookup(level: int, index: int) -> bytes:
    return TABLE[(level, index)]


def flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


# --- basic shapes ------------------------------------------------------------------------------


def test_hashing_prefixes() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"x") == sha256(b"\x00x").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()


@pytest.mark.parametrize(
    ("n", "k"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512), (2**40 + 1, 2**40)]
)
def test_largest_power_of_two_below(n: int, k: int) -> None:
    assert largest_power_of_two_below(n) == k


@pytest.mark.parametrize("n", [-1, 0, 1])
def test_largest_power_of_two_below_needs_two(n: int) -> None:
    with pytest.raises(ValueError):
        largest_power_of_two_below(n)


def test_perfect_subtrees() -> None:
    assert perfect_subtrees(0, 0) == []
    assert perfect_subtrees(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert perfect_subtrees(8, 16) == [(3, 1)]
    assert perfect_subtrees(4, 7) == [(1, 2), (0, 6)]
    assert frontier(13) == [(3, 0), (2, 2), (0, 12)]


@pytest.mark.parametrize(("start", "end"), [(1, 3), (2, 6), (-1, 0), (3, 2), (4, 12)])
def test_perfect_subtrees_refuses_ranges_no_tree_has(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        perfect_subtrees(start, end)


def test_empty_tree() -> None:
    assert merkle_root([]) == EMPTY_ROOT
    assert root_from_nodes(0, lookup) == EMPTY_ROOT
    assert range_hash(5, 5, lookup) == EMPTY_ROOT


def test_ranges_and_nodes_for_a_small_tree() -> None:
    assert inclusion_proof_ranges(5, 8) == [(4, 5), (6, 8), (0, 4)]
    assert consistency_proof_ranges(6, 8) == [(4, 6), (6, 8), (0, 4)]
    assert consistency_proof_ranges(4, 8) == [(4, 8)]
    assert consistency_proof_ranges(3, 3) == []
    assert nodes_for_ranges([(4, 6), (4, 7), (0, 4)]) == [(1, 2), (0, 6), (2, 0)]


@pytest.mark.parametrize(("index", "size"), [(0, 0), (-1, 5), (5, 5), (9, 5)])
def test_inclusion_ranges_out_of_range(index: int, size: int) -> None:
    with pytest.raises(TreeSizeOutOfRange):
        inclusion_proof_ranges(index, size)


@pytest.mark.parametrize(("first", "second"), [(0, 0), (0, 5), (6, 5), (-1, 3)])
def test_consistency_ranges_out_of_range(first: int, second: int) -> None:
    with pytest.raises(TreeSizeOutOfRange):
        consistency_proof_ranges(first, second)


# --- every proof of every tree up to 300 leaves against the reference -------------------------

CHUNK = 25


@pytest.mark.parametrize("low", range(1, MAX_SIZE + 1, CHUNK))
def test_everything_matches_the_rfc_reference(low: int) -> None:
    for n in range(low, min(low + CHUNK, MAX_SIZE + 1)):
        d = DATA[:n]
        root = root_from_nodes(n, lookup)
        assert root == naive_mth(d)
        for i in range(n):
            proof = proof_hashes(inclusion_proof_ranges(i, n), lookup)
            assert proof == naive_path(i, d)
            verify_inclusion(LEAF_HASHES[i], i, n, proof, root)
        for m in range(1, n + 1):
            proof = proof_hashes(consistency_proof_ranges(m, n), lookup)
            assert proof == naive_proof(m, d)
            verify_consistency(m, n, naive_mth(DATA[:m]), root, proof)


def test_in_memory_helpers_match_the_reference() -> None:
    for n in range(1, 40):
        hashes = LEAF_HASHES[:n]
        assert merkle_root(hashes) == naive_mth(DATA[:n])
        for i in range(n):
            assert inclusion_proof(i, hashes) == naive_path(i, DATA[:n])
            assert consistency_proof(i + 1, hashes) == naive_proof(i + 1, DATA[:n])


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_appending_in_batches_builds_the_same_nodes(batches: list[int]) -> None:
    table: dict[tuple[int, int], bytes] = {}
    size = 0
    for batch in batches:
        batch = min(batch, MAX_SIZE - size)
        lookups: list[tuple[int, int]] = []

        def node(level: int, index: int) -> bytes:
            lookups.append((level, index))
            return table[(level, index)]

        added = new_perfect_nodes(size, LEAF_HASHES[size : size + batch], node)
        # Only the old frontier may be read, and each at most once.
        assert set(lookups) <= set(frontier(size))
        assert len(lookups) == len(set(lookups))
        for level, index, digest in added:
            assert (level, index) not in table
            table[(level, index)] = digest
        size += batch
        assert root_from_nodes(size, lambda lv, ix: table[(lv, ix)]) == naive_mth(DATA[:size])
    assert table == {key: TABLE[key] for key in table}
    assert set(table) == set(build_node_table(LEAF_HASHES[:size]))


def test_new_perfect_nodes_checks_its_input() -> None:
    with pytest.raises(ValueError):
        new_perfect_nodes(-1, [], lookup)
    with pytest.raises(ValueError):
        new_perfect_nodes(0, [b"short"], lookup)
    assert new_perfect_nodes(7, [], lookup) == []


# --- published vectors (transparency-dev/merkle, RFC 6962 test data) -------------------------


def test_published_roots() -> None:
    hashes = [leaf_hash(bytes.fromhex(x)) for x in VECTORS["leaves"]]
    for size, expected in enumerate(VECTORS["roots"]):
        assert merkle_root(hashes[:size]).hex() == expected
    expected = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert merkle_root(hashes).hex() == expected


def _case_id(case: dict[str, Any]) -> str:
    return case["desc"].replace(" ", "-")


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=_case_id)
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    leaf = (
        bytes.fromhex(case["leaf_hash"])
        if "leaf_hash" in case
        else leaf_hash(bytes.fromhex(case["leaf_data"]))
    )
    proof = [bytes.fromhex(p) for p in case["proof"]]
    root = bytes.fromhex(case["root"])
    if case["error"] is None:
        hashes = [leaf_hash(bytes.fromhex(x)) for x in VECTORS["leaves"][: case["tree_size"]]]
        assert inclusion_proof(case["index"], hashes) == proof
        verify_inclusion(leaf, case["index"], case["tree_size"], proof, root)
    else:
        with pytest.raises(ERRORS[case["error"]]):
            verify_inclusion(leaf, case["index"], case["tree_size"], proof, root)


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=_case_id)
def test_consistency_vectors(case: dict[str, Any]) -> None:
    proof = [bytes.fromhex(p) for p in case["proof"]]
    first_root = bytes.fromhex(case["first_root"])
    second_root = bytes.fromhex(case["second_root"])
    args = (case["first"], case["second"], first_root, second_root, proof)
    if case["error"] is None:
        hashes = [leaf_hash(bytes.fromhex(x)) for x in VECTORS["leaves"][: case["second"]]]
        assert consistency_proof(case["first"], hashes) == proof
        verify_consistency(*args)
    else:
        with pytest.raises(ERRORS[case["error"]]):
            verify_consistency(*args)


def test_equal_sizes_verify_only_with_equal_roots_and_no_proof() -> None:
    root = naive_mth(DATA[:5])
    verify_consistency(5, 5, root, root, [])
    with pytest.raises(ProofMismatch):
        verify_consistency(5, 5, root, naive_mth(DATA[:6]), [])
    with pytest.raises(ProofMismatch):
        verify_consistency(5, 5, root, root, [root])


# --- tampering: hypothesis -------------------------------------------------------------------

TREE_SIZES = st.integers(min_value=1, max_value=MAX_SIZE)


@st.composite
def inclusion_cases(draw: st.DrawFn) -> tuple[int, int, list[bytes], bytes]:
    n = draw(TREE_SIZES)
    i = draw(st.integers(min_value=0, max_value=n - 1))
    return i, n, naive_path(i, DATA[:n]), naive_mth(DATA[:n])


@st.composite
def consistency_cases(draw: st.DrawFn) -> tuple[int, int, list[bytes]]:
    n = draw(st.integers(min_value=2, max_value=MAX_SIZE))
    m = draw(st.integers(min_value=1, max_value=n - 1))
    return m, n, naive_proof(m, DATA[:n])


@given(inclusion_cases(), st.data())
@settings(max_examples=300, deadline=None)
def test_any_flipped_bit_breaks_an_inclusion_proof(
    case: tuple[int, int, list[bytes], bytes], data: st.DataObject
) -> None:
    i, n, proof, root = case
    leaf = LEAF_HASHES[i]
    verify_inclusion(leaf, i, n, proof, root)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    target = data.draw(st.sampled_from(["leaf", "root", "proof"] if proof else ["leaf", "root"]))
    if target == "leaf":
        leaf = flip(leaf, bit)
    elif target == "root":
        root = flip(root, bit)
    else:
        k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        proof = [flip(p, bit) if j == k else p for j, p in enumerate(proof)]
    with pytest.raises(ProofMismatch):
        verify_inclusion(leaf, i, n, proof, root)


@given(inclusion_cases(), st.data())
@settings(max_examples=300, deadline=None)
def test_an_inclusion_proof_does_not_verify_elsewhere(
    case: tuple[int, int, list[bytes], bytes], data: st.DataObject
) -> None:
    i, n, proof, root = case
    other_index = data.draw(st.integers(min_value=-2, max_value=n + 2).filter(lambda x: x != i))
    with pytest.raises((ProofMismatch, TreeSizeOutOfRange)):
        verify_inclusion(LEAF_HASHES[i], other_index, n, proof, root)
    # A wrong size is caught by the root of that size. (Against the *original* root some
    # other sizes legitimately verify: the proof only fixes the shape, the signed root fixes
    # the size.)
    other_size = data.draw(st.integers(min_value=0, max_value=MAX_SIZE).filter(lambda x: x != n))
    if other_size > i and naive_path(i, DATA[:other_size]) == proof:
        return  # the same proof is genuinely valid for that size
    with pytest.raises((ProofMismatch, TreeSizeOutOfRange)):
        verify_inclusion(LEAF_HASHES[i], i, other_size, proof, naive_mth(DATA[:other_size]))
    removed = proof[:-1] if proof else [root]
    with pytest.raises(ProofMismatch):
        verify_inclusion(LEAF_HASHES[i], i, n, removed, root)
    with pytest.raises(ProofMismatch):
        verify_inclusion(LEAF_HASHES[i], i, n, [*proof, root], root)


@given(consistency_cases(), st.data())
@settings(max_examples=300, deadline=None)
def test_any_flipped_bit_breaks_a_consistency_proof(
    case: tuple[int, int, list[bytes]], data: st.DataObject
) -> None:
    m, n, proof = case
    first_root, second_root = naive_mth(DATA[:m]), naive_mth(DATA[:n])
    verify_consistency(m, n, first_root, second_root, proof)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    target = data.draw(st.sampled_from(["first", "second", "proof"]))
    if target == "first":
        first_root = flip(first_root, bit)
    elif target == "second":
        second_root = flip(second_root, bit)
    else:
        k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        proof = [flip(p, bit) if j == k else p for j, p in enumerate(proof)]
    with pytest.raises(ProofMismatch):
        verify_consistency(m, n, first_root, second_root, proof)


@given(consistency_cases(), st.data())
@settings(max_examples=300, deadline=None)
def test_a_consistency_proof_does_not_verify_for_other_sizes(
    case: tuple[int, int, list[bytes]], data: st.DataObject
) -> None:
    m, n, proof = case
    sizes = st.integers(min_value=0, max_value=MAX_SIZE)
    other_m, other_n = data.draw(st.tuples(sizes, sizes).filter(lambda pair: pair != (m, n)))
    if 0 < other_m <= other_n and naive_proof(other_m, DATA[:other_n]) == proof:
        return
    with pytest.raises((ProofMismatch, TreeSizeOutOfRange)):
        verify_consistency(
            other_m, other_n, naive_mth(DATA[:other_m]), naive_mth(DATA[:other_n]), proof
        )
    with pytest.raises(ProofMismatch):
        verify_consistency(m, n, naive_mth(DATA[:m]), naive_mth(DATA[:n]), proof[:-1])
    with pytest.raises(ProofMismatch):
        verify_consistency(m, n, naive_mth(DATA[:m]), naive_mth(DATA[:n]), [*proof, proof[0]])


@pytest.mark.parametrize(
    "bad",
    [b"", b"x" * 31, b"x" * 33],
)
def test_hashes_of_the_wrong_length_are_refused(bad: bytes) -> None:
    root = naive_mth(DATA[:2])
    with pytest.raises(ProofMismatch):
        verify_inclusion(bad, 0, 2, [LEAF_HASHES[1]], root)
    with pytest.raises(ProofMismatch):
        verify_inclusion(LEAF_HASHES[0], 0, 2, [bad], root)
    with pytest.raises(ProofMismatch):
        verify_consistency(1, 2, LEAF_HASHES[0], bad, [LEAF_HASHES[1]])


# --- cost: O(log n) stored-node reads ---------------------------------------------------------

BIG = 2**20 + 12345


def _counting() -> tuple[Callable[[int, int], bytes], list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []

    def node(level: int, index: int) -> bytes:
        # Fake but deterministic hashes: only the number of reads matters here.
        assert (index + 1) << level <= BIG, "read a node that is not complete"
        calls.append((level, index))
        return sha256(b"%d/%d" % (level, index)).digest()

    return node, calls


@pytest.mark.parametrize("index", [0, 1, 2**19, 2**20 - 1, 2**20, BIG - 2, BIG - 1])
def test_inclusion_proof_reads_are_logarithmic(index: int) -> None:
    node, calls = _counting()
    ranges = inclusion_proof_ranges(index, BIG)
    proof_hashes(ranges, node)
    assert len(calls) <= 3 * math.log2(BIG)
    assert len(nodes_for_ranges(ranges)) <= 3 * math.log2(BIG)


@pytest.mark.parametrize("first", [1, 2, 3, 2**19 + 7, 2**20 - 1, 2**20, 2**20 + 1, BIG - 1])
def test_consistency_proof_reads_are_logarithmic(first: int) -> None:
    node, calls = _counting()
    proof_hashes(consistency_proof_ranges(first, BIG), node)
    assert len(calls) <= 4 * math.log2(BIG)


def test_root_and_append_reads_are_logarithmic() -> None:
    node, calls = _counting()
    root_from_nodes(BIG, node)
    assert len(calls) <= math.log2(BIG)
    node, calls = _counting()
    # 2**20 + 2**13 + 2**12 - 1 ends in twelve set bits, so one more leaf completes a
    # chain of twelve parents, each needing its left sibling from the old frontier.
    old = 2**20 + 2**13 + 2**12 - 1
    added = new_perfect_nodes(old, [sha256(b"new").digest()], node)
    assert len(calls) == 12 <= math.log2(BIG)
    assert set(calls) <= set(frontier(old))
    assert [(level, index) for level, index, _ in added] == [
        (level, ((old + 1) >> level) - 1) for level in range(13)
    ]
