"""Table definitions: the log (entries, tree_nodes, checkpoints) and the registry projections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from ledger.persistence.db import Base

#: Tables that only ever grow; triggers and grants forbid UPDATE, DELETE and TRUNCATE.
LOG_TABLES = ("entries", "tree_nodes", "checkpoints")
#: Tables derived from the log; the runtime role may rewrite them (rebuild).
PROJECTION_TABLES = ("parties", "party_keys")


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


class PartyRow(Base):
    __tablename__ = "parties"

    party_id: Mapped[str] = mapped_column(Text, primary_key=True)
    legal_name: Mapped[str] = mapped_column(Text)
    unified_social_credit_code: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text))
    registered_index: Mapped[int] = mapped_column(BigInteger)


class PartyKeyRow(Base):
    __tablename__ = "party_keys"

    key_id: Mapped[str] = mapped_column(Text, primary_key=True)
    party_id: Mapped[str] = mapped_column(Text, ForeignKey("parties.party_id"), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    added_index: Mapped[int] = mapped_column(BigInteger)
    revoked_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


entries = EntryRow.__table__
tree_nodes = TreeNodeRow.__table__
checkpoints = CheckpointRow.__table__
parties = PartyRow.__table__
party_keys = PartyKeyRow.__table__
