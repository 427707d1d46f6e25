"""Engine creation, declarative Base with a naming convention, and URL normalisation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def sqlalchemy_url(url: str) -> str:
    """Accept libpq-style URLs and select the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, *, runtime_role: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine; with ``runtime_role`` every connection runs ``SET ROLE`` to it first.

    The runtime role holds only INSERT and SELECT on the log tables, so the web app cannot
    rewrite history even through a bug (DESIGN §7).
    """
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(sqlalchemy_url(url), **kwargs)

    # One round trip and one commit per new connection (a rollback would undo a SET). Timestamps come
    # back in UTC whatever the server's TimeZone setting: psycopg then gives them datetime.timezone.utc,
    # which it loads in about half the time of a zoneinfo zone such as "Etc/UTC" (a lender's report reads
    # thousands); the instants are the same either way.
    settings = "SET TIME ZONE 'UTC'" + (f'; SET ROLE "{runtime_role}"' if runtime_role else "")

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(settings)
        dbapi_connection.commit()

    return engine
