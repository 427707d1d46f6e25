"""The API token store (SQLAlchemy Core)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ledger.persistence.tables import api_tokens
from ledger.services.tokens import StoredToken


def _token(row: Any) -> StoredToken:
    return StoredToken(**row._mapping)


class SqlAlchemyTokenRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, token: StoredToken) -> None:
        self._conn.execute(insert(api_tokens).values(**token.__dict__))

    def get(self, token_id: str) -> StoredToken | None:
        row = self._conn.execute(select(api_tokens).where(api_tokens.c.token_id == token_id)).first()
        return None if row is None else _token(row)

    def list(self, party_id: str | None = None) -> list[StoredToken]:
        query = select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.token_id)
        if party_id is not None:
            query = query.where(api_tokens.c.party_id == party_id)
        return [_token(row) for row in self._conn.execute(query)]

    def revoke(self, token_id: str, at: datetime) -> bool:
        """Mark a live token revoked; False when there is no such token or it was revoked before."""
        result = self._conn.execute(
            update(api_tokens).where(api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None)).values(revoked_at=at)
        )
        return bool(result.rowcount)
