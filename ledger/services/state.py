"""The projections as the database holds them, plus what the entries of this transaction changed."""

from __future__ import annotations

from typing import Any, Iterable, TypeVar

from ledger.domain.catalog import CORRECTABLE
from ledger.domain.entities import Correction, CreditBlock, Entity
from ledger.domain.state import EntryView, in_force
from ledger.services.ports import LogRepository, ProjectionRepository

E = TypeVar("E", bound=Entity)
_MISSING = object()


class StagedState:
    """A ``LedgerState`` over the database that sees the effects of entries staged before the current one.

    Nothing is written until ``flush``: a refused entry leaves no trace, and each entity is written once,
    in its latest version, however many entries of the batch changed it.
    """

    def __init__(self, projections: ProjectionRepository, log: LogRepository) -> None:
        self._projections = projections
        self._log = log
        self._read: dict[tuple[type[Entity], Any], Entity | None] = {}
        self._staged: dict[tuple[type[Entity], Any], Entity] = {}
        self._entries: dict[int, EntryView] = {}

    def prefetch(self, kind: type[E], keys: Iterable[Any]) -> None:
        wanted = [k for k in set(keys) if (kind, k) not in self._read]
        found = self._projections.get_many(kind, wanted)
        self._read.update({(kind, k): found.get(k) for k in wanted})

    def get(self, kind: type[E], key: Any) -> E | None:
        staged = self._staged.get((kind, key), _MISSING)
        if staged is not _MISSING:
            return staged  # type: ignore[return-value]
        if (kind, key) not in self._read:
            self.prefetch(kind, [key])
        return self._read[(kind, key)]  # type: ignore[return-value]

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        found: dict[Any, E] = {e.key: e for e in self._projections.find(kind, **equals)}
        for (staged_kind, key), entity in self._staged.items():
            if staged_kind is not kind:
                continue
            if all(getattr(entity, name) == value for name, value in equals.items()):
                found[key] = entity  # type: ignore[assignment]
            else:
                found.pop(key, None)  # a staged change moved it out of the filter
        return [found[k] for k in sorted(found)]

    def credit_block_at_or_before(self, serial: int) -> CreditBlock | None:
        candidates = []
        stored = self._projections.credit_block_at_or_before(serial)
        if stored is not None:
            candidates.append(self.get(CreditBlock, stored.start))
        candidates += [e for (k, _), e in self._staged.items() if k is CreditBlock and e.start <= serial]  # type: ignore[attr-defined]
        blocks = [b for b in candidates if isinstance(b, CreditBlock)]
        return max(blocks, key=lambda b: b.start, default=None)

    def entry(self, index: int) -> EntryView | None:
        view = self._entries.get(index)
        if view is None:
            stored = self._log.get(index)
            view = stored.view() if stored is not None else None
        if view is None or view.entry_type not in CORRECTABLE:
            return view
        return in_force(view, self.get(Correction, index))

    def record_entry(self, view: EntryView) -> None:
        """Make an entry of this transaction visible to later corrections in it."""
        self._entries[view.index] = view

    def put(self, entities: Iterable[Entity]) -> None:
        for entity in entities:
            self._staged[(type(entity), entity.key)] = entity

    def flush(self) -> None:
        self._projections.put(list(self._staged.values()))
        self._read.update(self._staged)
        self._staged.clear()
