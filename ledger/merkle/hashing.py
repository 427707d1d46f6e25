"""RFC 9162 §2.1 hashes: the empty root, leaf (0x00) and interior node (0x01) hashes."""

from __future__ import annotations

from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()

# Distinct prefixes keep a leaf from ever being mistaken for an interior node
# (the second-preimage attack RFC 9162 §2.1 guards against).
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf.

    :param data: the leaf bytes (for the ledger, the JCS record).
    :returns: SHA-256(0x00 ‖ data), 32 bytes.
    """
    return sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash an interior node from its two children.

    :param left: hash of the left subtree.
    :param right: hash of the right subtree.
    :returns: SHA-256(0x01 ‖ left ‖ right), 32 bytes.
    """
    return sha256(_NODE_PREFIX + left + right).digest()
