"""Table definitions: the log (entries, tree_nodes, checkpoints) and one projection table per entity kind.

Projection tables are derived from the domain's entity dataclasses (field name = column name), so the
schema and the objects the rules work on cannot drift apart; alembic migrations are generated from
this metadata and reviewed by hand.
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
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column
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


def projection_table(kind: type[Entity]) -> Table:
    hints = typing.get_type_hints(kind)
    columns = []
    for f in dataclasses.fields(kind):
        sql_type, nullable = _sql_type(hints[f.name], f.metadata.get("places"))
        args: list[object] = []
        if (kind, f.name) in FOREIGN_KEYS:
            args.append(ForeignKey(FOREIGN_KEYS[(kind, f.name)]))
        columns.append(
            Column(f.name, sql_type, *args, primary_key=f.name == kind.KEY, autoincrement=False, nullable=nullable, index=f.name in kind.INDEXED)
        )
    return Table(kind.TABLE, Base.metadata, *columns)


PROJECTION_TABLES: dict[type[Entity], Table] = {kind: projection_table(kind) for kind in ENTITY_KINDS}
witness_cosignatures = WitnessCosignatureRow.__table__
witness_heads = WitnessHeadRow.__table__
