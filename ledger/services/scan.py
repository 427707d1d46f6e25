"""Reading the log in index order, a chunk at a time, so a whole-log pass holds one chunk in memory."""

from __future__ import annotations

from typing import Iterator

from ledger.domain.log import StoredEntry
from ledger.services.ports import LogRepository


def log_chunks(log: LogRepository, size: int, chunk: int, *, start: int = 0) -> Iterator[list[StoredEntry]]:
    """The entries from index ``start`` up to below ``size``, ``chunk`` at a time.

    The cursor is the last index read, not a count, so a log with a hole in it (a row deleted behind
    the triggers' back) still ends, and each entry comes once: the verifier is the one to name the hole.
    """
    after = start - 1
    while True:
        entries = log.list(after=after, before=size, limit=chunk, entry_type=None, signer=None)
        if not entries:
            return
        yield entries
        after = entries[-1].index
