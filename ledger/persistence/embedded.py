"""The embedded PostgreSQL server (pgserver wheel) used when no DATABASE_URL is set."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "greenledger"


def start_embedded(pgdata: Path, database: str = DATABASE_NAME) -> str:
    """Start (or join) a private PostgreSQL with its files in ``pgdata`` and return its URL.

    The server keeps running while any process that called this is alive, and listens only on a
    Unix socket inside (or beside) ``pgdata``.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, which is normal on servers and in CI.
        warnings.simplefilter("ignore")
        import pgserver

        pgdata.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql+psycopg://postgres@/{database}?host={quote(str(socket_dir))}"
