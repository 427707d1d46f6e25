"""What rules may read of the programme's state, and the in-memory state that replays use."""

from __future__ import annotations

import bisect
import functools
import json
import operator
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence, TypeVar, cast

from ledger.domain.entities import Correction, CreditBlock, Entity

E = TypeVar("E", bound=Entity)


@dataclass(frozen=True)
class EntryView:
    """An earlier entry as corrections see it: its type, signer and the payload now in force."""

    index: int
    entry_type: str
    signer: str
    payload: Mapping[str, Any]


class LedgerState(Protocol):
    """The projections as they stand before the entry being checked."""

    def get(self, kind: type[E], key: Any) -> E | None: ...

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        """Every entity of ``kind`` whose fields equal the given values (fields in ``kind.INDEXED``)."""
        ...

    def credit_block_at_or_before(self, serial: int) -> CreditBlock | None:
        """The block with the greatest start not above ``serial`` (blocks never overlap)."""
        ...

    def entry(self, index: int) -> EntryView | None: ...


class MemoryState:
    """The whole state in dictionaries: for replays (rebuild checks, offline verification, tests)."""

    def __init__(self, remember: Callable[[int], bool] | None = None) -> None:
        """:param remember: which entries' views to keep for later corrections (all by default); a
            verifier that knows which indices the log corrects keeps only those, so memory stays flat."""
        self._remember = remember
        self._entities: dict[type[Entity], dict[Any, Entity]] = {}
        # (kind, field) -> field value -> keys: what the database's indexes do for ``find``.
        self._indexes: dict[tuple[type[Entity], str], dict[Any, set[Any]]] = {}
        self._block_starts: list[int] = []
        self._entries: dict[int, EntryView] = {}

    def get(self, kind: type[E], key: Any) -> E | None:
        # Subscripted rather than .get(kind): every entry reads several entities, and a kind is missing
        # only until its first entity is put.
        try:
            return self._entities[kind].get(key)  # type: ignore[return-value]
        except KeyError:
            return None

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        """In key order, as the database returns them: reports must come out byte-identical either way."""
        table = self._entities.get(kind, {})
        candidates: Iterable[Entity] = table.values()
        indexed = [name for name in equals if name in kind.INDEXED]
        if indexed:
            keys = self._indexes.get((kind, indexed[0]), {}).get(equals[indexed[0]], set())
            candidates = [table[k] for k in keys]
        found = [e for e in candidates if all(getattr(e, name) == value for name, value in equals.items())]
        return cast(list[E], sorted(found, key=lambda e: e.key))

    def get_many(self, kind: type[E], keys: Iterable[Any]) -> dict[Any, E]:
        table = self._entities.get(kind, {})
        return {k: table[k] for k in keys if k in table}  # type: ignore[misc]

    def find_in(self, kind: type[E], field: str, values: Iterable[Any]) -> list[E]:
        wanted = set(values)
        return sorted(
            (e for e in self._entities.get(kind, {}).values() if getattr(e, field) in wanted), key=lambda e: e.key  # type: ignore[misc]
        )

    def find_fields(self, kind: type[E], names: Sequence[str], **equals: Any) -> list[tuple[Any, ...]]:
        return [tuple(getattr(e, name) for name in names) for e in self.find(kind, **equals)]

    def get_referenced(self, kind: type[E], by: type[Entity], field: str, **equals: Any) -> dict[Any, E]:
        return self.get_many(kind, {getattr(e, field) for e in self.find(by, **equals)})

    def credit_block_at_or_before(self, serial: int) -> CreditBlock | None:
        position = bisect.bisect_right(self._block_starts, serial)
        return None if position == 0 else self.get(CreditBlock, self._block_starts[position - 1])

    def entry(self, index: int) -> EntryView | None:
        return in_force(self._entries.get(index), self.get(Correction, index))

    def record_entry(self, index: int, entry_type: str, signer: str, payload: Mapping[str, Any]) -> None:
        if self._remember is None or self._remember(index):
            self._entries[index] = EntryView(index, entry_type, signer, payload)

    def put(self, entities: Iterable[Entity]) -> None:
        for entity in entities:
            kind = type(entity)
            try:
                table = self._entities[kind]
            except KeyError:
                table = self._entities[kind] = {}
            key = getattr(entity, kind.KEY)
            previous = table.get(key)
            if previous is None:
                if kind is CreditBlock:
                    bisect.insort(self._block_starts, entity.start)  # type: ignore[attr-defined]
                if kind.INDEXED:
                    self._index(kind, key, entity, None)
            elif kind.INDEXED:
                indexed = _indexed_values(kind)
                if indexed(previous) != indexed(entity):  # most updates (every loan movement) leave them as they were
                    self._index(kind, key, entity, previous)
            table[key] = entity

    def _index(self, kind: type[Entity], key: Any, entity: Entity, previous: Entity | None) -> None:
        """Move ``key`` to the index entries of ``entity``'s indexed values (from ``previous``'s, if any)."""
        for name in kind.INDEXED:
            value = getattr(entity, name)
            if previous is not None:
                old = getattr(previous, name)
                if old == value:
                    continue
                self._indexes[(kind, name)][old].discard(key)
            index = self._indexes.get((kind, name))
            if index is None:
                index = self._indexes[(kind, name)] = {}
            keys = index.get(value)
            if keys is None:
                index[value] = {key}
            else:
                keys.add(key)

    def all(self, kind: type[E]) -> list[E]:
        return cast(list[E], sorted(self._entities.get(kind, {}).values(), key=lambda e: e.key))


@functools.cache
def _indexed_values(kind: type[Entity]) -> Callable[[Entity], Any]:
    """A function of an entity of ``kind`` that its indexed fields' values compare by, one C call."""
    return operator.attrgetter(*kind.INDEXED)


def in_force(view: EntryView | None, correction: Correction | None) -> EntryView | None:
    """The entry with the payload of its latest correction, if any."""
    if view is None or correction is None:
        return view
    return EntryView(view.index, view.entry_type, view.signer, json.loads(correction.payload_json))


def payload_json(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class WritableState(LedgerState, Protocol):
    """A state that entries are applied to, in log order."""

    def put(self, entities: Iterable[Entity]) -> None: ...

    def record_entry(self, index: int, entry_type: str, signer: str, payload: Mapping[str, Any]) -> None:
        """Keep the entry (its payload as signed, for correctable types) for corrections to find."""
        ...
