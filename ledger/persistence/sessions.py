"""The web session store (SQLAlchemy Core)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from ledger.persistence.tables import web_sessions
from ledger.services.sessions import StoredSession


class SqlAlchemySessionRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, stored: StoredSession) -> None:
        self._conn.execute(insert(web_sessions).values(**stored.__dict__))

    def get(self, session_hash: bytes) -> StoredSession | None:
        row = self._conn.execute(select(web_sessions).where(web_sessions.c.session_hash == session_hash)).first()
        return None if row is None else StoredSession(**row._mapping)

    def touch(self, session_hash: bytes, at: datetime) -> None:
        self._conn.execute(update(web_sessions).where(web_sessions.c.session_hash == session_hash).values(last_used_at=at))

    def end(self, session_hash: bytes, at: datetime) -> None:
        self._conn.execute(
            update(web_sessions).where(web_sessions.c.session_hash == session_hash, web_sessions.c.ended_at.is_(None)).values(ended_at=at)
        )

    def end_for_token(self, token_id: str, at: datetime) -> int:
        result = self._conn.execute(
            update(web_sessions).where(web_sessions.c.token_id == token_id, web_sessions.c.ended_at.is_(None)).values(ended_at=at)
        )
        return int(result.rowcount)

    def purge(self, created_before: datetime) -> None:
        self._conn.execute(delete(web_sessions).where(web_sessions.c.created_at < created_before))
