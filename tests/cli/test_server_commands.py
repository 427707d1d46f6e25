"""The commands run on the server: they refuse to create a database where there is none, `serve`
checks its port first, and each says what it did."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.cli.database import has_server_database
from ledger.config import Config

#: (the command, its arguments)
NEEDS_THE_SERVERS_DATABASE = [
    ("demo", []),
    ("rebuild", []),
    ("tokens issue", ["operator"]),
    ("tokens list", []),
    ("tokens revoke", ["0123456789abcdef"]),
    ("checkpoint-key rotate", []),
    ("export", ["bundle.jsonl"]),
    ("report", ["summary"]),
]


@pytest.fixture
def client_machine(tmp_path, monkeypatch):
    """A machine that has never run `greenledger serve`: no DATABASE_URL, an empty LEDGER_HOME."""
    home = tmp_path / "home"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("LEDGER_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


@pytest.mark.parametrize(("command", "args"), NEEDS_THE_SERVERS_DATABASE, ids=[c for c, _ in NEEDS_THE_SERVERS_DATABASE])
def test_a_server_command_without_a_database_says_so_and_creates_nothing(client_machine, command, args):
    result = CliRunner().invoke(main, [*command.split(), *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: `greenledger {command}` works on the server's database"), lines
    message = lines[0]
    assert "set DATABASE_URL to the server's database" in message
    assert f"where `greenledger serve` created {client_machine}" in message
    assert "--server" in message
    assert "Traceback" not in result.output
    assert not client_machine.exists()  # no embedded cluster, not even LEDGER_HOME
    assert not (client_machine.parent / "bundle.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "builds"),
    [(["init"], "ledger.app.create_app"), (["db", "upgrade"], "ledger.app.database_url"), (["serve", "--bind", "127.0.0.1:0"], "ledger.app.database_url")],
    ids=["init", "db upgrade", "serve"],
)
def test_setting_a_server_up_may_create_the_embedded_database(client_machine, monkeypatch, args, builds):
    reached = []

    def stand_in(*_: object) -> None:
        reached.append(builds)
        raise click.exceptions.Exit(0)  # stop here: starting PostgreSQL is what these commands would do next

    monkeypatch.setattr(builds, stand_in)
    result = CliRunner().invoke(main, args)
    assert reached == [builds], result.output
    assert "works on the server's database" not in result.output


def test_a_database_is_there_when_configured_or_when_the_embedded_one_exists(tmp_path):
    assert not has_server_database(Config(home=tmp_path))
    assert has_server_database(Config(home=tmp_path, database_url="postgresql://db.example/greenledger"))
    (tmp_path / "pgdata").mkdir()
    assert not has_server_database(Config(home=tmp_path))  # an empty folder is no cluster
    (tmp_path / "pgdata" / "PG_VERSION").write_text("16\n")
    assert has_server_database(Config(home=tmp_path))


def test_a_server_command_in_an_app_handed_over_uses_that_apps_database(app, monkeypatch, tmp_path):
    """`flask ledger …` and the tests build the app themselves: no LEDGER_HOME check applies."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path / "nowhere"))
    result = app.test_cli_runner().invoke(args=["ledger", "tokens", "list"])
    assert result.exit_code == 0, result.output
