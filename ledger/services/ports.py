"""The storage and clock interfaces services depend on (satisfied by persistence, or test fakes)."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Iterable, Protocol, Sequence

from ledger.domain.effects import Effect
from ledger.domain.log import LogHead, StoredCheckpoint, StoredEntry
from ledger.domain.registry import Party, PartyKey


class Clock(Protocol):
    def now(self) -> datetime: ...


class LogRepository(Protocol):
    def lock_head(self) -> LogHead:
        """Take the append lock for the rest of the transaction and return the log's head."""
        ...

    def size(self) -> int: ...

    def get(self, index: int) -> StoredEntry | None: ...

    def list(
        self, *, after: int | None, before: int | None, limit: int, entry_type: str | None, signer: str | None
    ) -> list[StoredEntry]: ...

    def find_by_nonce(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StoredEntry]: ...

    def add(self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]], checkpoint: StoredCheckpoint) -> None: ...

    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]: ...

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...


class RegistryRepository(Protocol):
    def parties(self, party_ids: Iterable[str]) -> dict[str, Party]: ...

    def keys(self, key_ids: Iterable[str]) -> dict[str, PartyKey]: ...

    def list_parties(self, *, after: str | None, limit: int) -> list[Party]: ...

    def keys_of(self, party_id: str) -> list[PartyKey]: ...

    def apply(self, effects: Sequence[Effect]) -> None: ...


class UnitOfWork(Protocol):
    log: LogRepository
    registry: RegistryRepository

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
