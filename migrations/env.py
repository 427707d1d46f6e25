"""Alembic environment: runs migrations as the database owner, one migrator at a time."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import text

from ledger.persistence.db import Base, make_engine
from ledger.persistence import tables  # noqa: F401  (registers the tables on Base.metadata)

#: pg_advisory_lock key held while migrating, so two starting servers never migrate at once ("grlm").
MIGRATION_LOCK_KEY = 0x67726C6D


def _url() -> str:
    url = context.config.attributes.get("url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: run through `greenledger db upgrade` or set DATABASE_URL")
    return str(url)


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
        try:
            context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
