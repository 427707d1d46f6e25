"""A PostgreSQL primary and a streaming hot standby of it, started here: for the replica-reads benchmark
and the read-replica integration test.

The primary is an embedded pgserver in ``root/primary``; the standby is copied from it with
``pg_basebackup -R -X stream -c fast`` into ``root/standby`` and started with ``pg_ctl`` on the next port,
listening on a Unix socket in its own directory only. PostgreSQL refuses to run as root: then both run as
the system user pgserver runs its servers as. ``stop()`` stops the standby, then the primary, and makes
sure no PostgreSQL is left running on either directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import psycopg

from bench.servers import postgres_pids, stop_postgres

#: The system user pgserver runs PostgreSQL as when we are root (PostgreSQL refuses root).
SERVER_USER = "pgserver"


def pg_bin(name: str) -> str:
    """The path of a PostgreSQL program shipped in the pgserver wheel (pg_basebackup, pg_ctl ...)."""
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / name)


def run_as_server_user(command: list[str], timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program, as the server's system user when we are root.

    :raises RuntimeError: when it fails, with its output.
    """
    user = SERVER_USER if os.geteuid() == 0 else None
    try:
        return subprocess.run(command, user=user, check=True, capture_output=True, text=True, timeout=timeout)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"{Path(command[0]).name} exited with {exc.returncode}: {(exc.stderr or exc.stdout).strip()}") from None


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as psycopg/libpq takes it."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def connect(url: str) -> psycopg.Connection[Any]:
    """An autocommit psycopg connection to ``url`` (a SQLAlchemy URL)."""
    return psycopg.connect(libpq_url(url), autocommit=True)


def tree_size_at(url: str) -> int:
    """The largest checkpointed tree size in the ledger database at ``url`` (0 when there is none)."""
    with connect(url) as connection:
        row = connection.execute("SELECT max(tree_size) FROM checkpoints").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def wait_for_tree_size(url: str, size: int, timeout: float = 30.0) -> float:
    """Wait until the database at ``url`` (a replica) holds a checkpoint of at least ``size`` entries.

    :returns: seconds waited.
    :raises TimeoutError: after ``timeout`` seconds.
    """
    start = time.monotonic()
    while tree_size_at(url) < size:
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"the replica did not reach tree size {size} in {timeout:.0f} s (it holds {tree_size_at(url)})")
        time.sleep(0.05)
    return time.monotonic() - start


def transactions(url: str, settle: float = 5.0) -> int:
    """Committed plus rolled-back transactions of the database at ``url``, as that server counts them.

    A hot standby counts the read transactions run on it. A backend reports its counts when it has been
    idle a while or as it exits (before it leaves ``pg_stat_activity``), so this first waits up to
    ``settle`` seconds for every other session on the database to end: read it after the clients of
    interest have disconnected. The count read includes this session's own earlier ones, not this one.
    """
    with connect(url) as connection:
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            others = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
            if not others or not others[0]:
                break
            time.sleep(0.05)
        row = connection.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


class StreamingReplica:
    """A primary (pgserver) in ``root/primary`` and a hot standby in ``root/standby``; always stopped."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.primary_dir = root / "primary"
        self.standby_dir = root / "standby"
        self.database = ""
        self.primary_url = ""
        self.replica_url = ""
        #: What stopping found wrong (a PostgreSQL that had to be killed).
        self.problems: list[str] = []
        self._primary: Any = None
        self._standby_started = False

    def start_primary(self, database: str) -> str:
        """Start the primary and create ``database`` on it.

        :returns: its SQLAlchemy URL.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import pgserver

            self._primary = pgserver.get_server(self.primary_dir, cleanup_mode="stop")
        self._primary.psql(f'CREATE DATABASE "{database}";')
        self.database = database
        info = self._primary.get_postmaster_info()
        self.primary_url = f"postgresql+psycopg://postgres@/{database}?host={quote(str(info.socket_dir))}&port={info.port}"
        return self.primary_url

    def start_standby(self) -> str:
        """Copy the primary with pg_basebackup and start the copy as a streaming hot standby.

        :returns: the SQLAlchemy URL of the same database on the standby.
        """
        if self._primary is None:
            raise RuntimeError("start the primary first")
        info = self._primary.get_postmaster_info()
        self.standby_dir.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(self.standby_dir, SERVER_USER, SERVER_USER)
            os.chmod(self.root, 0o755)  # the server's user must reach its directory
        port = int(info.port) + 1  # its socket is in its own directory, so the number clashes with no one's
        run_as_server_user([
            pg_bin("pg_basebackup"), "-h", str(info.socket_dir), "-p", str(info.port), "-U", "postgres",
            "-D", str(self.standby_dir), "-R", "-X", "stream", "-c", "fast",  # fast: no wait for a spread checkpoint
        ])  # fmt: skip
        options = f"-p {port} -k {self.standby_dir} -c listen_addresses='' -c hot_standby=on"
        self._standby_started = True  # from here on, stop() must look for it, even if pg_ctl fails
        run_as_server_user([pg_bin("pg_ctl"), "-D", str(self.standby_dir), "-w", "-l", str(self.standby_dir / "log"), "-o", options, "start"])
        self.replica_url = f"postgresql+psycopg://postgres@/{self.database}?host={quote(str(self.standby_dir))}&port={port}"
        return self.replica_url

    def stop(self) -> None:
        """Stop the standby, then the primary; kill what is left of either (and say so in ``problems``)."""
        try:
            if self._standby_started:
                self._standby_started = False
                try:
                    run_as_server_user([pg_bin("pg_ctl"), "-D", str(self.standby_dir), "-w", "-m", "fast", "stop"], timeout=60)
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    self.problems.append(f"pg_ctl stop of the standby failed: {exc}")
                self._check_stopped(self.standby_dir, "standby")
        finally:
            if self._primary is not None:
                primary, self._primary = self._primary, None
                try:
                    primary.cleanup()
                finally:
                    self._check_stopped(self.primary_dir, "primary")

    def _check_stopped(self, pgdata: Path, what: str) -> None:
        deadline = time.monotonic() + 10
        while postgres_pids(pgdata) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = postgres_pids(pgdata)
        if left:
            self.problems.append(f"the {what} PostgreSQL in {pgdata} still ran after it was stopped (pids {left}); killed it")
            stop_postgres(pgdata)

    def __enter__(self) -> StreamingReplica:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
