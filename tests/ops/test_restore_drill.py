"""The restore drill: a backup made with ops/ restores into a fresh database, greenledger serves it, the log
verifies against checkpoints kept before the backup, takes new entries, and the witness accepts it; a
restore from an older backup (a rollback) is caught by the witness and by `verify --checkpoint`."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import psycopg
import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.client import make_envelope
from ledger.crypto.checkpoint import verifier_key
from ledger.crypto.signing import raw_public_key, write_private_key_file
from tests.conftest import CHECKPOINT_KEY, OPERATOR_ID, OPERATOR_KEY, ORIGIN, libpq_url, served, token_for
from tests.helpers import party_payload

OPS = Path(__file__).resolve().parents[2] / "ops"
VERIFIER_KEY = verifier_key(ORIGIN, raw_public_key(CHECKPOINT_KEY))
#: The installed command, beside this interpreter (as `pip install -e .` puts it).
GREENLEDGER = str(Path(sys.executable).parent / "greenledger")


def pg_tools() -> dict[str, str]:
    """PG_BIN for the scripts: the embedded server's own tools, or those on PATH for DATABASE_URL's server."""
    if os.environ.get("DATABASE_URL"):
        found = shutil.which("pg_dump")
        if found is None:
            pytest.fail("the restore drill needs pg_dump, pg_restore and psql on PATH for DATABASE_URL's server (apt-get install postgresql-client)")
        return {"PG_BIN": str(Path(found).parent)}
    import pgserver

    return {"PG_BIN": str(Path(pgserver.__file__).parent / "pginstall" / "bin")}


def run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(OPS / script), *args], env={**os.environ, **pg_tools(), **env}, capture_output=True, text=True, timeout=120)


@pytest.fixture
def fresh_database(pg_server_url: str) -> Iterator[Callable[[], str]]:
    """Make empty databases on the test server (the restores' targets), dropped afterwards."""
    from sqlalchemy.engine import make_url

    made: list[str] = []
    admin_url = libpq_url(make_url(pg_server_url).set(database="postgres").render_as_string(hide_password=False))

    def make() -> str:
        name = f"gl_restore_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return libpq_url(make_url(pg_server_url).set(database=name).render_as_string(hide_password=False))

    yield make
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def witness(url: str, state: Path, token: str) -> Any:
    return CliRunner().invoke(main, ["witness", "--server", url, "--state", str(state), "--key", VERIFIER_KEY, "--token", token])


def verify(bundle: Path, *kept: Path) -> Any:
    checkpoints = [arg for path in kept for arg in ("--checkpoint", str(path))]
    return CliRunner().invoke(main, ["verify", str(bundle), "--origin", ORIGIN, "--key", VERIFIER_KEY, *checkpoints])


def _get(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return bytes(answer.read())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Serving:
    """`greenledger serve` on a restored database, as an operator starts it after a restore."""

    def __init__(self, database_url: str, home: Path, log: Path, *, workers: int = 1, **settings: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": database_url, "LEDGER_HOME": str(home), "LEDGER_LOG_FORMAT": "json", **settings}
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [GREENLEDGER, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--threads", "4"],
            env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/readyz", timeout=2).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"greenledger serve did not start on the restored database:\n{log.read_text()}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self._log.close()


def _write_home(home: Path) -> None:
    (home / "keys").mkdir(parents=True, mode=0o700)
    write_private_key_file(home / "keys" / "checkpoint.pem", CHECKPOINT_KEY, None)
    write_private_key_file(home / "keys" / "operator.pem", OPERATOR_KEY, None)


def test_a_backup_restores_verifies_grows_and_satisfies_the_witness_and_a_rollback_is_caught(
    make_app, database_url, fresh_database, sign, tmp_path
):
    source = make_app(database_url)
    client = source.test_client()
    token = token_for(source, OPERATOR_ID)
    state = tmp_path / "witness"
    kept_before, kept_latest = tmp_path / "before.note", tmp_path / "latest.note"
    with served(source) as source_url:
        for party in ("bank-a", "bank-b", "bank-c"):
            assert client.post("/v1/entries", json=sign("party.registered", party_payload(party, ["lender"]))).status_code == 201
        kept_before.write_text(client.get("/v1/checkpoint").get_data(as_text=True))
        assert witness(source_url, state, token).exit_code == 0
        backup = run("backup-database.sh", str(tmp_path / "old.dump"), DATABASE_URL=libpq_url(database_url))
        assert backup.returncode == 0, backup.stderr
        for party in ("bank-d", "bank-e"):
            assert client.post("/v1/entries", json=sign("party.registered", party_payload(party, ["lender"]))).status_code == 201
        kept_latest.write_text(client.get("/v1/checkpoint").get_data(as_text=True))
        assert witness(source_url, state, token).stdout.endswith("OK: tree size 6 extends 4\n")
        assert run("backup-database.sh", str(tmp_path / "latest.dump"), DATABASE_URL=libpq_url(database_url)).returncode == 0
    assert (tmp_path / "latest.dump.sha256").is_file()

    # The keys travel apart from the dumps, encrypted; the new host gets them back from that archive only.
    _write_home(tmp_path / "old-home")
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse battery staple\n")
    keys = run("backup-keys.sh", str(tmp_path / "keys.tar.gpg"), LEDGER_HOME=str(tmp_path / "old-home"), BACKUP_PASSPHRASE_FILE=str(passphrase))
    assert keys.returncode == 0, keys.stderr
    assert b"PRIVATE KEY" not in (tmp_path / "keys.tar.gpg").read_bytes()
    new_home = tmp_path / "new-home"
    wrong = tmp_path / "wrong-passphrase"
    wrong.write_text("guess\n")
    refused = run("restore-keys.sh", str(tmp_path / "keys.tar.gpg"), LEDGER_HOME=str(new_home), BACKUP_PASSPHRASE_FILE=str(wrong))
    assert refused.returncode != 0 and not (new_home / "keys").exists()
    restored_keys = run("restore-keys.sh", str(tmp_path / "keys.tar.gpg"), LEDGER_HOME=str(new_home), BACKUP_PASSPHRASE_FILE=str(passphrase))
    assert restored_keys.returncode == 0, restored_keys.stderr
    assert (new_home / "keys" / "checkpoint.pem").stat().st_mode & 0o077 == 0

    # The latest backup, restored into a fresh database and served by greenledger from the restored home.
    target = fresh_database()
    restore = run("restore-database.sh", str(tmp_path / "latest.dump"), target)
    assert restore.returncode == 0, restore.stderr
    assert run("restore-database.sh", str(tmp_path / "latest.dump"), target).stderr.startswith("error: the target database already holds")
    check = subprocess.run(
        [GREENLEDGER, "config", "check"], env={**os.environ, "DATABASE_URL": target, "LEDGER_HOME": str(new_home)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0 and "ok       checkpoint key:" in check.stdout and "ok       runtime role:" in check.stdout, check.stdout + check.stderr
    server = Serving(target, new_home, tmp_path / "restored-serve.log")
    try:
        bundle = tmp_path / "restored.jsonl"
        bundle.write_bytes(_get(server.url + "/v1/export", token))  # the tokens came back with the database
        verified = verify(bundle, kept_before, kept_latest)
        assert verified.exit_code == 0, verified.output
        now = datetime.now(timezone.utc)
        envelope = make_envelope(entry_type="party.registered", signer=OPERATOR_ID, key=OPERATOR_KEY, payload=party_payload("bank-f", ["lender"]), nonce="after-restore", signed_at=now)
        request = urllib.request.Request(
            server.url + "/v1/entries", data=json.dumps(envelope).encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 201 and json.loads(answer.read())["index"] == 6
        continued = witness(server.url, state, token)
        assert continued.exit_code == 0 and continued.stdout.endswith("OK: tree size 7 extends 6\n"), continued.output
    finally:
        server.stop()

    # The older backup restored instead: the log is shorter than what the witness and the auditor kept.
    rolled_back = fresh_database()
    assert run("restore-database.sh", str(tmp_path / "old.dump"), rolled_back).returncode == 0
    old = make_app(rolled_back)
    with served(old) as old_url:
        alarm = witness(old_url, state, token_for(old, OPERATOR_ID))
        assert alarm.exit_code == 1 and alarm.stderr.endswith("error: WITNESS ALARM: rollback: the log shrank from 7 to 4 entries\n"), alarm.output
    old_bundle = tmp_path / "rolled-back.jsonl"
    assert old.test_cli_runner().invoke(args=["ledger", "export", str(old_bundle)]).exit_code == 0
    assert verify(old_bundle, kept_before).exit_code == 0  # what it holds is genuine ...
    behind = verify(old_bundle, kept_before, kept_latest)  # ... but it lost entries a checkpoint proved were there
    assert behind.exit_code == 1 and "the bundle holds 4 entries, fewer than a kept checkpoint's 6: the log shrank" in behind.output


def test_a_damaged_dump_is_not_restored(database_url, fresh_database, tmp_path):
    dump = tmp_path / "ledger.dump"
    assert run("backup-database.sh", str(dump), DATABASE_URL=libpq_url(database_url)).returncode == 0
    again = run("backup-database.sh", str(dump), DATABASE_URL=libpq_url(database_url))
    assert again.returncode == 1 and again.stderr == f"error: {dump} exists; a backup never replaces another\n"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    refused = run("restore-database.sh", str(dump), fresh_database())
    assert refused.returncode == 1 and "does not match its checksum" in refused.stderr
