"""The storage and clock interfaces services depend on (satisfied by persistence, or test fakes)."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Iterable, Protocol, Sequence, TypeVar

from ledger.domain.entities import CreditBlock, Entity
from ledger.domain.log import LogHead, StoredCheckpoint, StoredEntry

E = TypeVar("E", bound=Entity)


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

    def checkpoints(self, *, before: int | None, limit: int) -> list[StoredCheckpoint]: ...


class ProjectionRepository(Protocol):
    def get_many(self, kind: type[E], keys: Iterable[Any]) -> dict[Any, E]: ...

    def find(self, kind: type[E], **equals: Any) -> list[E]: ...

    def find_in(self, kind: type[E], field: str, values: Iterable[Any]) -> list[E]: ...

    def page(self, kind: type[E], *, after: Any, limit: int, **equals: Any) -> list[E]: ...

    def credit_block_at_or_before(self, serial: int) -> CreditBlock | None: ...

    def put(self, entities: Sequence[Entity]) -> None: ...

    def clear(self) -> None: ...


class TokenRepository(Protocol):
    def add(self, token: Any) -> None: ...

    def get(self, token_id: str) -> Any: ...

    def list(self, party_id: str | None = None) -> list[Any]: ...

    def revoke(self, token_id: str, at: datetime) -> bool: ...


class UnitOfWork(Protocol):
    log: LogRepository
    projections: ProjectionRepository
    tokens: TokenRepository

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...

    def snapshot(self) -> UnitOfWork:
        """A unit whose reads all see one consistent snapshot (REPEATABLE READ)."""
        ...
