"""`greenledger config check` prints each check; `greenledger serve` refuses unsafe settings in one sentence, exit 2."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.crypto.signing import private_key_from_seed, write_private_key_file
from tests.conftest import CHECKPOINT_KEY, libpq_url


@pytest.fixture
def server_home(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """LEDGER_HOME holding the test log's own checkpoint key, and DATABASE_URL naming that log."""
    home = tmp_path / "server-home"
    (home / "keys").mkdir(parents=True, mode=0o700)
    write_private_key_file(home / "keys" / "checkpoint.pem", CHECKPOINT_KEY, None)
    for name in ("LEDGER_MODE", "LEDGER_COOKIE_SECURE", "LEDGER_RUNTIME_ROLE", "LEDGER_LOG_FORMAT", "LEDGER_METRICS_BIND", "LEDGER_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEDGER_HOME", str(home))
    monkeypatch.setenv("DATABASE_URL", database_url)
    return home


def _check(*args: str) -> Any:
    return CliRunner().invoke(main, ["config", "check", *args])


def test_config_check_prints_every_check_and_passes_on_a_sound_setup(server_home):
    result = _check("--json")
    assert result.exit_code == 0, result.output
    checks = {c["check"]: c for c in json.loads(result.stdout)}
    assert {"mode", "logs", "cookie", "database", "key files", "checkpoint key", "runtime role"} <= set(checks)
    assert {c["verdict"] for c in checks.values()} == {"ok"}
    assert "holds the checkpoint key in force" in checks["checkpoint key"]["message"]
    assert checks["runtime role"]["message"] == "the runtime role greenledger_app may only read and append to entries, tree_nodes, checkpoints"
    text = _check()
    assert text.exit_code == 0 and "ok       checkpoint key: " in text.stdout


def test_a_key_that_is_not_the_logs_is_refused_by_check_and_by_serve(server_home):
    other = server_home / "keys" / "checkpoint.pem"
    other.unlink()
    write_private_key_file(other, private_key_from_seed(bytes(32)), None)
    result = _check()
    assert result.exit_code == 1
    assert f"refused  checkpoint key: {other} is not the log's checkpoint key in force (" in result.stdout
    served = CliRunner().invoke(main, ["serve", "--bind", "127.0.0.1:0"])
    assert served.exit_code == 2
    assert served.stderr.startswith(f"error: refusing to serve: {other} is not the log's checkpoint key in force (")
    assert served.stderr.count("\n") == 1 and "Traceback" not in served.output and "listening" not in served.output


def test_a_missing_key_file_for_an_initialized_log_is_refused(server_home):
    (server_home / "keys" / "checkpoint.pem").unlink()
    result = CliRunner().invoke(main, ["serve", "--bind", "127.0.0.1:0"])
    assert result.exit_code == 2
    assert "checkpoint.pem is missing: install the file of the checkpoint key in force" in result.stderr


@pytest.fixture
def rewriting_role(database_url: str) -> Iterator[str]:
    """A role that may UPDATE and DELETE the log tables, as a careless GRANT would leave it (dropped afterwards)."""
    role = f"gl_rewriter_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}"')
        admin.execute(f'GRANT "{role}" TO CURRENT_USER')
        admin.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        admin.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
    yield role
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        admin.execute(f'DROP OWNED BY "{role}"')
        admin.execute(f'DROP ROLE "{role}"')


def test_a_runtime_role_that_may_rewrite_the_log_is_refused(server_home, rewriting_role, monkeypatch):
    monkeypatch.setenv("LEDGER_RUNTIME_ROLE", rewriting_role)
    result = _check()
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if "runtime role" in line)
    assert line.startswith(f"refused  runtime role: the runtime role {rewriting_role} may rewrite the log (entries: UPDATE, DELETE; ")
    assert f"REVOKE UPDATE, DELETE, TRUNCATE ON entries, tree_nodes, checkpoints FROM {rewriting_role}" in line
    served = CliRunner().invoke(main, ["serve", "--bind", "127.0.0.1:0"])
    assert served.exit_code == 2 and "may rewrite the log" in served.stderr and "Traceback" not in served.output


@pytest.mark.parametrize(
    ("settings", "sentence"),
    [
        ({"LEDGER_MODE": "production"}, "production mode needs LEDGER_COOKIE_SECURE=1 (TLS in front of the server)"),
        ({"LEDGER_MODE": "staging"}, "LEDGER_MODE must be development or production, not 'staging'"),
        ({"LEDGER_MODE": "production", "LEDGER_COOKIE_SECURE": "1", "DATABASE_URL": ""}, "production mode needs DATABASE_URL"),
        ({"LEDGER_MODE": "production", "LEDGER_COOKIE_SECURE": "1", "LEDGER_RUNTIME_ROLE": ""}, "LEDGER_RUNTIME_ROLE is empty"),
        ({"LEDGER_LOG_FORMAT": "xml"}, "LEDGER_LOG_FORMAT must be json or text, not 'xml'"),
        ({"LEDGER_MAX_BATCH": "lots"}, "LEDGER_MAX_BATCH must be a whole number, not 'lots'"),
        ({"LEDGER_METRICS_BIND": "9464"}, "LEDGER_METRICS_BIND must be host:port (10.0.1.11:9464), not '9464'"),
    ],
)
def test_serve_refuses_unsafe_settings_before_it_starts_anything(server_home, monkeypatch, settings, sentence):
    def must_not_run(*_: object) -> None:
        raise AssertionError("serve reached the database")

    monkeypatch.setattr("ledger.app.database_url", must_not_run)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["serve", "--bind", "127.0.0.1:0"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and sentence in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_production_refuses_the_demo_and_key_files_others_may_read(server_home, monkeypatch):
    monkeypatch.setenv("LEDGER_MODE", "production")
    monkeypatch.setenv("LEDGER_COOKIE_SECURE", "1")
    (server_home / "keys" / "checkpoint.pem").chmod(0o644)
    result = _check("--demo", "--json")
    assert result.exit_code == 1
    refused = {c["check"]: c["message"] for c in json.loads(result.stdout) if c["verdict"] == "refused"}
    # The tests log in as the database's owner: a production server must not.
    assert set(refused) == {"demo", "key files", "login role"}
    assert "which may rewrite the log even after SET ROLE greenledger_app" in refused["login role"]
    assert refused["key files"].endswith(f"is open to other users (mode 0644); run chmod 600 {server_home / 'keys' / 'checkpoint.pem'}")
