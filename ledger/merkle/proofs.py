"""RFC 9162 §2.1 roots, inclusion and consistency proofs over stored subtrees, and their checks."""

# Storage model: the hash of every *perfect* aligned subtree is stored once it completes, as
# node (level, index) covering leaves [index * 2**level, (index + 1) * 2**level); level 0 holds
# the leaf hashes. Such a node never changes, and every hash a proof needs is a fold of
# O(log n) of them, so roots and proofs cost O(log n) reads whatever the tree size.

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ledger.errors import ProofMismatch, TreeSizeOutOfRange
from ledger.merkle.hashing import EMPTY_ROOT, HASH_SIZE, node_hash

NodeId = tuple[int, int]
LeafRange = tuple[int, int]
NodeLookup = Callable[[int, int], bytes]


def largest_power_of_two_below(n: int) -> int:
    """The RFC 9162 split point k: the largest power of two strictly smaller than n.

    :param n: at least 2.
    :returns: k with k < n <= 2k.
    :raises ValueError: n < 2.
    """
    if n < 2:
        raise ValueError(f"no power of two splits {n} leaves")
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[NodeId]:
    """Decompose a leaf range into the stored perfect subtrees whose fold is its MTH.

    Precondition: ``0 <= start <= end`` and ``start`` is a multiple of the largest power of
    two not exceeding ``end - start``. Every range whose MTH appears in an RFC 9162 tree,
    PATH or PROOF satisfies it (RFC 9162 splits off a left subtree of size k = that power of
    two, so the left part is one aligned perfect subtree and the rest recurses); for those
    ranges folding the result right to left with ``node_hash`` equals MTH(D[start:end]).

    :param start: first leaf.
    :param end: one past the last leaf.
    :returns: ``(level, index)`` nodes, left to right, largest first; empty for an empty range.
    :raises ValueError: the precondition does not hold.
    """
    size = end - start
    if start < 0 or size < 0:
        raise ValueError(f"invalid leaf range [{start}, {end})")
    if size == 0:
        return []
    top = size.bit_length() - 1
    if start % (1 << top):
        raise ValueError(f"leaf range [{start}, {end}) is not one an RFC 9162 tree produces")
    nodes: list[NodeId] = []
    position = start
    # The set bits of size, high to low, give the subtrees; each begins aligned because
    # start is aligned to the highest one.
    for level in range(top, -1, -1):
        if size >> level & 1:
            nodes.append((level, position >> level))
            position += 1 << level
    return nodes


def range_hash(start: int, end: int, node: NodeLookup) -> bytes:
    """MTH(D[start:end]) from stored perfect-subtree hashes.

    :param start: first leaf; see ``perfect_subtrees`` for the precondition.
    :param end: one past the last leaf.
    :param node: returns the stored hash of ``(level, index)``.
    :returns: the 32-byte hash; ``EMPTY_ROOT`` for an empty range.
    :raises ValueError: the range breaks the ``perfect_subtrees`` precondition.
    """
    nodes = perfect_subtrees(start, end)
    if not nodes:
        return EMPTY_ROOT
    # RFC 9162 hashes the smaller right part first, so fold from the right.
    result = node(*nodes[-1])
    for level, index in reversed(nodes[:-1]):
        result = node_hash(node(level, index), result)
    return result


def root_from_nodes(tree_size: int, node: NodeLookup) -> bytes:
    """The root hash of the first ``tree_size`` leaves.

    :param tree_size: number of leaves, >= 0.
    :param node: stored-node lookup.
    :returns: MTH(D[0:tree_size]).
    :raises TreeSizeOutOfRange: negative size.
    """
    if tree_size < 0:
        raise TreeSizeOutOfRange(f"tree size {tree_size} is negative")
    return range_hash(0, tree_size, node)


def frontier(size: int) -> list[NodeId]:
    """The perfect subtrees that make up a tree of ``size`` leaves (its compact range).

    :param size: number of leaves, >= 0.
    :returns: ``(level, index)`` nodes, left to right.
    """
    return perfect_subtrees(0, size)


def inclusion_proof_ranges(index: int, tree_size: int) -> list[LeafRange]:
    """The leaf ranges whose MTHs form PATH(index, D[0:tree_size]) (RFC 9162 §2.1.3.1).

    :param index: the leaf, 0 <= index < tree_size.
    :param tree_size: the tree the proof is for.
    :returns: ranges in proof order, from the leaf's sibling up to the root's child.
    :raises TreeSizeOutOfRange: index outside the tree.
    """
    if not 0 <= index < tree_size:
        raise TreeSizeOutOfRange(f"leaf {index} is not in a tree of size {tree_size}")
    ranges: list[LeafRange] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()  # collected top-down; the RFC lists the deepest sibling first
    return ranges


def consistency_proof_ranges(first: int, second: int) -> list[LeafRange]:
    """The leaf ranges whose MTHs form PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1).

    :param first: size of the older tree, 0 < first <= second.
    :param second: size of the newer tree.
    :returns: ranges in proof order; empty when first == second.
    :raises TreeSizeOutOfRange: first == 0 (RFC 9162 proofs start from a non-empty tree)
        or first > second.
    """
    if not 0 < first <= second:
        raise TreeSizeOutOfRange(f"no consistency proof from size {first} to size {second}")
    ranges: list[LeafRange] = []
    start, end, m = 0, second, first
    # "complete" is the RFC's b: true while D[start:end] has been the whole second tree's
    # left spine, where the old root need not be sent.
    complete = True
    while m != end - start:
        k = largest_power_of_two_below(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def nodes_for_ranges(ranges: Iterable[LeafRange]) -> list[NodeId]:
    """The distinct stored nodes needed to hash the given ranges, for a single fetch.

    :param ranges: leaf ranges from ``inclusion_proof_ranges`` / ``consistency_proof_ranges``.
    :returns: ``(level, index)`` nodes, first occurrence order, without duplicates.
    """
    seen: dict[NodeId, None] = {}
    for start, end in ranges:
        for node_id in perfect_subtrees(start, end):
            seen.setdefault(node_id, None)
    return list(seen)


def proof_hashes(ranges: Iterable[LeafRange], node: NodeLookup) -> list[bytes]:
    """Hash each range, turning proof ranges into the proof itself.

    :param ranges: leaf ranges in proof order.
    :param node: stored-node lookup.
    :returns: one 32-byte hash per range.
    """
    return [range_hash(start, end, node) for start, end in ranges]


def new_perfect_nodes(
    old_size: int, new_leaf_hashes: Sequence[bytes], node: NodeLookup
) -> list[tuple[int, int, bytes]]:
    """The perfect subtrees completed by appending leaves, ready to store.

    Only a left sibling that completed before the append is looked up, at most one per
    level (it is on the old tree's frontier), so an append costs O(log n) reads.

    :param old_size: leaves already in the tree (and whose nodes are stored).
    :param new_leaf_hashes: leaf hashes of the appended leaves, at ``old_size`` onwards.
    :param node: lookup for nodes of the old tree.
    :returns: ``(level, index, hash)`` for every node that becomes complete, the level-0
        leaf nodes included, ordered by level then index.
    :raises ValueError: negative ``old_size`` or a leaf hash that is not 32 bytes.
    """
    if old_size < 0:
        raise ValueError(f"tree size {old_size} is negative")
    if any(len(h) != HASH_SIZE for h in new_leaf_hashes):
        raise ValueError(f"leaf hashes are {HASH_SIZE} bytes")
    new_size = old_size + len(new_leaf_hashes)
    fresh: dict[NodeId, bytes] = {
        (0, old_size + offset): h for offset, h in enumerate(new_leaf_hashes)
    }
    result = [(0, index, h) for (_, index), h in fresh.items()]
    level = 1
    while new_size >> level > old_size >> level:
        for index in range(old_size >> level, new_size >> level):
            left_id = (level - 1, 2 * index)
            left = fresh[left_id] if left_id in fresh else node(*left_id)
            digest = node_hash(left, fresh[(level - 1, 2 * index + 1)])
            fresh[(level, index)] = digest
            result.append((level, index, digest))
        level += 1
    return result


# --- in-memory trees: the offline verifier and tests use the service's own code path ----------


def build_node_table(leaf_hashes: Sequence[bytes]) -> dict[NodeId, bytes]:
    """Every perfect-subtree hash of a tree held in memory.

    :param leaf_hashes: the tree's leaf hashes in order.
    :returns: ``{(level, index): hash}``, usable as ``table.__getitem__`` lookups for any
        prefix of the tree as well.
    """
    table: dict[NodeId, bytes] = {}
    for level, index, digest in new_perfect_nodes(0, leaf_hashes, lambda lv, ix: table[(lv, ix)]):
        table[(level, index)] = digest
    return table


def _lookup(table: dict[NodeId, bytes]) -> NodeLookup:
    return lambda level, index: table[(level, index)]


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes.

    :param leaf_hashes: the leaves' hashes (``leaf_hash(data)``), in order.
    :returns: the root; ``EMPTY_ROOT`` for no leaves.
    """
    return root_from_nodes(len(leaf_hashes), _lookup(build_node_table(leaf_hashes)))


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[0:n]) for n = len(leaf_hashes).

    :param index: the leaf.
    :param leaf_hashes: the tree's leaf hashes.
    :returns: the audit path.
    :raises TreeSizeOutOfRange: index outside the tree.
    """
    ranges = inclusion_proof_ranges(index, len(leaf_hashes))
    return proof_hashes(ranges, _lookup(build_node_table(leaf_hashes)))


def consistency_proof(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(first, D[0:n]) for n = len(leaf_hashes).

    :param first: the older tree size, 0 < first <= n.
    :param leaf_hashes: the newer tree's leaf hashes.
    :returns: the consistency proof.
    :raises TreeSizeOutOfRange: first outside (0, n].
    """
    ranges = consistency_proof_ranges(first, len(leaf_hashes))
    return proof_hashes(ranges, _lookup(build_node_table(leaf_hashes)))


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2, step by step) -------------------------------


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ProofMismatch(f"{what} is not a {HASH_SIZE}-byte hash")


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree with ``root`` (RFC 9162 §2.1.3.2).

    :param leaf_hash: the leaf's hash.
    :param index: its position.
    :param tree_size: size of the tree ``root`` is for.
    :param proof: the audit path.
    :param root: the trusted root hash.
    :raises TreeSizeOutOfRange: not 0 <= index < tree_size.
    :raises ProofMismatch: malformed hashes, wrong proof length, or the root does not match.
    """
    if not 0 <= index < tree_size:
        raise TreeSizeOutOfRange(f"leaf {index} is not in a tree of size {tree_size}")
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root hash")
    for position, element in enumerate(proof):
        _check_hash(element, f"proof[{position}]")
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofMismatch("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not (fn & 1 or fn == 0):
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofMismatch("inclusion proof is too short")
    if r != root:
        raise ProofMismatch("inclusion proof does not lead to the root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the ``second_root`` tree extends the ``first_root`` one (RFC 9162 §2.1.4.2).

    :param first: older tree size, 0 < first <= second.
    :param second: newer tree size.
    :param first_root: trusted root of the older tree.
    :param second_root: trusted root of the newer tree.
    :param proof: the consistency proof; empty iff first == second.
    :raises TreeSizeOutOfRange: first == 0 or first > second.
    :raises ProofMismatch: malformed hashes, wrong proof length, or either root does not match.
    """
    if not 0 < first <= second:
        raise TreeSizeOutOfRange(f"no consistency proof from size {first} to size {second}")
    _check_hash(first_root, "first root")
    _check_hash(second_root, "second root")
    for position, element in enumerate(proof):
        _check_hash(element, f"proof[{position}]")
    if first == second:
        if proof:
            raise ProofMismatch("a proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofMismatch("equal tree sizes with different roots")
        return
    if not proof:
        raise ProofMismatch("consistency proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:
        # The old tree is a perfect subtree of the new one; the RFC omits its root.
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofMismatch("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not (fn & 1 or fn == 0):
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofMismatch("consistency proof is too short")
    if fr != first_root:
        raise ProofMismatch("consistency proof does not lead to the first root")
    if sr != second_root:
        raise ProofMismatch("consistency proof does not lead to the second root")
