"""`greenledger rebuild` reproduces every projection table exactly, from the log alone."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import psycopg

from ledger.persistence.tables import PROJECTION_TABLES, VALID_FROM
from tests.conftest import libpq_url
from tests.helpers import T_2025, T_2026, Programme


def _snapshot(url: str, *, versions: bool = True) -> dict[str, list[tuple]]:
    """Every projection row; with ``versions``, also the index each row's version was made at."""
    snapshot = {}
    with psycopg.connect(libpq_url(url)) as conn:
        for table in PROJECTION_TABLES.values():
            columns = ", ".join('"' + c.name + '"' for c in table.columns if versions or c.name != VALID_FROM)
            key = next(iter(table.primary_key.columns)).name
            snapshot[table.name] = conn.execute(f'SELECT {columns} FROM {table.name} ORDER BY "{key}"').fetchall()
    return snapshot


def _snapshot_without_versions(snapshot: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    return {name: [row[:-1] for row in rows] for name, rows in snapshot.items()}  # valid_from is the last column


def test_rebuild_reproduces_the_live_projections_table_by_table(app, client, sign, database_url):
    prog = Programme(client, sign)
    prog.setup_verified()
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "400.00"))
    repaid = prog.ok("bank-a", "loan.repaid", prog.movement("L1", "100.00"))
    prog.ok("bank-a", "entry.corrected", {"corrects": repaid, "reason": "r", "payload": prog.movement("L1", "150.00")})
    prog.ok("mrv", "reduction.verified", prog.reduction("v2", start=T_2025, end=T_2026))
    prog.ok("dept", "reward.program.created", prog.program())
    prog.ok("dept", "reward.disbursed", prog.reward())
    prog.ok("mrv", "credits.issued", {"verification": "v1", "serial_start": 1, "serial_end": 1000, "holder": "bank-a"})
    prog.ok("bank-a", "credits.transferred", {"serial_start": 201, "serial_end": 300, "to": "buyer"})
    prog.ok("buyer", "credits.retired", {"serial_start": 251, "serial_end": 300, "beneficiary": "Chengdu"})
    prog.ok("mrv", "credits.cancelled", {"serial_start": 901, "serial_end": 1000, "reason": "buffer"})
    live = _snapshot(database_url)
    assert sum(len(rows) for rows in live.values()) > 20

    result = app.test_cli_runner().invoke(args=["ledger", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt the projections from" in result.output
    assert _snapshot(database_url) == live

    # Upgrading a ledger that already holds this programme fills the project totals to the same rows.
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0006_project_totals.py"
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute("DELETE FROM project_totals")
        # Rows 0006 filled were there before 0010, which gave them valid_from -1 (a version of unknown index).
        conn.execute("ALTER TABLE project_totals ALTER valid_from SET DEFAULT -1")
        conn.execute(migration.FILL)
        conn.execute("ALTER TABLE project_totals ALTER valid_from DROP DEFAULT")
    assert _snapshot(database_url, versions=False) == _snapshot_without_versions(live)


def test_rebuild_reproduces_the_demo_programme(app, database_url):
    from ledger.crypto.signing import private_key_to_pem
    from tests.conftest import OPERATOR_KEY

    config = app.extensions["ledger_config"]
    config.operator_key_path.parent.mkdir(parents=True)
    config.operator_key_path.write_bytes(private_key_to_pem(OPERATOR_KEY))
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["ledger", "demo", "--projects", "12", "--loans", "20"])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded" in loaded.output
    live = _snapshot(database_url)
    assert len(live["parks"]) == 17 and len(live["projects"]) == 12
    assert live["credit_blocks"] and live["reward_disbursements"] and live["verifications"]
    again = runner.invoke(args=["ledger", "demo", "--projects", "12", "--loans", "20"])
    assert again.exit_code == 0 and "already present" in again.output
    assert runner.invoke(args=["ledger", "rebuild"]).exit_code == 0
    assert _snapshot(database_url) == live
