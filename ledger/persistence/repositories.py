"""SQLAlchemy Core repositories for the log and the registry projections."""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections import defaultdict
from typing import Any, Callable, Iterable, Sequence, TypeVar

import orjson
from sqlalchemy import ARRAY, Connection, String, Text, any_, bindparam, cast, delete, func, insert, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import NullType

from ledger import errors
from ledger.domain.entities import CreditBlock, Entity
from ledger.domain.log import LogHead, StoredCheckpoint, StoredEntry
from ledger.persistence.tables import (
    PROJECTION_TABLES,
    checkpoints,
    entries,
    tree_nodes,
)

#: pg_advisory_xact_lock key that serializes appends to the one log ("grln").
APPEND_LOCK_KEY = 0x67726C6E


def _entry(row: Any) -> StoredEntry:
    return StoredEntry(
        index=row.idx,
        recorded_at=row.recorded_at,
        entry_type=row.entry_type,
        signer=row.signer,
        key_id=row.key_id,
        nonce=row.nonce,
        envelope_digest=bytes(row.envelope_digest),
        record=bytes(row.record),
        leaf_hash=bytes(row.leaf_hash),
    )


def _checkpoint(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(tree_size=row.tree_size, root_hash=bytes(row.root_hash), note=row.note, created_at=row.created_at)


class SqlAlchemyLogRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def lock_head(self) -> LogHead:
        self._conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})
        row = self._conn.execute(select(entries.c.idx, entries.c.recorded_at).order_by(entries.c.idx.desc()).limit(1)).first()
        if row is None:
            return LogHead(size=0, last_recorded_at=None)
        return LogHead(size=row.idx + 1, last_recorded_at=row.recorded_at)

    def size(self) -> int:
        last = self._conn.execute(select(func.max(entries.c.idx))).scalar_one()
        return 0 if last is None else int(last) + 1

    def get(self, index: int) -> StoredEntry | None:
        row = self._conn.execute(select(entries).where(entries.c.idx == index)).first()
        return None if row is None else _entry(row)

    def list(
        self, *, after: int | None, before: int | None, limit: int, entry_type: str | None, signer: str | None
    ) -> list[StoredEntry]:
        query = select(entries).order_by(entries.c.idx).limit(limit)
        if after is not None:
            query = query.where(entries.c.idx > after)
        if before is not None:
            query = query.where(entries.c.idx < before)
        if entry_type is not None:
            query = query.where(entries.c.entry_type == entry_type)
        if signer is not None:
            query = query.where(entries.c.signer == signer)
        return [_entry(row) for row in self._conn.execute(query)]

    def find_by_nonce(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StoredEntry]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        # A join on the unnested pairs, not (signer, nonce) IN (...): PostgreSQL plans an IN list of pairs
        # as one index scan per pair, and planning 500 of them took 60 ms, 1,000 nearly 200 ms (the join
        # plans in under a millisecond), which was most of a large batch's time under the append lock.
        pairs = (
            func.unnest(cast([signer for signer, _ in wanted], ARRAY(Text)), cast([nonce for _, nonce in wanted], ARRAY(Text)))
            .table_valued("signer", "nonce")
            .render_derived(name="wanted")
        )
        rows = self._conn.execute(select(entries).join(pairs, (entries.c.signer == pairs.c.signer) & (entries.c.nonce == pairs.c.nonce)))
        return {(row.signer, row.nonce): _entry(row) for row in rows}

    def add(self, new_entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]], checkpoint: StoredCheckpoint) -> None:
        try:
            self._conn.execute(
                insert(entries),
                [
                    {
                        "idx": e.index,
                        "recorded_at": e.recorded_at,
                        "entry_type": e.entry_type,
                        "signer": e.signer,
                        "key_id": e.key_id,
                        "nonce": e.nonce,
                        "envelope_digest": e.envelope_digest,
                        "record": e.record,
                        "leaf_hash": e.leaf_hash,
                    }
                    for e in new_entries
                ],
            )
        except IntegrityError as exc:
            # Only reachable if the append lock were bypassed; the nonce check runs under the lock.
            if "uq_entries_signer_nonce" in str(exc.orig):
                raise errors.IdempotencyConflict("nonce already used by this signer", field="envelope.nonce") from exc
            raise
        self._conn.execute(insert(tree_nodes), [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes])
        self._conn.execute(
            insert(checkpoints),
            {
                "tree_size": checkpoint.tree_size,
                "root_hash": checkpoint.root_hash,
                "note": checkpoint.note,
                "created_at": checkpoint.created_at,
            },
        )

    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        rows = self._conn.execute(
            select(tree_nodes.c.level, tree_nodes.c.idx, tree_nodes.c.hash).where(
                tuple_(tree_nodes.c.level, tree_nodes.c.idx).in_(wanted)
            )
        )
        return {(row.level, row.idx): bytes(row.hash) for row in rows}

    def node_range(self, level: int, start: int, end: int) -> list[bytes]:
        """The stored hashes at ``level`` of indices [start, end), in order: a tile is one range scan of
        the primary key, where an IN list of its 256 pairs would be 256 index probes to plan."""
        rows = self._conn.execute(
            select(tree_nodes.c.hash)
            .where(tree_nodes.c.level == level, tree_nodes.c.idx >= start, tree_nodes.c.idx < end)
            .order_by(tree_nodes.c.idx)
        )
        return [bytes(row.hash) for row in rows]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        row = self._conn.execute(select(checkpoints).order_by(checkpoints.c.tree_size.desc()).limit(1)).first()
        return None if row is None else _checkpoint(row)

    def checkpoints(self, *, before: int | None, limit: int) -> list[StoredCheckpoint]:
        """Stored checkpoints, largest tree first, below the tree size ``before`` when given."""
        query = select(checkpoints).order_by(checkpoints.c.tree_size.desc()).limit(limit)
        if before is not None:
            query = query.where(checkpoints.c.tree_size < before)
        return [_checkpoint(row) for row in self._conn.execute(query)]


E = TypeVar("E", bound=Entity)


@functools.cache
def _converters(kind: type[Entity]) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    """Field names, and positions of the fields that need converting (arrays to tuples, memoryviews to bytes)."""
    assert not hasattr(kind, "__post_init__"), "_mapper bypasses __init__, which would skip __post_init__"
    hints = typing.get_type_hints(kind)
    names = tuple(f.name for f in dataclasses.fields(kind))
    tuples = tuple(i for i, n in enumerate(names) if typing.get_origin(hints[n]) is tuple)
    binaries = tuple(i for i, n in enumerate(names) if hints[n] is bytes)
    return names, tuples, binaries


@functools.cache
def _mapper(kind: type[E]) -> Callable[[Any], E]:
    """A function turning a row of ``select(table)`` into an entity of ``kind``.

    select(table) yields the columns in dataclass field order (the table is derived from the dataclass).
    Entities are filled in directly: a frozen dataclass's __init__ sets each field through
    object.__setattr__, which costs more than the rest of the mapping when a report reads thousands of
    rows. The values are the columns of a row the dataclass defined, so there is nothing for __init__ to
    check.
    """
    names, tuples, binaries = _converters(kind)
    new = object.__new__

    if not tuples and not binaries:

        def plain(row: Any) -> E:
            entity: E = new(kind)
            entity.__dict__.update(zip(names, row))
            return entity

        return plain

    def converted(row: Any) -> E:
        values = list(row)
        for i in tuples:
            values[i] = tuple(values[i])
        for i in binaries:
            values[i] = bytes(values[i])
        entity: E = new(kind)
        entity.__dict__.update(zip(names, values))
        return entity

    return converted



def _any_of(column: Any, values: list[Any]) -> Any:
    """``column = ANY(:values)``: one array parameter, where IN (…) has one per value to render and parse.

    Strings go as one array literal that orjson writes: psycopg quotes each element of a text array
    through a regular expression, which for the 1,500 project ids of a lender's report took longer
    than reading the rows. A JSON array of strings with no backslash in it (nothing escaped: no quote,
    backslash or control character in any element) is, between its brackets, exactly PostgreSQL's
    array literal of the same strings, every element double-quoted.
    """
    if isinstance(column.type, String) and all(type(v) is str for v in values):
        try:
            encoded = orjson.dumps(values)
        except orjson.JSONEncodeError:  # a lone surrogate, which no stored key holds: the driver says so
            encoded = b"\\"
        if b"\\" not in encoded:
            # Untyped, so the server takes the parameter itself for a text[] and plans with its value
            # (a typed text parameter cast to text[] would be converted per execution, and a long
            # list would then be searched row by row instead of through a hash).
            literal = bindparam(None, "{" + encoded[1:-1].decode() + "}", type_=NullType())
            return column == any_(cast(literal, ARRAY(Text)))
    return column == any_(bindparam(None, values, type_=ARRAY(column.type)))


def _by_key(kind: type[E], rows: Sequence[Any]) -> dict[Any, E]:
    """Rows of ``select(table)`` as entities of ``kind``, by key."""
    to_entity, key = _mapper(kind), kind.KEY
    return {getattr(entity, key): entity for entity in map(to_entity, rows)}


def _to_row(entity: Entity) -> dict[str, Any]:
    return {f.name: (list(v) if isinstance(v := getattr(entity, f.name), tuple) else v) for f in dataclasses.fields(entity)}


class SqlAlchemyProjectionRepository:
    """Every projection kind through one generic mapping (dataclass field = column)."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def get_many(self, kind: type[E], keys: Iterable[Any]) -> dict[Any, E]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        table = PROJECTION_TABLES[kind]
        return _by_key(kind, self._conn.execute(select(table).where(_any_of(table.c[kind.KEY], wanted))).all())

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        table = PROJECTION_TABLES[kind]
        query = select(table).order_by(table.c[kind.KEY])
        for name, value in equals.items():
            query = query.where(table.c[name] == value)
        return list(map(_mapper(kind), self._conn.execute(query).all()))

    def find_in(self, kind: type[E], field: str, values: Iterable[Any]) -> list[E]:
        """Entities whose ``field`` is one of ``values``, in key order (one query)."""
        wanted = list(set(values))
        if not wanted:
            return []
        table = PROJECTION_TABLES[kind]
        query = select(table).where(_any_of(table.c[field], wanted)).order_by(table.c[kind.KEY])
        return list(map(_mapper(kind), self._conn.execute(query).all()))

    def find_fields(self, kind: type[E], names: Sequence[str], **equals: Any) -> list[tuple[Any, ...]]:
        """The ``names`` fields of every entity of ``kind`` with the given field values, as tuples, in no
        particular order: only those columns are read and converted, and no entities are built."""
        table = PROJECTION_TABLES[kind]
        query = select(*(table.c[name] for name in names))
        for name, value in equals.items():
            query = query.where(table.c[name] == value)
        return list(self._conn.execute(query).all())  # rows behave as tuples

    def get_referenced(self, kind: type[E], by: type[Entity], field: str, **equals: Any) -> dict[Any, E]:
        """``get_many(kind, {getattr(e, field) for e in find(by, **equals)})`` in one query, the keys never
        leaving the database."""
        table, referring = PROJECTION_TABLES[kind], PROJECTION_TABLES[by]
        keys = select(referring.c[field])
        for name, value in equals.items():
            keys = keys.where(referring.c[name] == value)
        return _by_key(kind, self._conn.execute(select(table).where(table.c[kind.KEY].in_(keys))).all())

    def page(self, kind: type[E], *, after: Any, limit: int, **equals: Any) -> list[E]:
        """Entities in key order after the cursor ``after``, filtered by equality on the given fields."""
        table = PROJECTION_TABLES[kind]
        query = select(table).order_by(table.c[kind.KEY]).limit(limit)
        if after is not None:
            query = query.where(table.c[kind.KEY] > after)
        for name, value in equals.items():
            if value is not None:
                query = query.where(table.c[name] == value)
        return list(map(_mapper(kind), self._conn.execute(query).all()))

    def credit_block_at_or_before(self, serial: int) -> CreditBlock | None:
        table = PROJECTION_TABLES[CreditBlock]
        row = self._conn.execute(select(table).where(table.c.start <= serial).order_by(table.c.start.desc()).limit(1)).first()
        return None if row is None else _mapper(CreditBlock)(row)

    def put(self, entities: Sequence[Entity]) -> None:
        """Insert or replace entities, kind by kind in table order (parties before their keys, whatever
        order the entries that changed them came in)."""
        by_kind: dict[type[Entity], list[dict[str, Any]]] = defaultdict(list)
        for entity in entities:
            by_kind[type(entity)].append(_to_row(entity))
        for kind in PROJECTION_TABLES:
            rows = by_kind.get(kind)
            if not rows:
                continue
            table = PROJECTION_TABLES[kind]
            statement = pg_insert(table)
            updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name != kind.KEY}
            self._conn.execute(statement.on_conflict_do_update(index_elements=[kind.KEY], set_=updates), rows)

    def clear(self) -> None:
        """Empty every projection (before a rebuild), children before parents."""
        for table in reversed(list(PROJECTION_TABLES.values())):
            self._conn.execute(delete(table))
