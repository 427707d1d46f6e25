"""The commands run on the server: they refuse to create a database where there is none, `serve`
checks its port first, and each says what it did."""

from __future__ import annotations

import json
import socket

import click
import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.cli.common import DEFAULT_SERVER
from ledger.cli.database import has_server_database
from ledger.cli.serving import DEFAULT_BIND, client_url, why_cannot_listen
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


@pytest.fixture
def taken_port():
    """A port a program listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_serve_on_a_taken_port_says_so_before_starting_anything(client_machine, taken_port, monkeypatch):
    def must_not_run(*_: object) -> None:
        raise AssertionError("serve reached the database")

    monkeypatch.setattr("ledger.app.database_url", must_not_run)
    result = CliRunner().invoke(main, ["serve", "--demo", "--bind", f"127.0.0.1:{taken_port}"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"error: 127.0.0.1:{taken_port} is already in use (another greenledger or program listens there); choose another with --bind 127.0.0.1:"
    )
    suggested = int(result.stderr.strip().rpartition(":")[2])
    assert suggested > taken_port and why_cannot_listen(f"127.0.0.1:{suggested}") is None
    assert "listening" not in result.output and "Traceback" not in result.output
    assert not client_machine.exists()


@pytest.mark.parametrize(
    ("bind", "message"),
    [
        ("127.0.0.1:http", "--bind 127.0.0.1:http: 'http' is not a valid port number."),
        ("name.invalid:8000", "cannot listen on name.invalid:8000: the name name.invalid does not resolve to an address"),
        ("192.0.2.1:8000", "cannot listen on 192.0.2.1:8000: 192.0.2.1 is not an address of this machine"),
    ],
)
def test_serve_on_an_address_it_cannot_listen_on_is_a_usage_error(client_machine, monkeypatch, bind, message):
    if "invalid" in bind:  # no DNS in the test: the resolver answers as for any unknown name
        def unknown(*_: object, **__: object) -> None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

        monkeypatch.setattr(socket, "getaddrinfo", unknown)
    result = CliRunner().invoke(main, ["serve", "--bind", bind])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {message}\n"
    assert not client_machine.exists()


def test_serve_says_it_listens_only_once_gunicorn_is_ready_and_names_ledger_url_for_another_port(app, database_url, monkeypatch):
    def gunicorn_stand_in(bind: str, workers: int, threads: int, *, when_ready, **_: object) -> None:
        click.echo("(gunicorn binds the port here)")
        when_ready()

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr("ledger.app.create_app", lambda config=None: app)
    monkeypatch.setattr("ledger.cli.serving.run_gunicorn", gunicorn_stand_in)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["serve", "--bind", f"0.0.0.0:{port}"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-3] == "(gunicorn binds the port here)"
    assert lines[-2].startswith(f"greenledger listening on http://0.0.0.0:{port} (database: DATABASE_URL)")
    assert lines[-1] == f"for the client commands on this machine: export LEDGER_URL=http://127.0.0.1:{port}"


def test_the_default_bind_needs_no_ledger_url():
    assert client_url(DEFAULT_BIND) == DEFAULT_SERVER
    assert client_url("[::]:8001") == "http://[::1]:8001" and client_url("parks.example:80") == "http://parks.example:80"


def test_export_says_on_stderr_what_it_wrote(app, client, sign, tmp_path):
    from tests.helpers import party_payload

    for n in range(4):
        client.post("/v1/entries", json=sign("party.registered", party_payload(f"bank-{n}", ["lender"])))
    runner = app.test_cli_runner()
    bundle = tmp_path / "bundle.jsonl"
    whole = runner.invoke(args=["ledger", "export", str(bundle)])
    assert whole.exit_code == 0, whole.output
    assert whole.stdout == "" and whole.stderr.endswith(f"wrote 5 entries (tree size 5) to {bundle}\n")
    assert len(bundle.read_bytes().splitlines()) == 5 + 2  # the manifest, the records, the checkpoint

    ranged = runner.invoke(args=["ledger", "export", str(tmp_path / "range.jsonl"), "--from", "2", "--to", "4"])
    assert ranged.stderr.endswith(f"wrote 2 entries, indices 2 to 3 (tree size 4) to {tmp_path / 'range.jsonl'}\n")

    piped = runner.invoke(args=["ledger", "export", "-"])
    assert piped.exit_code == 0
    assert piped.stdout.encode() == bundle.read_bytes()  # stdout is the bundle alone
    assert piped.stderr.endswith("wrote 5 entries (tree size 5) to standard output\n")


def test_export_into_a_folder_that_does_not_exist_is_a_usage_error(app, tmp_path):
    out = tmp_path / "no-such-folder" / "bundle.jsonl"
    result = app.test_cli_runner().invoke(args=["ledger", "export", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"error: cannot write {out}: No such file or directory"
    assert "Traceback" not in result.output


def test_revoking_a_token_says_what_it_did(app):
    runner = app.test_cli_runner()
    token_id = json.loads(runner.invoke(args=["ledger", "tokens", "issue", "operator", "--json"]).stdout)["token_id"]
    result = runner.invoke(args=["ledger", "tokens", "revoke", token_id])
    assert result.exit_code == 0
    assert result.stdout == f"revoked token {token_id}: servers refuse it within 30 seconds, and its web sessions have ended\n"
