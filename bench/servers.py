"""Start and stop the servers under test: ``greenledger serve`` and the naive baseline app.

Every server is a subprocess in its own session, bound to a free port on 127.0.0.1, with its
output in a log file inside a temporary directory. Leaving the ``with`` block always stops it
(SIGTERM, then SIGKILL of its process group after a grace period), checks that no PostgreSQL
for its temporary data directory is left running (stopping any that is, and saying so), drops
any database created on a DATABASE_URL server, and removes the temporary directory.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ManagedProcess:
    """A subprocess in its own session whose output goes to ``log_path``."""

    def __init__(self, argv: list[str], *, env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def finish(self, timeout: float, what: str) -> None:
        """Wait for the process to exit; on a timeout, or an interrupt of ours, stop its group first, so
        no child outlives the benchmark.

        :raises RuntimeError: on a timeout, with the tail of its log.
        """
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop(5)
            raise RuntimeError(f"{what} did not finish within {timeout:.0f} s:\n{_tail(self.log_path)}") from None
        except BaseException:
            self.stop(5)  # Ctrl-C or SIGTERM
            raise

    def stop(self, grace: float = 30.0) -> str:
        """SIGTERM (a graceful gunicorn shutdown), then SIGKILL of the process group.

        :returns: how it ended: "exited" (before we asked), "terminated" or "killed".
        """
        how = "exited"
        try:
            if self.alive():
                how = "terminated"
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(grace)
                except subprocess.TimeoutExpired:
                    how = "killed"
            # Members of the process group (gunicorn workers) must not outlive the master.
            deadline = time.monotonic() + (0 if how == "killed" else 2)
            while _group_alive(self.proc.pid):
                if time.monotonic() >= deadline:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    how = "killed"
                    break
                time.sleep(0.1)
            if self.proc.poll() is None:
                self.proc.wait(10)
        finally:
            self._log.close()
        return how


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_http_ok(port: int, path: str, process: ManagedProcess, timeout: float) -> float:
    """Poll ``GET path`` until it answers 200; fail fast if the process exits.

    :returns: seconds waited.
    """
    start = time.monotonic()
    while True:
        if not process.alive():
            raise ServerError(f"{process.argv[0]} exited with {process.proc.returncode}:\n{_tail(process.log_path)}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return time.monotonic() - start
        except OSError:
            pass
        if time.monotonic() - start > timeout:
            raise ServerError(f"{path} not ready after {timeout:.0f} s:\n{_tail(process.log_path)}")
        time.sleep(0.2)


# --- PostgreSQL --------------------------------------------------------------------------------


def postgres_pids(pgdata: Path) -> list[int]:
    """Processes whose command line names ``pgdata`` (a postmaster started with ``-D pgdata``)."""
    target = str(pgdata.resolve()) if pgdata.exists() else str(pgdata)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and target.encode() in argv:
            found.append(int(entry.name))
    return found


def stop_postgres(pgdata: Path, timeout: float = 15.0) -> list[int]:
    """Stop a postmaster left running for ``pgdata`` (fast shutdown, then SIGKILL).

    :returns: the pids that were running.
    """
    pids = postgres_pids(pgdata)
    for sig in (signal.SIGINT, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and postgres_pids(pgdata):
            time.sleep(0.2)
        if not postgres_pids(pgdata):
            break
    return pids


def _wait_postgres_gone(pgdata: Path, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        pids = postgres_pids(pgdata)
        if not pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.2)


class ExternalDatabase:
    """A fresh database on the server DATABASE_URL points at, dropped afterwards."""

    def __init__(self, base_url: str, prefix: str) -> None:
        from sqlalchemy.engine import make_url

        from ledger.persistence.db import sqlalchemy_url

        self.base = make_url(sqlalchemy_url(base_url))
        self.name = f"{prefix}_{secrets.token_hex(4)}"
        self.url = self.base.set(database=self.name).render_as_string(hide_password=False)

    def _admin(self) -> Any:
        from sqlalchemy import create_engine

        from sqlalchemy.pool import NullPool

        return create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def create(self) -> str:
        from sqlalchemy import text

        engine = self._admin()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        finally:
            engine.dispose()
        return self.url

    def drop(self) -> None:
        from sqlalchemy import text

        engine = self._admin()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        finally:
            engine.dispose()


class EmbeddedPostgres:
    """A private PostgreSQL (pgserver, as ``greenledger serve`` starts) in ``pgdata``, for the baseline."""

    def __init__(self, pgdata: Path, database: str) -> None:
        self.pgdata = pgdata
        self.database = database
        self._server: Any = None

    def start(self) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import pgserver

            self.pgdata.mkdir(parents=True, exist_ok=True)
            self._server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        self._server.psql(f'CREATE DATABASE "{self.database}";')
        socket_dir = self._server.get_postmaster_info().socket_dir
        return f"postgresql+psycopg://postgres@/{self.database}?host={quote(str(socket_dir))}"

    def stop(self) -> list[int]:
        """Stop the server; :returns: pids still running after pgserver's stop (then killed)."""
        if self._server is not None:
            try:
                self._server.cleanup()
            finally:
                self._server = None
        left = _wait_postgres_gone(self.pgdata, 5)
        if left:
            stop_postgres(self.pgdata)
        return left


# --- the servers under test --------------------------------------------------------------------


def _executable(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise ServerError(f"{name} is not installed in this environment")
    return found


class _Server:
    """Shared start/stop: temp dir, free port (retried if taken meanwhile), readiness, cleanup."""

    kind = "server"
    ready_path = "/healthz"
    ready_timeout = 120.0

    def __init__(self, *, workers: int = 2, threads: int = 8) -> None:
        self.workers = workers
        self.threads = threads
        self.port = 0
        self.tmp = Path(tempfile.mkdtemp(prefix=f"greenledger-bench-{self.kind}-"))
        self.process: ManagedProcess | None = None
        #: Facts about the run worth recording: start-up time, how it stopped, leftovers found.
        self.info: dict[str, Any] = {}
        self.problems: list[str] = []

    @property
    def host(self) -> str:
        return HOST

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _prepare(self, env: dict[str, str]) -> None:
        """Create the database and set the environment (subclasses)."""

    def _argv(self) -> list[str]:
        raise NotImplementedError

    def _cwd(self) -> Path:
        return self.tmp

    def _cleanup(self) -> None:
        """Stop databases and check for leftovers (subclasses)."""

    def __enter__(self) -> "_Server":
        try:
            env = dict(os.environ)
            self._prepare(env)
            started = time.monotonic()
            for attempt in range(3):
                self.port = free_port()
                self.process = ManagedProcess(
                    self._argv(), env=env, cwd=self._cwd(), log_path=self.tmp / f"{self.kind}-{attempt}.log"
                )
                try:
                    wait_http_ok(self.port, self.ready_path, self.process, self.ready_timeout)
                    break
                except ServerError:
                    log = self.process.log_path.read_text(errors="replace")
                    self.process.stop(5)
                    if "Address already in use" not in log or attempt == 2:
                        raise
            self.info["startup_s"] = round(time.monotonic() - started, 2)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.process is not None:
                self.info["stopped"] = self.process.stop()
                if self.info["stopped"] == "killed":
                    self.problems.append(f"{self.kind} did not stop on SIGTERM within the grace period and was killed")
        finally:
            try:
                self._cleanup()
            finally:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.process.log_path, lines) if self.process else ""


class LedgerServer(_Server):
    """``greenledger serve`` with a fresh LEDGER_HOME: embedded PostgreSQL, or a fresh database on DATABASE_URL."""

    kind = "ledger"
    ready_path = "/readyz"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.home = self.tmp / "home"
        self.external: ExternalDatabase | None = None
        self.env: dict[str, str] = {}
        self._tokens: dict[str, str] = {}

    @property
    def operator_key_path(self) -> Path:
        return self.home / "keys" / "operator.pem"

    def issue_token(self, party_id: str) -> str:
        """A new API token for ``party_id``, from ``greenledger tokens issue`` run beside the server."""
        if party_id not in self._tokens:
            done = subprocess.run(
                [_executable("greenledger"), "tokens", "issue", party_id, "--label", "bench"],
                env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"issuing a token to {party_id} failed: {done.stderr.strip()}")
            self._tokens[party_id] = done.stdout.strip()
        return self._tokens[party_id]

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    def _home_environment(self, env: dict[str, str]) -> None:
        """The variables every run of this server shares: its home, no passphrase, a rate limit that runs
        (its cost is measured) but never binds, since a benchmark sends more than any client should."""
        env["LEDGER_HOME"] = str(self.home)
        env.pop("LEDGER_KEY_PASSPHRASE", None)
        env["LEDGER_RATE_LIMIT"] = "10000000 per minute"
        self.env = env

    def _prepare(self, env: dict[str, str]) -> None:
        self.home.mkdir()
        self._home_environment(env)
        if os.environ.get("DATABASE_URL"):
            self.external = ExternalDatabase(os.environ["DATABASE_URL"], "greenledger_bench")
            env["DATABASE_URL"] = self.external.create()
            self.info["database"] = f"fresh database {self.external.name} on DATABASE_URL"
        else:
            env.pop("DATABASE_URL", None)
            self.info["database"] = "embedded pgserver started by serve"

    def _argv(self) -> list[str]:
        return [
            _executable("greenledger"), "serve",
            "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers), "--threads", str(self.threads),
        ]  # fmt: skip

    def _check_postgres_stopped(self) -> None:
        if self.external is None:
            # serve's pgserver handle stops the server when serve exits (cleanup_mode="stop").
            left = _wait_postgres_gone(self.pgdata)
            self.info["postgres_left_running"] = left
            if left:
                self.problems.append(f"PostgreSQL for {self.pgdata} still ran after serve exited (pids {left}); stopped it")
                stop_postgres(self.pgdata)

    def _cleanup(self) -> None:
        try:
            self._check_postgres_stopped()
        finally:
            if self.external is not None:
                self.external.drop()


class NaiveServer(_Server):
    """The baseline: bench/naive_app.py under the same gunicorn settings as ``greenledger serve``."""

    kind = "naive"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.external: ExternalDatabase | None = None
        self.embedded: EmbeddedPostgres | None = None

    @property
    def pgdata(self) -> Path:
        return self.tmp / "pgdata"

    def _prepare(self, env: dict[str, str]) -> None:
        if os.environ.get("DATABASE_URL"):
            self.external = ExternalDatabase(os.environ["DATABASE_URL"], "naive_bench")
            url = self.external.create()
            self.info["database"] = f"fresh database {self.external.name} on DATABASE_URL"
        else:
            self.embedded = EmbeddedPostgres(self.pgdata, "naive")
            url = self.embedded.start()
            self.info["database"] = "embedded pgserver started by the harness"
        from bench.naive_app import create_schema

        create_schema(url)
        env["NAIVE_DATABASE_URL"] = url
        env.pop("DATABASE_URL", None)

    def _argv(self) -> list[str]:
        # The settings `greenledger serve` gives gunicorn (ledger/cli/serving.py): gthread workers and
        # threads, access log to stdout; plus no control socket, which serve's default would share.
        return [
            sys.executable, "-m", "gunicorn",
            "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers), "--threads", str(self.threads),
            "--worker-class", "gthread", "--access-logfile", "-", "--no-control-socket",
            "bench.naive_app:app",
        ]  # fmt: skip

    def _cwd(self) -> Path:
        return REPO

    def _cleanup(self) -> None:
        try:
            if self.embedded is not None:
                left = self.embedded.stop()
                self.info["postgres_left_running"] = left
                if left:
                    self.problems.append(f"baseline PostgreSQL for {self.pgdata} outlived pgserver's stop (pids {left}); killed it")
        finally:
            if self.external is not None:
                self.external.drop()


# --- CPU accounting ------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system CPU seconds) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def cpu_seconds(roots: list[int]) -> float:
    """CPU time used so far by the live processes ``roots`` and all their descendants."""
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st is not None:
                table[int(entry.name)] = st
    wanted = set(r for r in roots if r in table)
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _) in table.items():
            if ppid in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    return sum(table[p][1] for p in wanted)


def server_cpu(server: _Server) -> dict[str, float]:
    """CPU seconds so far of the server's processes and, when it is local, of its PostgreSQL."""
    out = {"app": cpu_seconds([server.process.pid]) if server.process else 0.0}
    pgdata = getattr(server, "pgdata", None)
    if pgdata is not None and getattr(server, "external", None) is None:
        out["postgres"] = cpu_seconds(postgres_pids(pgdata))
    return out
