"""Table definitions: the log (entries, tree_nodes, checkpoints) and one projection table per entity kind.

Projection tables are derived from the domain's entity dataclasses (field name = column name), so the
schema and the objects the rules work on cannot drift apart; alembic migrations are generated from
this metadata and reviewed by hand.

Each projection keeps its history by log index, so a report as of an earlier tree size is the live
query with an index bound instead of a replay of the log's prefix: the projection's row carries
``valid_from``, the index of the entry that made this version, and ``<table>_history`` holds every
version an entry replaced, valid from ``valid_from`` up to ``valid_to``, the index of the entry that
replaced it. A version is the one in force at tree size N when ``valid_from < N <= valid_to`` (the
current row: ``valid_from < N``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from ledger.domain.entities import ENTITY_KINDS, Entity, PartyKey
from ledger.persistence.db import Base

#: Tables that only ever grow; triggers and grants forbid UPDATE, DELETE and TRUNCATE.
LOG_TABLES = ("entries", "tree_nodes", "checkpoints")


class EntryRow(Base):
    """One log record, stored as its exact canonical bytes plus indexed copies of envelope fields."""

    __tablename__ = "entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    entry_type: Mapped[str] = mapped_column(Text)
    signer: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str] = mapped_column(Text)
    envelope_digest: Mapped[bytes] = mapped_column(LargeBinary)
    record: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        UniqueConstraint("signer", "nonce", name="uq_entries_signer_nonce"),
        Index("ix_entries_type_idx", "entry_type", "idx"),
        Index("ix_entries_signer_idx", "signer", "idx"),
    )


class TreeNodeRow(Base):
    """Hash of the perfect subtree (level, idx): leaves [idx * 2**level, (idx + 1) * 2**level)."""

    __tablename__ = "tree_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class CheckpointRow(Base):
    __tablename__ = "checkpoints"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))


class ApiTokenRow(Base):
    """A bearer token issued to a party; only the SHA-256 of its secret is kept."""

    __tablename__ = "api_tokens"

    token_id: Mapped[str] = mapped_column(Text, primary_key=True)
    party_id: Mapped[str] = mapped_column(Text)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary)
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True), nullable=True)

    __table_args__ = (Index("ix_api_tokens_party", "party_id"),)


class WebSessionRow(Base):
    """A signed-in browser: the SHA-256 of its cookie's random id and the token verified at sign-in."""

    __tablename__ = "web_sessions"

    session_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    token_id: Mapped[str] = mapped_column(Text)
    party_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    last_used_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True), nullable=True)

    __table_args__ = (Index("ix_web_sessions_token", "token_id"),)


class WitnessCosignatureRow(Base):
    """A witness's cosignature line on the checkpoint of one tree size (C2SP tlog-cosignature v1)."""

    __tablename__ = "witness_cosignatures"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(Text, primary_key=True)
    line: Mapped[str] = mapped_column(Text)
    cosigned_at: Mapped[int] = mapped_column(BigInteger)  # the cosignature's own POSIX timestamp


class WitnessHeadRow(Base):
    """The tree size each witness last said it holds for this log: where the next consistency proof starts."""

    __tablename__ = "witness_heads"

    witness: Mapped[str] = mapped_column(Text, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)


entries = EntryRow.__table__
tree_nodes = TreeNodeRow.__table__
checkpoints = CheckpointRow.__table__
api_tokens = ApiTokenRow.__table__
web_sessions = WebSessionRow.__table__

#: Foreign keys between projections (kept few: projections are rebuilt wholesale from the log).
FOREIGN_KEYS = {(PartyKey, "party_id"): "parties.party_id"}


def _sql_type(hint: object, places: int | None) -> tuple[TypeEngine[object], bool]:
    """Column type and nullability for a dataclass field's type hint."""
    nullable = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable, hint = True, args[0]
    if hint is str:
        return Text(), nullable
    if hint is bool:
        return Boolean(), nullable
    if hint is int:
        return BigInteger(), nullable
    if hint is bytes:
        return LargeBinary(), nullable
    if hint is datetime:
        return TIMESTAMP(timezone=True), nullable
    if hint is Decimal:
        assert places is not None, "Decimal fields declare their places in field metadata"
        return Numeric(24, places), nullable
    if typing.get_origin(hint) is tuple:
        return ARRAY(BigInteger() if typing.get_args(hint)[0] is int else Text()), nullable
    raise TypeError(f"no column type for {hint!r}")


#: The index a version of a row was made at; rows written before revision 0010 (which kept no history)
#: say -1: in force since some entry below ``projection_history.complete_from``.
VALID_FROM = "valid_from"
#: The index of the entry that replaced a version in ``<table>_history``.
VALID_TO = "valid_to"


def _field_columns(kind: type[Entity], *, history: bool) -> list[Column[object]]:
    hints = typing.get_type_hints(kind)
    columns: list[Column[object]] = []
    for f in dataclasses.fields(kind):
        sql_type, nullable = _sql_type(hints[f.name], f.metadata.get("places"))
        args: list[object] = []
        if (kind, f.name) in FOREIGN_KEYS and not history:
            args.append(ForeignKey(FOREIGN_KEYS[(kind, f.name)]))
        columns.append(
            Column(
                f.name, sql_type, *args, primary_key=f.name == kind.KEY and not history, autoincrement=False, nullable=nullable,
                index=f.name in kind.INDEXED and not history,
            )
        )
    return columns


def projection_table(kind: type[Entity]) -> Table:
    columns = _field_columns(kind, history=False)
    columns.append(Column(VALID_FROM, BigInteger, nullable=False, autoincrement=False))
    return Table(kind.TABLE, Base.metadata, *columns)


def in_force_range(table: Table) -> ColumnElement[object]:
    """``(valid_from, valid_to]`` of a history row: the tree sizes at which it is the version in force."""
    return func.int8range(table.c[VALID_FROM], table.c[VALID_TO], literal_column("'(]'"))


def history_table(kind: type[Entity]) -> Table:
    """The replaced versions of ``kind``'s rows (insert-only but for a rebuild, which empties it).

    A GiST index on each version's range of tree sizes finds the versions in force at N, at most one a
    key, whatever N: a b-tree on either bound would read every version made before N, or every one
    replaced after it. A report on one subject filters on an indexed column, where a b-tree on the column
    and ``valid_to`` reads only the subject's versions replaced after N.
    """
    columns = _field_columns(kind, history=True)
    columns.append(Column(VALID_FROM, BigInteger, nullable=False, autoincrement=False))
    columns.append(Column(VALID_TO, BigInteger, nullable=False, autoincrement=False))
    name = f"{kind.TABLE}_history"
    indexes = [Index(f"ix_{name}_{field}_{VALID_TO}", field, VALID_TO) for field in kind.INDEXED]
    # One version per key ends at any one index: the key and valid_to name a version.
    table = Table(name, Base.metadata, *columns, PrimaryKeyConstraint(kind.KEY, VALID_TO), *indexes)
    Index(f"ix_{name}_in_force", in_force_range(table), postgresql_using="gist")
    return table


PROJECTION_TABLES: dict[type[Entity], Table] = {kind: projection_table(kind) for kind in ENTITY_KINDS}
HISTORY_TABLES: dict[type[Entity], Table] = {kind: history_table(kind) for kind in ENTITY_KINDS}


class ProjectionHistoryRow(Base):
    """From which tree size on the history answers as-of reports (one row).

    0 once the projections were built with their history (a fresh log, or ``greenledger rebuild``);
    the log's size at the upgrade for a database that revision 0010 found with projections and no
    history. Below it, a report replays the log's prefix as before.
    """

    __tablename__ = "projection_history"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    complete_from: Mapped[int] = mapped_column(BigInteger)


projection_history = ProjectionHistoryRow.__table__

witness_cosignatures = WitnessCosignatureRow.__table__
witness_heads = WitnessHeadRow.__table__
