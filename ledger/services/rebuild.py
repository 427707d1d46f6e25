"""Rebuild every projection from the log alone, by replaying its entries through the rules."""

from __future__ import annotations

from typing import Callable

from ledger.domain.replay import replay_record
from ledger.services.entries import prefetch_named
from ledger.services.runtime import LedgerRuntime
from ledger.services.scan import log_chunks
from ledger.services.state import StagedState


def rebuild_projections(runtime: LedgerRuntime, *, chunk: int = 2000, progress: Callable[[int, int], None] | None = None) -> int:
    """Empty the projections and replay the log into them, in one transaction.

    Appends wait while it runs (it holds the append lock), and readers see the old projections
    until it commits, so nobody sees a half-built state. The replay writes the projections' history
    as the appends do (each version with the index of the entry that made it), so afterwards reports
    as of every tree size read it, a database upgraded from before the history included.

    :param progress: called with (entries replayed so far, log size) after each chunk.
    :returns: the number of entries replayed.
    :raises LedgerError: when an entry no longer passes the rules (a sign of a tampered log).
    """
    with runtime.uow_factory() as uow:
        size = uow.log.lock_head().size
        uow.projections.clear()
        done = 0
        for entries in log_chunks(uow.log, size, chunk):
            # A fresh stage per chunk keeps memory flat; earlier chunks are already in the tables.
            state = StagedState.over_database(uow.projections, uow.log)
            records = [entry.record_json() for entry in entries]
            # What the chunk's entries name (and the totals of their projects), a query per kind rather
            # than one per entity as the rules first ask for it.
            prefetch_named(state, ((r["envelope"]["signer"], r["envelope"]["key"], r["envelope"]["payload"]) for r in records))
            for record in records:
                replay_record(state, record, trusted=True)
            done += len(entries)
            state.flush(uow.projections)
            if progress:
                progress(done, size)
        uow.commit()
    return done
