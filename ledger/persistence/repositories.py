"""SQLAlchemy Core repositories for the log and the registry projections."""

from __future__ import annotations

import dataclasses
import functools
import operator
import typing
from collections import defaultdict
from typing import Any, Callable, Container, Iterable, Sequence, TypeVar

import orjson
from psycopg import sql
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    FromClause,
    Select,
    String,
    Text,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import NullType

from ledger import errors
from ledger.domain.entities import CreditBlock, Entity
from ledger.domain.log import LogHead, StoredCheckpoint, StoredEntry
from ledger.persistence.tables import (
    HISTORY_TABLES,
    PROJECTION_TABLES,
    VALID_FROM,
    VALID_TO,
    checkpoints,
    entries,
    in_force_range,
    projection_history,
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
    """Rows of ``_select(kind, …)`` as entities of ``kind``, by key."""
    to_entity, key = _mapper(kind), kind.KEY
    return {getattr(entity, key): entity for entity in map(to_entity, rows)}


def _to_row(entity: Entity) -> dict[str, Any]:
    return {f.name: (list(v) if isinstance(v := getattr(entity, f.name), tuple) else v) for f in dataclasses.fields(entity)}


#: The parameter of an as-of query: the tree size whose versions it reads.
AS_OF = "as_of_tree_size"


@functools.cache
def _as_of(kind: type[Entity]) -> FromClause:
    """``kind``'s rows as the first ``:as_of_tree_size`` entries left them, named as the live table's.

    The current row if the entry that made it is below the size, else the version of the history that
    was in force then (made below the size, replaced at or above it: ``tables.in_force_range``).
    PostgreSQL pushes a query's conditions on the columns into both branches, so each reads through its
    own indexes. Built once per kind, the size a parameter, so that a report's dozens of queries cost no
    more to build than the live ones.
    """
    live, history = PROJECTION_TABLES[kind], HISTORY_TABLES[kind]
    size = bindparam(AS_OF, type_=BigInteger)
    current = _select_fields(kind, live).where(live.c[VALID_FROM] < size)
    # The range finds them through its GiST index; valid_to, implied by it, lets a b-tree on a column
    # and valid_to serve a query on that column instead.
    replaced = _select_fields(kind, history).where(in_force_range(history).op("@>")(size), history.c[VALID_TO] >= size)
    return union_all(current, replaced).subquery(kind.TABLE)


def _select_fields(kind: type[Entity], source: FromClause) -> Select[Any]:
    """The entity's fields (in dataclass order, which ``_mapper`` relies on), not the version's bounds."""
    return select(*(source.c[name] for name in _converters(kind)[0]))


@functools.cache
def _select(kind: type[Entity], as_of: bool) -> Select[Any]:
    """``select`` of ``kind``'s fields from the live table or from ``_as_of(kind)``, built once."""
    return _select_fields(kind, _as_of(kind) if as_of else PROJECTION_TABLES[kind])


@functools.cache
def _history_copy(kind: type[Entity]) -> tuple[sql.Composed, Callable[[Entity], list[Any]]]:
    """``COPY <table>_history (fields…, valid_from, valid_to) FROM STDIN`` and a function giving an
    entity's field values as the copy writes them (arrays as lists)."""
    names, tuples, _ = _converters(kind)
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in (*names, VALID_FROM, VALID_TO))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(HISTORY_TABLES[kind].name), columns)
    fields = operator.attrgetter(*names)

    def values(entity: Entity) -> list[Any]:
        row = list(fields(entity)) if len(names) > 1 else [fields(entity)]
        for i in tuples:
            row[i] = list(row[i])
        return row

    return statement, values


def _versions_by_key(versions: Sequence[tuple[int, Entity]]) -> dict[type[Entity], dict[Any, list[tuple[int, Entity]]]]:
    """Per kind and key, the versions in index order, one per index (an entry's last)."""
    by_kind: dict[type[Entity], dict[Any, list[tuple[int, Entity]]]] = defaultdict(dict)
    for index, entity in versions:
        chain = by_kind[type(entity)].setdefault(getattr(entity, entity.KEY), [])
        if chain and chain[-1][0] == index:
            chain[-1] = (index, entity)
        else:
            assert not chain or chain[-1][0] < index, "versions come in log order"
            chain.append((index, entity))
    return by_kind


class SqlAlchemyProjectionRepository:
    """Every projection kind through one generic mapping (dataclass field = column).

    Reads see the current rows, or, for a repository from ``as_of(n)``, the rows as the log's first
    ``n`` entries left them (read-only).
    """

    def __init__(self, connection: Connection, *, tree_size: int | None = None) -> None:
        self._conn = connection
        self._tree_size = tree_size
        self._as_of = tree_size is not None
        self._params = {AS_OF: tree_size} if tree_size is not None else {}

    def as_of(self, tree_size: int) -> "SqlAlchemyProjectionRepository":
        """The same reads on the versions in force at ``tree_size`` (``history_complete_from() <= tree_size``)."""
        return SqlAlchemyProjectionRepository(self._conn, tree_size=tree_size)

    def history_complete_from(self) -> int:
        """The smallest tree size whose versions the history holds (see ``tables.ProjectionHistoryRow``)."""
        return int(self._conn.execute(select(projection_history.c.complete_from)).scalar_one())

    def _source(self, kind: type[Entity]) -> FromClause:
        return _as_of(kind) if self._as_of else PROJECTION_TABLES[kind]

    def _read(self, query: Any) -> Sequence[Any]:
        return self._conn.execute(query, self._params).all()

    def get_many(self, kind: type[E], keys: Iterable[Any]) -> dict[Any, E]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        table = self._source(kind)
        return _by_key(kind, self._read(_select(kind, self._as_of).where(_any_of(table.c[kind.KEY], wanted))))

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        table = self._source(kind)
        query = _select(kind, self._as_of).order_by(table.c[kind.KEY])
        for name, value in equals.items():
            query = query.where(table.c[name] == value)
        return list(map(_mapper(kind), self._read(query)))

    def find_in(self, kind: type[E], field: str, values: Iterable[Any]) -> list[E]:
        """Entities whose ``field`` is one of ``values``, in key order (one query)."""
        wanted = list(set(values))
        if not wanted:
            return []
        table = self._source(kind)
        query = _select(kind, self._as_of).where(_any_of(table.c[field], wanted)).order_by(table.c[kind.KEY])
        return list(map(_mapper(kind), self._read(query)))

    def find_fields(self, kind: type[E], names: Sequence[str], **equals: Any) -> list[tuple[Any, ...]]:
        """The ``names`` fields of every entity of ``kind`` with the given field values, as tuples, in no
        particular order: only those columns are read and converted, and no entities are built."""
        table = self._source(kind)
        query = select(*(table.c[name] for name in names))
        for name, value in equals.items():
            query = query.where(table.c[name] == value)
        return list(self._read(query))  # rows behave as tuples

    def get_referenced(self, kind: type[E], by: type[Entity], field: str, **equals: Any) -> dict[Any, E]:
        """``get_many(kind, {getattr(e, field) for e in find(by, **equals)})`` in one query, the keys never
        leaving the database."""
        table, referring = self._source(kind), self._source(by)
        keys = select(referring.c[field])
        for name, value in equals.items():
            keys = keys.where(referring.c[name] == value)
        return _by_key(kind, self._read(_select(kind, self._as_of).where(table.c[kind.KEY].in_(keys))))

    def page(self, kind: type[E], *, after: Any, limit: int, **equals: Any) -> list[E]:
        """Entities in key order after the cursor ``after``, filtered by equality on the given fields."""
        table = self._source(kind)
        query = _select(kind, self._as_of).order_by(table.c[kind.KEY]).limit(limit)
        if after is not None:
            query = query.where(table.c[kind.KEY] > after)
        for name, value in equals.items():
            if value is not None:
                query = query.where(table.c[name] == value)
        return list(map(_mapper(kind), self._read(query)))

    def credit_block_at_or_before(self, serial: int) -> CreditBlock | None:
        table = self._source(CreditBlock)
        rows = self._read(_select(CreditBlock, self._as_of).where(table.c.start <= serial).order_by(table.c.start.desc()).limit(1))
        return _mapper(CreditBlock)(rows[0]) if rows else None

    def write(self, versions: Sequence[tuple[int, Entity]], *, absent: Container[tuple[type[Entity], Any]] = ()) -> None:
        """Record what entries did to the projections, kind by kind in table order (parties before their
        keys, whatever order the entries that changed them came in).

        :param versions: (index of the entry, an entity as that entry left it), in log order. Each
            entity's last version becomes its row; the row it replaces and the versions in between go to
            its history, each valid up to the index of the entry that replaced it.
        :param absent: (kind, key) pairs known to have no row yet (read under the append lock), whose
            replaced row need not be looked for: the appends of new parties, loans and so on pay nothing
            for the history.
        """
        assert self._tree_size is None, "an as-of repository is read-only"
        by_kind = _versions_by_key(versions)
        for kind in PROJECTION_TABLES:
            chains = by_kind.get(kind)
            if not chains:
                continue
            table, history = PROJECTION_TABLES[kind], HISTORY_TABLES[kind]
            rows: list[dict[str, Any]] = []
            between: list[list[Any]] = []
            values = _history_copy(kind)[1]
            replaced_keys: list[Any] = []
            replaced_at: list[int] = []
            for key, chain in chains.items():
                if (kind, key) not in absent:
                    replaced_keys.append(key)
                    replaced_at.append(chain[0][0])
                for (index, entity), (next_index, _) in zip(chain, chain[1:]):
                    between.append([*values(entity), index, next_index])
                index, entity = chain[-1]
                rows.append(_to_row(entity) | {VALID_FROM: index})
            if replaced_keys:
                # The rows about to be replaced, copied by the server (the keys and indices are all that
                # travel), before the upsert below overwrites them in this same transaction.
                ended = (
                    func.unnest(cast(replaced_keys, ARRAY(table.c[kind.KEY].type)), cast(replaced_at, ARRAY(BigInteger)))
                    .table_valued("key", VALID_TO)
                    .render_derived(name="ended")
                )
                names = [*_converters(kind)[0], VALID_FROM]
                old = select(*(table.c[name] for name in names), ended.c[VALID_TO]).join_from(table, ended, table.c[kind.KEY] == ended.c.key)
                self._conn.execute(insert(history).from_select([*names, VALID_TO], old))
            if between:
                self._copy_history(kind, between)
            statement = pg_insert(table)
            updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name != kind.KEY}
            self._conn.execute(statement.on_conflict_do_update(index_elements=[kind.KEY], set_=updates), rows)

    def _copy_history(self, kind: type[Entity], rows: list[list[Any]]) -> None:
        """Versions made and replaced within one write, by COPY on this transaction's connection.

        A batch of loan movements makes one or two of them an entry, and an INSERT of many rows costs
        SQLAlchemy a parameter dictionary and psycopg a bind per value: COPY writes each row as one line.
        """
        statement = _history_copy(kind)[0]
        driver = self._conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def put(self, entities: Sequence[Entity]) -> None:
        """Insert or replace entities as rows of no known entry (``valid_from`` -1, like the rows revision
        0010 found), keeping no history of what they replace: for tests that set up rows directly."""
        self.write([(-1, entity) for entity in entities], absent={(type(entity), entity.key) for entity in entities})

    def clear(self) -> None:
        """Empty every projection and its history (before a rebuild), children before parents.

        The replay that follows writes every version from index 0 on, so from then on the history
        answers as-of reports at every tree size: the same transaction says so.
        """
        for kind in reversed(list(PROJECTION_TABLES)):
            self._conn.execute(delete(HISTORY_TABLES[kind]))
            self._conn.execute(delete(PROJECTION_TABLES[kind]))
        self._conn.execute(update(projection_history).values(complete_from=0))
