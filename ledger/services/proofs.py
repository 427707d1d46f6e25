"""Inclusion and consistency proofs and roots, read from the stored perfect-subtree hashes."""

from __future__ import annotations

from typing import Mapping, Sequence

from ledger import errors
from ledger.merkle import proofs as merkle
from ledger.services.ports import LogRepository


def range_hashes(
    log: LogRepository, ranges: Sequence[tuple[int, int]], known: Mapping[tuple[int, int], bytes] | None = None
) -> list[bytes]:
    """MTH of each leaf range, fetching the needed stored nodes in one query.

    :param known: nodes already in memory (e.g. those a batch just created); they are not re-read.
    """
    needed = merkle.nodes_for_ranges(ranges)
    nodes: dict[tuple[int, int], bytes] = dict(known or {})
    missing = [n for n in needed if n not in nodes]
    if missing:
        nodes.update(log.nodes(missing))
    memo: dict[tuple[int, int], bytes] = {}
    for r in ranges:
        if r not in memo:  # receipts of one batch share most of their ranges
            memo[r] = merkle.range_hash(r[0], r[1], lambda level, index: nodes[(level, index)])
    return [memo[r] for r in ranges]


def check_tree_size(tree_size: int, current: int, field: str) -> None:
    """:raises TreeSizeOutOfRange: unless 0 < tree_size <= current (the log's size), naming ``field``."""
    if not 0 < tree_size <= current:
        raise errors.TreeSizeOutOfRange(f"{field} must be between 1 and the log's size {current}", field=field)


def _proof_hashes(
    log: LogRepository, ranges: Sequence[tuple[int, int]], extra: Sequence[tuple[int, int]], tree_size: int, field: str
) -> tuple[list[bytes], dict[tuple[int, int], bytes]]:
    """The proof's range hashes, plus the ``extra`` nodes, in one query and without asking the log's size:
    every perfect subtree below the log's size is stored, so a missing node means ``tree_size`` is
    beyond the log, which is only then read, for the error.

    :raises TreeSizeOutOfRange: when ``tree_size`` exceeds the log's size.
    """
    needed = merkle.nodes_for_ranges(ranges)
    nodes = log.nodes([*needed, *extra])
    if len(nodes) < len(set(needed) | set(extra)):
        check_tree_size(tree_size, log.size(), field)
        raise AssertionError(f"a stored subtree below tree size {tree_size} is missing")  # pragma: no cover - the log lost a node
    memo: dict[tuple[int, int], bytes] = {}
    for r in ranges:
        if r not in memo:
            memo[r] = merkle.range_hash(r[0], r[1], lambda level, index: nodes[(level, index)])
    return [memo[r] for r in ranges], nodes


def inclusion_proof(log: LogRepository, index: int, tree_size: int) -> tuple[bytes, list[bytes]]:
    """RFC 9162 §2.1.3 audit path of ``index`` in the tree of ``tree_size`` leaves, and the leaf's hash.

    :raises TreeSizeOutOfRange: when the tree is larger than the log or the index not below the size.
    """
    if tree_size < 1:
        raise errors.TreeSizeOutOfRange("tree_size must be between 1 and the log's size", field="tree_size")
    if not 0 <= index < tree_size:
        raise errors.TreeSizeOutOfRange(f"index {index} is not in a tree of size {tree_size}", field="index")
    path, nodes = _proof_hashes(log, merkle.inclusion_proof_ranges(index, tree_size), [(0, index)], tree_size, "tree_size")
    return nodes[(0, index)], path


def consistency_proof(log: LogRepository, first: int, second: int) -> list[bytes]:
    """RFC 9162 §2.1.4 proof that the tree of ``first`` leaves is a prefix of that of ``second``.

    :raises TreeSizeOutOfRange: unless 0 < first <= second <= the log's size.
    """
    if second < 1:
        raise errors.TreeSizeOutOfRange("second must be between 1 and the log's size", field="second")
    if not 0 < first <= second:
        raise errors.TreeSizeOutOfRange("first must be between 1 and second", field="first")
    # The last leaf of the second tree is asked for too: it proves the log reaches that size.
    return _proof_hashes(log, merkle.consistency_proof_ranges(first, second), [(0, second - 1)], second, "second")[0]
