"""What reports read: the projections, live from the database or replayed into memory."""

from __future__ import annotations

from typing import Any, Iterable, Protocol, Sequence, TypeVar

from ledger.domain.entities import Entity

E = TypeVar("E", bound=Entity)


class ReportSource(Protocol):
    def get(self, kind: type[E], key: Any) -> E | None: ...

    def get_many(self, kind: type[E], keys: Iterable[Any]) -> dict[Any, E]: ...

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        """Every entity of ``kind`` with the given field values; all of them when none are given."""
        ...

    def find_in(self, kind: type[E], field: str, values: Iterable[Any]) -> list[E]: ...

    def find_fields(self, kind: type[E], names: Sequence[str], **equals: Any) -> list[tuple[Any, ...]]:
        """The ``names`` fields of every entity of ``kind`` with the given field values, in no particular order."""
        ...

    def get_referenced(self, kind: type[E], by: type[Entity], field: str, **equals: Any) -> dict[Any, E]:
        """The entities of ``kind`` (by key) that the ``by`` entities with the given field values name in ``field``."""
        ...
