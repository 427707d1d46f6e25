"""Reads from a real PostgreSQL streaming replica (LEDGER_READ_DATABASE_URL): a primary of its own,
copied with pg_basebackup and followed by a hot standby, both started by this test. Its replay is paused
to make it lag: lists and reports come from the replica's consistent past, while reads that name a size
the replica does not hold yet (a receipt's entry, a proof at a newer size) fall back to the primary."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest

from tests.conftest import _initialize, libpq_url, token_for
from tests.helpers import party_key, party_payload

DATABASE = "ledger_replicated"


def _bin(name: str) -> str:
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / name)


def _as_server_user(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """PostgreSQL refuses to run as root: then run as the user the embedded server runs as."""
    user = "pgserver" if os.geteuid() == 0 else None
    return subprocess.run(command, user=user, check=True, capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(primary URL, replica URL) of a database on a primary and its hot standby."""
    root = tmp_path_factory.mktemp("replication")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver

        primary = pgserver.get_server(root / "primary", cleanup_mode="stop")
    info = primary.get_postmaster_info()
    primary.psql(f'CREATE DATABASE "{DATABASE}";')
    primary_url = f"postgresql+psycopg://postgres@/{DATABASE}?host={info.socket_dir}&port={info.port}"
    from ledger.persistence.migrate import upgrade

    upgrade(primary_url)
    _initialize(primary_url)

    standby = root / "standby"
    standby.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(standby, "pgserver", "pgserver")
        os.chmod(root, 0o755)
    port = int(info.port) + 1
    _as_server_user([_bin("pg_basebackup"), "-h", str(info.socket_dir), "-p", str(info.port), "-U", "postgres", "-D", str(standby), "-R", "-X", "stream", "-c", "fast"])  # fast: no wait for a spread checkpoint
    options = f"-p {port} -k {standby} -c listen_addresses='' -c hot_standby=on"
    _as_server_user([_bin("pg_ctl"), "-D", str(standby), "-w", "-l", str(standby / "log"), "-o", options, "start"])
    replica_url = f"postgresql+psycopg://postgres@/{DATABASE}?host={standby}&port={port}"
    try:
        yield primary_url, replica_url
    finally:
        _as_server_user([_bin("pg_ctl"), "-D", str(standby), "-w", "-m", "fast", "stop"])


def _replica(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(url), autocommit=True)


def _replica_size(url: str) -> int:
    with _replica(url) as connection:
        row = connection.execute("SELECT max(tree_size) FROM checkpoints").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _caught_up(url: str, size: int) -> None:
    deadline = time.monotonic() + 30
    while _replica_size(url) < size:
        assert time.monotonic() < deadline, "the replica did not catch up in 30 s"
        time.sleep(0.05)


@pytest.fixture
def app_on_replica(make_app: Any, replicated: tuple[str, str]) -> Any:
    primary_url, replica_url = replicated
    return make_app(primary_url, read_database_url=replica_url)


def _grow(client: Any, sign: Any, prefix: str, count: int) -> int:
    entries = [sign("party.registered", party_payload(f"{prefix}-{n}", ["lender"], party_key(f"{prefix}-{n}"))) for n in range(count)]
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["receipts"][-1]["index"]) + 1


def test_the_replica_is_a_hot_standby(replicated: tuple[str, str]) -> None:
    with _replica(replicated[1]) as connection:
        assert connection.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            connection.execute("CREATE TABLE nope (x int)")


def test_reads_come_from_the_replica_and_sizes_a_client_names_from_the_primary(app_on_replica: Any, replicated: tuple[str, str], sign: Any) -> None:
    replica_url = replicated[1]
    client = app_on_replica.test_client()
    size = _grow(client, sign, "early", 3)
    _caught_up(replica_url, size)
    with _replica(replica_url) as connection:
        connection.execute("SELECT pg_wal_replay_pause()")
    try:
        receipt = client.post("/v1/entries", json=sign("party.registered", party_payload("late-bank", ["lender"], party_key("late-bank")))).get_json()
        index, new_size = receipt["index"], receipt["index"] + 1
        assert _replica_size(replica_url) == size  # the replica lags behind the write

        # A list and a report are the replica's: a state the primary was in, consistent in itself.
        listed = [item["record"]["index"] for item in client.get(f"/v1/entries?after={size - 2}").get_json()["items"]]
        assert listed == [size - 1]
        summary = client.get("/v1/reports/summary").get_json()
        assert summary["report"]["tree_size"] == size
        # What names a size the replica lacks is read on the primary: read-your-write holds.
        assert client.get(f"/v1/entries/{index}").get_json()["record"]["index"] == index
        proof = client.get(f"/v1/entries/{index}/inclusion-proof?tree_size={new_size}")
        assert proof.status_code == 200 and proof.get_json()["tree_size"] == new_size
        assert client.get(f"/v1/consistency-proof?first={size}&second={new_size}").status_code == 200
        assert client.get(f"/v1/reports/summary?tree_size={new_size}").get_json()["report"]["tree_size"] == new_size
        assert client.get("/v1/checkpoint").data.split(b"\n")[1] == str(new_size).encode()  # the primary's, one row
    finally:
        with _replica(replica_url) as connection:
            connection.execute("SELECT pg_wal_replay_resume()")
    _caught_up(replica_url, new_size)
    assert client.get("/v1/reports/summary").get_json()["report"]["tree_size"] == new_size
    assert token_for(app_on_replica, "late-bank")  # and writes (a token) still go to the primary
