"""The projections as the database holds them, plus what the entries of this transaction changed."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Protocol, TypeVar

from ledger.domain.catalog import CORRECTABLE
from ledger.domain.entities import Correction, CreditBlock, Entity
from ledger.domain.state import EntryView, in_force
from ledger.services.ports import LogRepository, ProjectionRepository

E = TypeVar("E", bound=Entity)
_MISSING = object()


class _Reader(Protocol):
    def get(self, kind: type[E], key: Any) -> E | None: ...

    def find(self, kind: type[E], **equals: Any) -> list[E]: ...

    def credit_block_at_or_before(self, serial: int) -> CreditBlock | None: ...

    def entry(self, index: int) -> EntryView | None: ...


class DatabaseReader:
    """Reads projections and earlier entries from the database, caching what it has read."""

    def __init__(self, projections: ProjectionRepository, log: LogRepository) -> None:
        self._projections = projections
        self._log = log
        self._cache: dict[tuple[type[Entity], Any], Entity | None] = {}

    def prefetch(self, kind: type[E], keys: Iterable[Any]) -> None:
        wanted = [k for k in set(keys) if (kind, k) not in self._cache]
        if wanted:
            found = self._projections.get_many(kind, wanted)
            self._cache.update({(kind, k): found.get(k) for k in wanted})

    def get(self, kind: type[E], key: Any) -> E | None:
        if (kind, key) not in self._cache:
            self.prefetch(kind, [key])
        return self._cache[(kind, key)]  # type: ignore[return-value]

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        return self._projections.find(kind, **equals)

    def credit_block_at_or_before(self, serial: int) -> CreditBlock | None:
        return self._projections.credit_block_at_or_before(serial)

    def entry(self, index: int) -> EntryView | None:
        stored = self._log.get(index)
        return None if stored is None else stored.view()

    def written(self, entities: Iterable[Entity]) -> None:
        """Entities now in the database (after a flush) are what later reads should see."""
        self._cache.update({(type(e), e.key): e for e in entities})

    def absent(self) -> set[tuple[type[Entity], Any]]:
        """The (kind, key) pairs read and found to have no row."""
        return {kind_key for kind_key, found in self._cache.items() if found is None}


class StagedState:
    """A ``LedgerState`` that sees the entities staged by earlier entries over what ``below`` holds.

    Nothing is written until ``flush``: a refused entry leaves no trace. ``fork`` stages one group of
    entries on top, to be kept (``merge``) or dropped whole, so one refused submission does not undo the
    others sequenced into the same transaction.

    Besides each entity's latest version it keeps every version with the index of the entry that made
    it, for the projections' history (as-of reports read it). Applying an entry puts what it changed,
    then records the entry (``ledger.domain.replay``), so the entities put since the last recorded
    entry are the versions of the one being recorded.
    """

    def __init__(self, below: _Reader) -> None:
        self._below = below
        self._staged: dict[tuple[type[Entity], Any], Entity] = {}
        self._entries: dict[int, EntryView] = {}
        self._unrecorded: list[Entity] = []
        self._versions: list[tuple[int, Entity]] = []

    @classmethod
    def over_database(cls, projections: ProjectionRepository, log: LogRepository) -> "StagedState":
        return cls(DatabaseReader(projections, log))

    def prefetch(self, kind: type[E], keys: Iterable[Any]) -> None:
        """Read many entities of ``kind`` in one query (a no-op for a fork: its root did it)."""
        if isinstance(self._below, DatabaseReader):
            self._below.prefetch(kind, keys)

    def get(self, kind: type[E], key: Any) -> E | None:
        staged = self._staged.get((kind, key), _MISSING)
        if staged is not _MISSING:
            return staged  # type: ignore[return-value]
        return self._below.get(kind, key)

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        found: dict[Any, E] = {e.key: e for e in self._below.find(kind, **equals)}
        for (staged_kind, key), entity in self._staged.items():
            if staged_kind is not kind:
                continue
            if all(getattr(entity, name) == value for name, value in equals.items()):
                found[key] = entity  # type: ignore[assignment]
            else:
                found.pop(key, None)  # a staged change moved it out of the filter
        return [found[k] for k in sorted(found)]

    def credit_block_at_or_before(self, serial: int) -> CreditBlock | None:
        candidates: list[Entity | None] = []
        below = self._below.credit_block_at_or_before(serial)
        if below is not None:
            candidates.append(self.get(CreditBlock, below.start))
        candidates += [e for (kind, _), e in self._staged.items() if kind is CreditBlock and e.key <= serial]
        blocks = [b for b in candidates if isinstance(b, CreditBlock)]
        return max(blocks, key=lambda b: b.start, default=None)

    def entry(self, index: int) -> EntryView | None:
        view = self._entries.get(index) or self._below.entry(index)
        if view is None or view.entry_type not in CORRECTABLE:
            return view
        return in_force(view, self.get(Correction, index))

    def record_entry(self, index: int, entry_type: str, signer: str, payload: Mapping[str, Any]) -> None:
        """Make an entry of this transaction visible to later corrections in it, and date the versions
        it put."""
        self._entries[index] = EntryView(index, entry_type, signer, payload)
        self._versions.extend((index, entity) for entity in self._unrecorded)
        self._unrecorded.clear()

    def put(self, entities: Iterable[Entity]) -> None:
        for entity in entities:
            self._staged[(type(entity), entity.key)] = entity
            self._unrecorded.append(entity)

    def fork(self) -> "StagedState":
        return StagedState(self)

    def merge(self) -> None:
        """Keep a fork's changes: stage them, and their versions, on the state it was forked from."""
        parent = self._below
        assert isinstance(parent, StagedState), "only a fork merges"
        assert not self._unrecorded, "every version put belongs to a recorded entry"
        parent._staged.update(self._staged)
        parent._versions.extend(self._versions)
        parent._entries.update(self._entries)

    def flush(self, projections: ProjectionRepository) -> None:
        """Write every staged entity once, in its latest version, and the versions it replaced to the history."""
        assert not self._unrecorded, "every version put belongs to a recorded entry"
        below = self._below
        projections.write(self._versions, absent=below.absent() if isinstance(below, DatabaseReader) else ())
        if isinstance(below, DatabaseReader):
            below.written(self._staged.values())
        self._staged.clear()
        self._versions.clear()
