"""What the fault tests run against and check with: a restartable PostgreSQL, real `greenledger serve`
processes, retrying submitters, and the log checks every fault test ends with.

Everything is real: PostgreSQL from the pgserver wheel's own initdb/pg_ctl on 127.0.0.1, gunicorn
started by ``greenledger serve``, Ed25519 signatures, and the offline verifier run as a command.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from bench.servers import HOST, ManagedProcess, ServerError, free_port, wait_http_ok
from ledger.client import make_envelope
from ledger.crypto.canonical import b64decode, b64encode, canonical_json
from ledger.crypto.checkpoint import verifier_key, verify_checkpoint
from ledger.crypto.signing import private_key_from_seed, private_key_to_pem, raw_public_key
from ledger.merkle.hashing import leaf_hash
from ledger.merkle.proofs import verify_consistency, verify_inclusion
from ledger.verify.receipt import verify_receipt
from tests.helpers import party_key, party_payload

ORIGIN = "faults.greenledger.example/log"
CHECKPOINT_KEY = private_key_from_seed(bytes(range(101, 133)))
OPERATOR_KEY = private_key_from_seed(bytes(range(133, 165)))
OPERATOR_ID = "operator"
VERIFIER_KEY = verifier_key(ORIGIN, raw_public_key(CHECKPOINT_KEY))

#: Bounds, never expectations: a fault test fails when it runs into one, not when it runs slowly.
REQUEST_TIMEOUT = 30.0
LOAD_DEADLINE = 240.0


def _executable(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else name


# --- headers: the one place requests get their credentials ---------------------------------------


#: server URL -> party -> API token, filled by ``LedgerServer.start``.
TOKENS: dict[str, dict[str, str]] = {}


def headers_for(url: str, party: str = OPERATOR_ID) -> dict[str, str]:
    """The HTTP headers a request to ``url`` on behalf of ``party`` carries: JSON, and its API token."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    token = TOKENS.get(url, {}).get(party)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


# --- PostgreSQL we may restart -------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of our own in ``root``, listening on 127.0.0.1 only, started and stopped with pg_ctl.

    The system PostgreSQL is never touched: this one has its own data directory and a free port.
    """

    def __init__(self, root: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import pgserver
            from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

        self.bin = Path(pgserver.__file__).parent / "pginstall" / "bin"
        self.pgdata = root / "pgdata"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.user: str | None = None
        root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root; pgserver's own user runs it
            self.user = "pgserver"
            ensure_user_exists(self.user)
            root.chmod(0o755)
            ensure_prefix_permissions(root)
        self.pgdata.mkdir()
        self.log.touch()
        if self.user:
            shutil.chown(self.pgdata, self.user, self.user)
            shutil.chown(self.log, self.user, self.user)
        self._run("initdb", "-D", str(self.pgdata), "--auth=trust", "--encoding=utf8", "-U", "postgres", timeout=120)
        with open(self.pgdata / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nlisten_addresses = '{HOST}'\nport = {self.port}\nunix_socket_directories = ''\nmax_connections = 200\n")

    def _run(self, program: str, *args: str, timeout: float) -> None:
        result = subprocess.run(
            [str(self.bin / program), *args], user=self.user, capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise ServerError(f"{program} {' '.join(args)} failed: {result.stderr}\n{self.log.read_text(errors='replace')[-3000:]}")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.log), "-w", "-t", "60", "start", timeout=90)

    def stop(self) -> None:
        """Fast shutdown: open transactions are rolled back and clients are disconnected."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "stop", timeout=90)

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.log), "-m", "fast", "-w", "-t", "60", "restart", timeout=150)

    def running(self) -> bool:
        status = subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.pgdata), "status"], user=self.user, capture_output=True, check=False)
        return status.returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


# --- greenledger serve ----------------------------------------------------------------------------


def ledger_home(root: Path) -> Path:
    """A LEDGER_HOME holding the fixed checkpoint and operator keys, so the tests know the verifier key."""
    home = root / "home"
    (home / "keys").mkdir(parents=True, exist_ok=True)
    (home / "keys" / "checkpoint.pem").write_bytes(private_key_to_pem(CHECKPOINT_KEY))
    (home / "keys" / "operator.pem").write_bytes(private_key_to_pem(OPERATOR_KEY))
    return home


def ledger_env(home: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(LEDGER_HOME=str(home), DATABASE_URL=database_url, LEDGER_ORIGIN=ORIGIN)
    # The rate limiter runs but does not bind: twenty submitters and the checks share one operator token.
    env["LEDGER_RATE_LIMIT"] = "10000000 per minute"
    env.pop("LEDGER_KEY_PASSPHRASE", None)
    return env


class LedgerServer:
    """``greenledger serve`` (gunicorn, gthread workers) on a free port of 127.0.0.1."""

    def __init__(self, root: Path, env: dict[str, str], *, name: str, workers: int = 2, threads: int = 4) -> None:
        self.root, self.env, self.name = root, env, name
        self.workers, self.threads = workers, threads
        self.port = 0
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> "LedgerServer":
        for attempt in range(3):
            self.port = free_port()
            argv = [_executable("greenledger"), "serve", "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers), "--threads", str(self.threads)]
            self.process = ManagedProcess(argv, env=self.env, cwd=self.root, log_path=self.root / f"{self.name}-{attempt}.log")
            try:
                wait_http_ok(self.port, "/readyz", self.process, 180)
                TOKENS[self.url] = {OPERATOR_ID: self.issue_token(OPERATOR_ID)}
                return self
            except ServerError:
                log = self.process.log_path.read_text(errors="replace")
                self.process.stop(5)
                if "Address already in use" not in log or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def issue_token(self, party: str) -> str:
        """A new API token for ``party``: ``greenledger tokens issue`` run beside the server, as an operator would."""
        done = subprocess.run(
            [_executable("greenledger"), "tokens", "issue", party, "--label", "fault tests"],
            env=self.env, cwd=self.root, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the children of the master (``serve`` runs gunicorn in-process)."""
        assert self.process is not None
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == self.process.pid:
                    children.append(int(entry.name))
        return children

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(20)
            self.process = None

    def log_tail(self, lines: int = 60) -> str:
        if self.process is None:
            return ""
        return "\n".join(self.process.log_path.read_text(errors="replace").splitlines()[-lines:])


# --- submitters -----------------------------------------------------------------------------------


def http_call(url: str, method: str, path: str, body: bytes | None = None, *, party: str = OPERATOR_ID) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection; transport failures raise OSError (or http.client errors)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers_for(url, party))
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def get_json(url: str, path: str) -> Any:
    status, _, raw = http_call(url, "GET", path)
    assert status == 200, (path, status, raw[:500])
    return json.loads(raw)


def signed_registrations(tag: str, submitters: int, each: int) -> list[list[dict[str, Any]]]:
    """``submitters`` lists of ``each`` signed ``party.registered`` entries, every one a new party."""
    return [
        [
            make_envelope(
                entry_type="party.registered",
                signer=OPERATOR_ID,
                key=OPERATOR_KEY,
                payload=party_payload(f"{tag}-{s:02d}-{i:02d}", ["lender"], party_key(f"{tag}-{s:02d}-{i:02d}")),
                nonce=f"{tag}-{s:02d}-{i:02d}",
            )
            for i in range(each)
        ]
        for s in range(submitters)
    ]


@dataclass
class Outcomes:
    """What the submitters saw, shared between their threads."""

    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)  # nonce -> first receipt
    refused: list[str] = field(default_factory=list)  # transport failures (connection refused, reset, timeout)
    unavailable: int = 0  # 503 problem+json answers
    unexpected: list[str] = field(default_factory=list)  # anything else: a test failure
    served: dict[str, int] = field(default_factory=dict)  # server URL -> receipts it gave
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged(self) -> int:
        with self.lock:
            return len(self.receipts)


def submit_until_acknowledged(urls: Sequence[str], body: dict[str, Any], outcomes: Outcomes, *, first: int = 0, retry: bool = True) -> None:
    """POST ``body`` until a receipt comes back, resending the very same bytes (same nonce) after a
    refused connection or a 503, each time to the next server of ``urls``.

    :param retry: False for a client that gives up after one failed attempt (its entry may or may
        not have been appended: the checks then require it to be whole if it is there).
    """
    raw = json.dumps(body).encode()
    nonce = body["envelope"]["nonce"]
    deadline = time.monotonic() + LOAD_DEADLINE
    attempt = first
    while time.monotonic() < deadline:
        url = urls[attempt % len(urls)]
        attempt += 1
        try:
            status, headers, answer = http_call(url, "POST", "/v1/entries", raw)
        except (OSError, http.client.HTTPException) as exc:
            with outcomes.lock:
                outcomes.refused.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.2)
            if not retry:
                return
            continue
        if status in (200, 201):
            with outcomes.lock:
                outcomes.receipts[nonce] = json.loads(answer)
                outcomes.served[url] = outcomes.served.get(url, 0) + 1
            return
        if status == 503:
            try:
                problem = json.loads(answer)
            except ValueError:
                problem = {}
            ok = headers.get("content-type") == "application/problem+json" and "retry-after" in headers and problem.get("status") == 503
            with outcomes.lock:
                outcomes.unavailable += 1
                if not ok:
                    outcomes.unexpected.append(f"503 without problem+json and Retry-After: {headers} {answer[:300]!r}")
            time.sleep(min(float(headers.get("retry-after", "1")), 1.0))
            if not retry:
                return
            continue
        with outcomes.lock:
            outcomes.unexpected.append(f"{nonce}: {status} {answer[:500]!r}")
        return
    with outcomes.lock:
        outcomes.unexpected.append(f"{nonce}: no receipt within {LOAD_DEADLINE:.0f} s")


def run_submitters(urls: Sequence[str], work: list[list[dict[str, Any]]], outcomes: Outcomes, impatient: Sequence[dict[str, Any]] = ()) -> list[threading.Thread]:
    """Start one thread per list of ``work``, submitter ``s`` starting on server ``s`` (round robin),
    and one more that sends each of ``impatient`` once and never retries."""

    def submitter(s: int, bodies: list[dict[str, Any]], retry: bool) -> None:
        for body in bodies:
            submit_until_acknowledged(urls, body, outcomes, first=s, retry=retry)

    jobs = [(s, bodies, True) for s, bodies in enumerate(work)] + ([(len(work), list(impatient), False)] if impatient else [])
    threads = [threading.Thread(target=submitter, args=job, name=f"submitter-{job[0]}", daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    return threads


def join_all(threads: Sequence[threading.Thread]) -> None:
    for thread in threads:
        thread.join(LOAD_DEADLINE + REQUEST_TIMEOUT + 10)
        assert not thread.is_alive(), f"{thread.name} still running"


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what} after {timeout:.0f} s"
        time.sleep(0.05)


# --- what must hold after every fault -------------------------------------------------------------


def all_entries(url: str) -> Iterator[dict[str, Any]]:
    after: int | None = None
    while True:
        page = get_json(url, "/v1/entries?limit=1000" + (f"&after={after}" if after is not None else ""))
        yield from page["items"]
        if page["next"] is None:
            return
        after = page["next"]


@dataclass
class LogFigures:
    acknowledged: int
    found: int
    tree_size: int
    #: Entries sent once and never acknowledged (connection lost or 503), and how many of them were appended anyway.
    unacknowledged: int = 0
    unacknowledged_found: int = 0


def check_log(
    urls: Sequence[str], work: list[list[dict[str, Any]]], outcomes: Outcomes, database_url: str, impatient: Sequence[dict[str, Any]] = ()
) -> LogFigures:
    """Every acknowledged receipt is in the log and its proof verifies against the final checkpoint,
    the indices have no gap, the log holds nothing that was not submitted, and no entry is
    half-written: each one, acknowledged or not, is whole in the tree, the tables and the projections.

    :returns: how many entries were acknowledged and found.
    """
    assert not outcomes.unexpected, outcomes.unexpected[:10]
    # A lost connection is fine (a worker died); a request left unanswered until the timeout is not.
    assert not [r for r in outcomes.refused if "timed out" in r or "Timeout" in r], outcomes.refused[:10]
    submitted = {b["envelope"]["nonce"]: b for bodies in work for b in bodies}
    assert set(submitted) <= set(outcomes.receipts), "every patient submitter was to retry until acknowledged"
    submitted.update({b["envelope"]["nonce"]: b for b in impatient})
    url = urls[0]

    note = http_call(url, "GET", "/v1/checkpoint")[2].decode()
    final = verify_checkpoint(note, VERIFIER_KEY)
    info = get_json(url, "/v1/log")
    assert info["verifier_key"] == VERIFIER_KEY and info["origin"] == ORIGIN
    for other in urls[1:]:
        assert http_call(other, "GET", "/v1/checkpoint")[2].decode() == note, "the servers disagree on the log"
    entries = list(all_entries(url))
    assert [e["record"]["index"] for e in entries] == list(range(len(entries))), "indices have a gap or repeat"
    assert len(entries) == final.tree_size == info["tree_size"]

    # Genesis, then only what was submitted, each acknowledged entry exactly once.
    by_nonce = {e["record"]["envelope"]["nonce"]: e for e in entries[1:]}
    assert len(by_nonce) == len(entries) - 1, "a nonce appears twice"
    assert set(by_nonce) <= set(submitted), "the log holds entries nobody submitted"
    assert set(outcomes.receipts) <= set(by_nonce), "an acknowledged entry is missing from the log"

    consistent: set[int] = set()
    for nonce, entry in by_nonce.items():
        assert entry["record"]["envelope"] == submitted[nonce]["envelope"]
        assert entry["record"]["signature"] == submitted[nonce]["signature"]
        index = entry["record"]["index"]
        receipt = outcomes.receipts.get(nonce)
        if receipt is not None:
            # The receipt proves the entry against its own checkpoint, a prefix of the final one.
            assert entry["leaf_hash"] == receipt["leaf_hash"] and receipt["index"] == index
            verified = verify_receipt(receipt, VERIFIER_KEY, record=entry["record"])
            size = verified.checkpoint.tree_size
            if size not in consistent and size < final.tree_size:
                proof = get_json(url, f"/v1/consistency-proof?first={size}&second={final.tree_size}")["proof"]
                verify_consistency(size, final.tree_size, verified.checkpoint.root_hash, final.root_hash, [b64decode(p, field="proof") for p in proof])
                consistent.add(size)
        # Every entry, acknowledged or not, is in the final tree by a fresh proof against the final checkpoint.
        latest = get_json(url, f"/v1/entries/{index}/inclusion-proof?tree_size={final.tree_size}")
        assert latest["leaf_hash"] == entry["leaf_hash"] == b64encode(leaf_hash(canonical_json(entry["record"])))
        path = [b64decode(p, field="audit_path") for p in latest["audit_path"]]
        verify_inclusion(b64decode(entry["leaf_hash"], field="leaf_hash"), index, final.tree_size, path, final.root_hash)

    # Each entry's projection exists: the party it registers, built from that entry.
    parties = {p["party"]: p for p in all_pages(url, "/v1/parties")}
    for entry in by_nonce.values():
        party = entry["record"]["envelope"]["payload"]["party"]
        assert party in parties, f"entry {entry['record']['index']} has no projection"
    recorded = [e["record"]["recorded_at"] for e in entries]
    assert recorded == sorted(recorded), "recorded_at decreases"
    check_tables(database_url, final.tree_size)
    unacknowledged = [b["envelope"]["nonce"] for b in impatient if b["envelope"]["nonce"] not in outcomes.receipts]
    return LogFigures(
        acknowledged=len(outcomes.receipts),
        found=len(set(outcomes.receipts) & set(by_nonce)),
        tree_size=final.tree_size,
        unacknowledged=len(unacknowledged),
        unacknowledged_found=sum(1 for n in unacknowledged if n in by_nonce),
    )


def check_tables(database_url: str, size: int) -> None:
    """Read the log tables directly: no row beyond the tree, every complete subtree stored, every checkpoint signed."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        count, low, high = conn.execute("SELECT count(*), min(idx), max(idx) FROM entries").fetchone()  # type: ignore[misc]
        assert (count, low, high) == (size, 0, size - 1)
        nodes = conn.execute("SELECT level, idx FROM tree_nodes").fetchall()
        assert all((idx + 1) << level <= size for level, idx in nodes), "a tree node lies beyond the log"
        assert len(nodes) == sum(size >> level for level in range(size.bit_length())), "a complete subtree is missing"
        leaves = conn.execute("SELECT count(*) FROM tree_nodes n JOIN entries e ON n.level = 0 AND n.idx = e.idx AND n.hash = e.leaf_hash").fetchone()
        assert leaves == (size,), "a leaf node does not match its entry"
        for tree_size, root, note in conn.execute("SELECT tree_size, root_hash, note FROM checkpoints"):
            checkpoint = verify_checkpoint(note, VERIFIER_KEY)
            assert (checkpoint.tree_size, checkpoint.root_hash) == (tree_size, bytes(root)) and tree_size <= size
        assert conn.execute("SELECT max(tree_size) FROM checkpoints").fetchone() == (size,)


def all_pages(url: str, path: str) -> Iterator[dict[str, Any]]:
    after: Any = None
    while True:
        page = get_json(url, f"{path}?limit=1000" + (f"&after={after}" if after is not None else ""))
        yield from page["items"]
        if page.get("next") is None:
            return
        after = page["next"]


def check_retries_replay(urls: Sequence[str], work: list[list[dict[str, Any]]], outcomes: Outcomes) -> None:
    """Every acknowledged envelope sent again, to a random server, gets 200 and its first receipt's index."""
    rng = random.Random(6)
    for bodies in work:
        for body in bodies[:2]:
            status, _, raw = http_call(rng.choice(list(urls)), "POST", "/v1/entries", json.dumps(body).encode())
            assert status == 200, raw[:300]
            again = json.loads(raw)
            first = outcomes.receipts[body["envelope"]["nonce"]]
            assert (again["index"], again["leaf_hash"]) == (first["index"], first["leaf_hash"])


def export_and_verify(env: dict[str, str], root: Path) -> str:
    """``greenledger export`` then the offline ``greenledger verify`` on the bundle; :returns: its output."""
    bundle = root / "bundle.jsonl"
    export = subprocess.run([_executable("greenledger"), "export", str(bundle)], env=env, cwd=root, capture_output=True, text=True, timeout=180)
    assert export.returncode == 0, export.stderr[-2000:]
    verify = subprocess.run(
        [_executable("greenledger"), "verify", str(bundle), "--origin", ORIGIN, "--key", VERIFIER_KEY, "--json"],
        env=env, cwd=root, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr[-2000:]
    outcome = json.loads(verify.stdout)
    assert outcome["ok"] is True
    return verify.stdout.strip()
