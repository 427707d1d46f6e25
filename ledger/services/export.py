"""Export bundles: the log's records up to a tree size, with the signed checkpoint at that size."""

from __future__ import annotations

from typing import Callable, Iterator

from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint
from ledger.services.proofs import check_tree_size, range_hashes
from ledger.services.runtime import LedgerRuntime
from ledger.services.scan import log_chunks
from ledger.verify.bundle import checkpoint_line, manifest

CHUNK = 5000


def export_bundle(runtime: LedgerRuntime, *, tree_size: int | None = None, progress: Callable[[int, int], None] | None = None) -> Iterator[bytes]:
    """Yield the bundle's lines (each ending in a newline), reading the log in chunks: constant memory.

    The checkpoint is the stored one at that size, or one signed now for the prefix's root.

    :param tree_size: export the first ``tree_size`` entries; the latest checkpoint's size by default.
    :param progress: called with (entries written, total) after each chunk.
    :raises TreeSizeOutOfRange: unless 1 <= tree_size <= the log's size.
    """
    with runtime.uow_factory.snapshot() as uow:
        identity = runtime.identity(uow)
        latest = uow.log.latest_checkpoint()
        assert latest is not None  # identity() found the genesis entry
        size = latest.tree_size if tree_size is None else tree_size
        check_tree_size(size, latest.tree_size, "tree_size")
        signer = runtime.identity_at(uow, size)
        if size == latest.tree_size:
            note = latest.note
        else:
            root = range_hashes(uow.log, [(0, size)])[0]
            note = sign_checkpoint(Checkpoint(identity.origin, size, root), runtime.signing_key(signer.checkpoint_public_key))
        yield manifest(identity.origin, size, signer.verifier_key) + b"\n"
        done = 0
        for entries in log_chunks(uow.log, size, CHUNK):
            for entry in entries:
                yield entry.record + b"\n"
            done += len(entries)
            if progress:
                progress(done, size)
        yield checkpoint_line(note) + b"\n"
