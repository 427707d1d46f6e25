"""The database itself refuses to rewrite the log: grants for the runtime role, triggers for everyone."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import libpq_url

LOG_TABLES = ["entries", "tree_nodes", "checkpoints"]
STATEMENTS = {
    "update": "UPDATE {table} SET {column} = {column}",
    "delete": "DELETE FROM {table}",
    "truncate": "TRUNCATE {table}",
}
COLUMNS = {"entries": "nonce", "tree_nodes": "hash", "checkpoints": "note"}


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(libpq_url(url), autocommit=True)


@pytest.mark.parametrize("table", LOG_TABLES)
@pytest.mark.parametrize("statement", sorted(STATEMENTS))
def test_runtime_role_may_not_change_the_log(database_url, table, statement):
    with _connect(database_url) as conn:
        conn.execute('SET ROLE "greenledger_app"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute(STATEMENTS[statement].format(table=table, column=COLUMNS[table]))


@pytest.mark.parametrize("table", LOG_TABLES)
@pytest.mark.parametrize("statement", sorted(STATEMENTS))
def test_triggers_stop_even_the_owner(database_url, table, statement):
    with _connect(database_url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(STATEMENTS[statement].format(table=table, column=COLUMNS[table]))
        count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert count >= 1  # the genesis entry, its leaf and its checkpoint are all still there


def test_runtime_role_may_append_and_read(database_url):
    with _connect(database_url) as conn:
        conn.execute('SET ROLE "greenledger_app"')
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 1
        conn.execute("INSERT INTO tree_nodes (level, idx, hash) VALUES (40, 0, '\\x00')")
