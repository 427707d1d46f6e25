"""What the log's witnesses said (SQLAlchemy Core): their cosignatures, and the size each holds."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from ledger.persistence.tables import witness_cosignatures, witness_heads


class SqlAlchemyWitnessRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def heads(self) -> dict[str, int]:
        return {row.witness: int(row.tree_size) for row in self._conn.execute(select(witness_heads))}

    def set_head(self, witness: str, tree_size: int) -> None:
        statement = insert(witness_heads).values(witness=witness, tree_size=tree_size)
        self._conn.execute(statement.on_conflict_do_update(index_elements=["witness"], set_={"tree_size": tree_size}))

    def add_cosignature(self, tree_size: int, witness: str, line: str, cosigned_at: int) -> None:
        statement = insert(witness_cosignatures).values(tree_size=tree_size, witness=witness, line=line, cosigned_at=cosigned_at)
        self._conn.execute(statement.on_conflict_do_nothing())

    def cosignatures(self, tree_size: int) -> list[str]:
        rows = self._conn.execute(
            select(witness_cosignatures.c.line).where(witness_cosignatures.c.tree_size == tree_size).order_by(witness_cosignatures.c.witness)
        )
        return [row.line for row in rows]
