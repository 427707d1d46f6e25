"""What reports read: the projections, live from the database or replayed into memory."""

from __future__ import annotations

from typing import Any, Iterable, Protocol, TypeVar

from ledger.domain.entities import Entity

E = TypeVar("E", bound=Entity)


class ReportSource(Protocol):
    def get(self, kind: type[E], key: Any) -> E | None: ...

    def get_many(self, kind: type[E], keys: Iterable[Any]) -> dict[Any, E]: ...

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        """Every entity of ``kind`` with the given field values; all of them when none are given."""
        ...

    def find_in(self, kind: type[E], field: str, values: Iterable[Any]) -> list[E]: ...
