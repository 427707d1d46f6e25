"""One database transaction per request or command, exposing the repositories."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from ledger.persistence.repositories import (
    SqlAlchemyLogRepository,
    SqlAlchemyProjectionRepository,
)
from ledger.persistence.sessions import SqlAlchemySessionRepository
from ledger.persistence.tokens import SqlAlchemyTokenRepository
from ledger.persistence.witnesses import SqlAlchemyWitnessRepository


class SqlAlchemyUnitOfWork:
    """``with uow:`` opens a transaction; ``commit()`` is explicit and leaving the block rolls back."""

    log: SqlAlchemyLogRepository
    projections: SqlAlchemyProjectionRepository
    tokens: SqlAlchemyTokenRepository
    sessions: SqlAlchemySessionRepository
    witnesses: SqlAlchemyWitnessRepository

    def __init__(self, engine: Engine, *, snapshot: bool = False) -> None:
        self._engine = engine
        self._snapshot = snapshot
        self._connection: Connection | None = None

    def __enter__(self) -> "SqlAlchemyUnitOfWork":
        # SQLAlchemy 2 connections begin a transaction implicitly on first use.
        self._connection = self._engine.connect()
        if self._snapshot:
            # Every read of the unit sees one snapshot: a checkpoint and the projections it covers.
            self._connection = self._connection.execution_options(isolation_level="REPEATABLE READ")
        self.log = SqlAlchemyLogRepository(self._connection)
        self.projections = SqlAlchemyProjectionRepository(self._connection)
        self.tokens = SqlAlchemyTokenRepository(self._connection)
        self.sessions = SqlAlchemySessionRepository(self._connection)
        self.witnesses = SqlAlchemyWitnessRepository(self._connection)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._connection is not None
        try:
            self._connection.rollback()
        finally:
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        assert self._connection is not None
        self._connection.commit()

    def rollback(self) -> None:
        assert self._connection is not None
        self._connection.rollback()


class SqlAlchemyUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine)

    def snapshot(self) -> SqlAlchemyUnitOfWork:
        """A read-only unit whose every query sees the same committed state."""
        return SqlAlchemyUnitOfWork(self.engine, snapshot=True)
