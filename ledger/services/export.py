"""Export bundles: the log's records up to a tree size (or a range of them), with the signed checkpoint at that size."""

from __future__ import annotations

from typing import Callable, Iterator

from ledger import errors
from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint
from ledger.merkle import proofs as merkle
from ledger.services.proofs import check_tree_size, range_hashes
from ledger.services.runtime import LedgerRuntime
from ledger.services.scan import log_chunks
from ledger.verify.bundle import checkpoint_line, manifest

CHUNK = 5000


def export_bundle(
    runtime: LedgerRuntime,
    *,
    tree_size: int | None = None,
    start: int = 0,
    size_field: str = "tree_size",
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[bytes]:
    """Yield the bundle's lines (each ending in a newline), reading the log in chunks: constant memory.

    The checkpoint is the stored one at that size, or one signed now for the prefix's root. From a
    ``start`` above 0 it is a range bundle: the records ``start`` .. ``tree_size`` - 1, and in the
    manifest the stored hashes of the perfect subtrees of the tree of size ``start`` (its frontier),
    from which a verifier recomputes the root at ``tree_size``.

    :param tree_size: export up to (not including) this index; the latest checkpoint's size by default.
    :param start: the first index exported; 0 (a prefix bundle, the format every verifier reads) by default.
    :param size_field: what errors call ``tree_size`` (the caller's name for it: ``to``).
    :param progress: called with (entries written, total) after each chunk.
    :raises TreeSizeOutOfRange: unless 0 <= start < tree_size <= the log's size. Raised before the first
        line is yielded, so a caller can still answer with an error.
    """
    with runtime.uow_factory.snapshot() as uow:
        identity = runtime.identity(uow)
        latest = uow.log.latest_checkpoint()
        assert latest is not None  # identity() found the genesis entry
        size = latest.tree_size if tree_size is None else tree_size
        check_tree_size(size, latest.tree_size, size_field)
        if not 0 <= start < size:
            raise errors.TreeSizeOutOfRange(f"from must be between 0 and {size - 1}, below {size_field} ({size})", field="from")
        signer = runtime.identity_at(uow, size)
        if size == latest.tree_size:
            note = latest.note
        else:
            root = range_hashes(uow.log, [(0, size)])[0]
            note = sign_checkpoint(Checkpoint(identity.origin, size, root), runtime.signing_key(signer.checkpoint_public_key))
        frontier_ids = merkle.frontier(start)
        stored = uow.log.nodes(frontier_ids) if frontier_ids else {}
        yield manifest(identity.origin, size, signer.verifier_key, start=start, frontier=[stored[n] for n in frontier_ids]) + b"\n"
        done, total = 0, size - start
        for entries in log_chunks(uow.log, size, CHUNK, start=start):
            for entry in entries:
                yield entry.record + b"\n"
            done += len(entries)
            if progress:
                progress(done, total)
        yield checkpoint_line(note) + b"\n"
