"""Replica-reads benchmark: proofs and reports read from a streaming replica while single appends load the
primary, against the same reads on the primary alone under the same load, in the same run.

``bench.replication`` starts a PostgreSQL primary and a hot standby of it. ``greenledger serve`` runs with
``DATABASE_URL`` = the primary and, in the replica rounds, ``LEDGER_READ_DATABASE_URL`` = the standby; in
the baseline rounds the same server, home and database without it (the standby keeps replaying, so both
kinds of round run on the same machine with the same processes). The demo programme is loaded once, on
the primary. In each round a forked process runs the single-append load (``bench.load.run_load``, its own
interpreter, so its client threads never hold the GIL the measuring thread needs) while this process
sends interleaved GETs on one keep-alive connection: inclusion proofs at the tree size the replica was
seen to hold before the first round (seeded random indices, the same in every round), the summary report
and a park report.

Checked: every proof verifies (``ledger.merkle``) against the checkpoint signed at that size; the log grows
by exactly the appends acknowledged; the standby's own transaction counter (``pg_stat_database``) grows by
at least one per timed read in a replica round and by next to nothing in a baseline round, so the replica
really served; and the summary report's tree size beside the primary's checkpoint read just before it
shows how far behind the replica was.
"""

from __future__ import annotations

import base64
import json
import math
import multiprocessing
import random
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import load
from bench.append import _tree_size
from bench.growth import loadavg
from bench.load import LoadResult
from bench.registry import Context, benchmark
from bench.replication import StreamingReplica, connect, transactions, wait_for_tree_size
from bench.report import BenchResult, Figure
from bench.reports import _Client
from bench.servers import HOST, LedgerServer, ManagedProcess, _executable, _tail, cpu_seconds, postgres_pids
from bench.workload import OPERATOR_ID, Workload
from ledger.crypto.checkpoint import Checkpoint, verify_checkpoint
from ledger.errors import LedgerError
from ledger.merkle.proofs import verify_inclusion

SEED = 2026
DATABASE = "greenledger_replicated"
#: The kinds of read, in the order one read round sends them (proofs several times: their p99 is a figure).
PROOF, SUMMARY, PARK = "inclusion proof", "summary report", "park report"
KINDS = (PROOF, SUMMARY, PARK)


class ReplicaReadServer(LedgerServer):
    """``greenledger serve`` on a given home and the primary, reading from ``replica_url`` when one is given.

    The home and the databases outlive it: every round serves the same log (``bench.replication`` owns
    the PostgreSQL servers and stops them).
    """

    def __init__(self, home: Path, primary_url: str, replica_url: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.home = home
        self.primary_url = primary_url
        self.replica_url = replica_url

    def _prepare(self, env: dict[str, str]) -> None:
        self.home.mkdir(exist_ok=True)
        self._home_environment(env)
        env["DATABASE_URL"] = self.primary_url
        if self.replica_url:
            env["LEDGER_READ_DATABASE_URL"] = self.replica_url
            self.info["database"] = "DATABASE_URL = the bench's primary, LEDGER_READ_DATABASE_URL = its streaming replica"
        else:
            env.pop("LEDGER_READ_DATABASE_URL", None)
            self.info["database"] = "DATABASE_URL = the bench's primary only"

    def _cleanup(self) -> None:
        """Nothing of its own to stop: its databases are the bench's primary and standby."""


def run_demo(server: ReplicaReadServer, args: list[str], timeout: float) -> tuple[float, str]:
    """``greenledger ARGS`` against the server's home and primary, to completion; (wall seconds, output)."""
    env = {k: v for k, v in server.env.items() if k != "LEDGER_READ_DATABASE_URL"}
    log_path = server.tmp / "cli-demo.log"
    start = time.monotonic()
    process = ManagedProcess([_executable("greenledger"), *args], env=env, cwd=server.tmp, log_path=log_path)
    process.finish(timeout, f"greenledger {' '.join(args)}")
    elapsed = time.monotonic() - start
    process.stop(5)
    output = log_path.read_text(errors="replace")
    if process.proc.returncode != 0:
        raise RuntimeError(f"greenledger {' '.join(args)} exited with {process.proc.returncode}:\n{_tail(log_path)}")
    return elapsed, output


class BackgroundLoad:
    """``bench.load.run_load`` of single appends in a forked process, so that its client threads and this
    process's measuring thread do not share one GIL. Always stopped: leaving the block terminates it."""

    def __init__(self, port: int, bodies: Sequence[load.Body], *, clients: int, duration: float) -> None:
        self.duration = duration
        context = multiprocessing.get_context("fork")  # the pre-signed bodies reach the child without pickling
        self._receive, send = context.Pipe(duplex=False)

        def target() -> None:
            send.send(load.run_load(HOST, port, "/v1/entries", bodies, clients=clients, duration=duration))

        self.process = context.Process(target=target, name="single-append-load", daemon=True)

    def __enter__(self) -> BackgroundLoad:
        self.process.start()
        self.started = time.perf_counter()
        return self

    def result(self) -> LoadResult:
        """Wait for the run to end and return it.

        :raises RuntimeError: when the load process ends without a result or hangs.
        """
        if not self._receive.poll(self.duration + 90):
            raise RuntimeError(f"the single-append load gave no result {self.duration + 90:.0f} s after it started")
        try:
            run: LoadResult = self._receive.recv()
        except EOFError:
            raise RuntimeError(f"the single-append load process exited with {self.process.exitcode} and no result") from None
        self.process.join(30)
        return run

    def __exit__(self, *exc: object) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self._receive.close()


@dataclass
class Round:
    """What one round measured: its server read from the replica (``config`` "replica") or the primary only."""

    name: str
    config: str
    reads: dict[str, LoadResult] = field(default_factory=lambda: {kind: LoadResult() for kind in KINDS})
    appends: LoadResult = field(default_factory=LoadResult)
    #: (the primary's checkpoint size read just before a summary report, the report's tree size).
    report_sizes: list[tuple[int, int]] = field(default_factory=list)
    #: The bodies of the inclusion proofs answered, to check after the round.
    proofs: list[bytes] = field(default_factory=list)
    #: Transactions the standby counted from before the server started to after it stopped.
    replica_transactions: int = 0
    #: Whether the demo was loaded in this round (its wait for the replica queried the standby too).
    set_up: bool = False
    cpu_s: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Setup:
    """What every round reads: proofs at ``checkpoint``'s size (the replica holds it) in ``plan``'s order."""

    checkpoint: Checkpoint
    plan: list[list[tuple[str, str]]]


def read_plan(indices: Sequence[int], tree_size: int, park: str, proofs_per_round: int) -> list[list[tuple[str, str]]]:
    """Read rounds of (kind, path): ``proofs_per_round`` inclusion proofs at ``tree_size`` (for the next
    indices), then the summary report, then the park report's."""
    rounds = []
    for start in range(0, len(indices) - proofs_per_round + 1, proofs_per_round):
        rounds.append(
            [(PROOF, f"/v1/entries/{i}/inclusion-proof?tree_size={tree_size}") for i in indices[start : start + proofs_per_round]]
            + [(SUMMARY, "/v1/reports/summary"), (PARK, f"/v1/reports/parks/{quote(park, safe='/')}")]
        )  # fmt: skip
    return rounds


def lag_summary(sizes: Sequence[tuple[int, int]]) -> dict[str, int]:
    """How far reports trailed the primary, from (primary checkpoint size just before, report tree size) pairs.

    :returns: how many reports, how many were behind (on a smaller tree than the primary had already
        checkpointed), by how many entries at most, and the median lag of those behind.
    """
    behind = sorted(before - got for before, got in sizes if got < before)
    return {
        "reports": len(sizes),
        "behind": len(behind),
        "max_entries_behind": behind[-1] if behind else 0,
        "median_entries_behind": behind[(len(behind) - 1) // 2] if behind else 0,
    }


def pooled(runs: Sequence[LoadResult]) -> LoadResult:
    """One run holding the requests of ``runs`` (rounds of the same configuration)."""
    out = LoadResult()
    for run in runs:
        out.sent += run.sent
        out.accepted += run.accepted
        out.elapsed_s += run.elapsed_s
        out.latencies.extend(run.latencies)
        out.failures.update(run.failures)
        out.samples.extend(run.samples)
    return out


def _checkpoint(client: _Client, verifier_key: str) -> Checkpoint:
    status, note, _ = client.get("/v1/checkpoint")
    if status != 200:
        raise RuntimeError(f"GET /v1/checkpoint answered {status}")
    return verify_checkpoint(note.decode(), verifier_key)


def _read_while_loaded(client: _Client, plan: list[list[tuple[str, str]]], until: float, measured: Round) -> int:
    """Send the plan's read rounds until ``until`` (a ``perf_counter`` time); :returns: read rounds sent."""
    sent = 0
    start = time.perf_counter()
    for requests in plan:
        if time.perf_counter() >= until:
            break
        sent += 1
        for kind, path in requests:
            before = None
            if kind == SUMMARY:  # the primary's size just before, untimed: how far the report trails it
                status, note, _ = client.get("/v1/checkpoint")
                before = int(note.split(b"\n")[1]) if status == 200 else None
            status, data, elapsed = client.get(path)
            run = measured.reads[kind]
            run.sent += 1
            if status != 200:
                run.failures[str(status) if status is not None else data.decode().split(":")[0]] += 1
                run.samples.append(f"{measured.name}: {path}: {status}: {data[:300].decode(errors='replace')}")
                continue
            run.accepted += 1
            run.latencies.append(elapsed)
            if kind == PROOF:
                measured.proofs.append(data)
            elif kind == SUMMARY and before is not None:
                measured.report_sizes.append((before, int(json.loads(data)["report"]["tree_size"])))
    for run in measured.reads.values():
        run.elapsed_s = time.perf_counter() - start
    return sent


def _cpu(server: ReplicaReadServer, servers: StreamingReplica) -> dict[str, float]:
    """CPU seconds so far of the gunicorn processes, the primary and the standby."""
    return {
        "app": cpu_seconds([server.process.pid]) if server.process else 0.0,
        "primary_postgres": cpu_seconds(postgres_pids(servers.primary_dir)),
        "replica_postgres": cpu_seconds(postgres_pids(servers.standby_dir)),
    }


@benchmark(
    "replica-reads",
    description="inclusion-proof (p50/p99) and report (p50) latency from a streaming replica under the single-append "
    "load on the primary, vs the same reads from the primary alone under the same load",
    quick={
        "projects": 100, "loans": 100, "tranches": 2, "load_timeout": 300.0, "clients": 16, "duration": 6.0,
        "lead": 0.5, "rounds": ["replica", "primary"], "warmup_appends": 100, "warmup_duration": 2.0, "warmup_reads": 2, "proofs_per_round": 4,
    },
    full={
        "projects": 2000, "loans": 10_000, "tranches": 12, "load_timeout": 3600.0, "clients": 16, "duration": 30.0,
        "lead": 1.0, "rounds": ["replica", "primary", "primary", "replica"], "warmup_appends": 1000, "warmup_duration": 5.0, "warmup_reads": 3,
        "proofs_per_round": 4,
    },
)  # fmt: skip
def replica_reads(ctx: Context) -> BenchResult:
    p = ctx.params
    result = BenchResult(ctx.name)
    result.details["params"] = p
    rounds: list[Round] = []
    setup: Setup | None = None
    root = Path(tempfile.mkdtemp(prefix="greenledger-bench-replica-"))
    servers = StreamingReplica(root)
    try:
        with servers:
            t0 = time.monotonic()
            primary_url = servers.start_primary(DATABASE)
            replica_url = servers.start_standby()
            ctx.say(f"primary and streaming replica started in {time.monotonic() - t0:.1f} s")
            work = Workload(signers=2)  # each signer's token costs a CLI run; two keep the set-up short
            token = ""
            for number, config in enumerate(p["rounds"], start=1):
                name = f"round {number} ({config})"
                counted_before = transactions(replica_url)
                server = ReplicaReadServer(root / "home", primary_url, replica_url if config == "replica" else None)
                if token:
                    server._tokens[OPERATOR_ID] = token  # tokens live in the database every round shares
                with server:
                    ctx.say(f"{name}: greenledger serve ready on port {server.port} in {server.info['startup_s']} s ({server.info['database']})")
                    if setup is None:  # the first round loads the demo and fixes what every round reads
                        token = server.issue_token(OPERATOR_ID)
                        setup = _set_up(ctx, result, server, replica_url, work, token)
                        measured = Round(name, config, set_up=True)
                    else:
                        measured = Round(name, config)
                    _round(ctx, result, server, servers, work, token, setup, measured)
                # The standby's backends report their counts as they exit, so count after the server stopped.
                measured.replica_transactions = transactions(replica_url) - counted_before
                rounds.append(measured)
                result.details[f"{name} server"] = dict(server.info)
                result.errors.extend(server.problems)
                ctx.say(f"{name}: the standby counted {measured.replica_transactions:,} transactions during it")
    finally:
        result.errors.extend(servers.problems)
        shutil.rmtree(root, ignore_errors=True)
    if setup is None:
        raise RuntimeError("no round ran")
    _check(result, rounds, setup.checkpoint)
    _figures(ctx, result, rounds, setup.checkpoint.tree_size)
    return result


def _set_up(ctx: Context, result: BenchResult, server: ReplicaReadServer, replica_url: str, work: Workload, token: str) -> Setup:
    """Load the demo on the primary, register the signers, wait for the replica, and fix the reads."""
    p = ctx.params
    args = ["demo", "--projects", str(p["projects"]), "--loans", str(p["loans"]), "--tranches", str(p["tranches"])]
    load_s, output = run_demo(server, args, p["load_timeout"])
    loaded = re.search(r"(\d+) entries (loaded|already present)", output)
    if not loaded:
        result.errors.append(f"greenledger demo printed no entry count: {output[-300:]!r}")
    work.register_signers(server)
    with connect(server.primary_url) as connection:  # so that no round inherits autovacuum's or a checkpoint's work on the demo
        connection.execute("VACUUM (ANALYZE)")
        connection.execute("CHECKPOINT")
    client = _Client(server.port, timeout=120.0, token=token)
    try:
        checkpoint = _checkpoint(client, client.json("/v1/log")["verifier_key"])
        parks = sorted(item["park_id"] for item in client.json("/v1/parks?limit=1000")["items"])
    finally:
        client.close()
    size = checkpoint.tree_size
    waited = wait_for_tree_size(replica_url, size, timeout=120)
    with connect(replica_url) as connection:
        connection.execute("CHECKPOINT")  # on a standby, a restartpoint: its copy of the demo written out too
    ctx.say(f"demo: {loaded.group(1) if loaded else '?'} entries in {load_s:.1f} s; log size {size:,} (checkpoint "
            f"signature checked), on the replica {waited:.2f} s later")  # fmt: skip
    rng = random.Random(SEED)
    park = rng.choice(parks)
    # More proofs than a round can send in its time: a round ends at its deadline, not at the plan's end.
    indices = [rng.randrange(size) for _ in range(p["proofs_per_round"] * 5000)]
    result.details["demo"] = {"args": args, "load_s": round(load_s, 2), "tree_size": size, "replica_caught_up_s": round(waited, 2)}
    result.details["subjects"] = {"proof_tree_size": size, "park": park}
    return Setup(checkpoint, read_plan(indices, size, park, p["proofs_per_round"]))


def _round(
    ctx: Context, result: BenchResult, server: ReplicaReadServer, servers: StreamingReplica, work: Workload, token: str,
    setup: Setup, measured: Round,
) -> None:  # fmt: skip
    """Warm up, then time the reads while the single-append load runs; the log must grow by what was acknowledged."""
    p = ctx.params
    name = measured.name
    client = _Client(server.port, timeout=120.0, token=token)
    try:
        warm = load.run_load(HOST, server.port, "/v1/entries", work.bodies(p["warmup_appends"]), clients=p["clients"], duration=p["warmup_duration"])
        result.runs[f"{name}: append warm-up"] = warm.summary()
        result.runs[f"{name}: read warm-up"] = client.measure([path for _, path in setup.plan[0]], warmup=0, rounds=p["warmup_reads"]).summary()
        # Bodies for the whole run at twice the warm-up's rate, as single-append signs them.
        bodies = work.bodies(min(100_000, max(2_000, math.ceil(warm.throughput * p["duration"] * 2))))
        size_before = _tree_size(server)
        cpu0 = _cpu(server, servers)
        load_before = loadavg()
        with BackgroundLoad(server.port, bodies, clients=p["clients"], duration=p["duration"]) as background:
            time.sleep(p["lead"])  # every client under way before the first timed read
            client.close()  # gunicorn drops a keep-alive connection idle for 2 s, as it was while bodies were signed
            client.get("/healthz")
            sent = _read_while_loaded(client, setup.plan, background.started + p["duration"] - p["lead"], measured)
            measured.appends = background.result()
        cpu1 = _cpu(server, servers)
        size_after = _tree_size(server)
    finally:
        client.close()
    appends = measured.appends
    measured.cpu_s = {k: round(cpu1[k] - cpu0[k], 2) for k in cpu1}
    summary = appends.summary()
    summary.update({"cpu_s": measured.cpu_s, "tree_size_before": size_before, "tree_size_after": size_after, "load": [load_before, loadavg()]})
    result.runs[f"{name}: single appends ({p['clients']} clients)"] = summary
    if size_after - size_before != appends.accepted:
        result.errors.append(f"{name}: the log grew by {size_after - size_before} entries but {appends.accepted} appends were acknowledged")
    for kind, run in measured.reads.items():
        result.runs[f"{name}: {kind}s"] = run.summary()
    result.runs[f"{name}: {SUMMARY}s"]["lag"] = lag_summary(measured.report_sizes)
    proofs, summaries = measured.reads[PROOF], measured.reads[SUMMARY]
    ctx.say(f"{name}: {sent} read rounds beside {appends.accepted:,} appends ({appends.throughput:.0f}/s, p99 "
            f"{appends.latency_ms(99):.0f} ms); proof p50 {proofs.latency_ms(50):.1f} ms p99 {proofs.latency_ms(99):.1f} ms, "
            f"summary p50 {summaries.latency_ms(50):.1f} ms; CPU s {measured.cpu_s} (load {loadavg()})")  # fmt: skip


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _check(result: BenchResult, rounds: list[Round], checkpoint: Checkpoint) -> None:
    """Every proof verifies against the signed checkpoint; the replica served the replica rounds' reads and
    none of the primary-only rounds'; a report from the primary never trails the primary."""
    checks = LoadResult()
    for measured in rounds:
        for body in measured.proofs:
            checks.sent += 1
            proof = json.loads(body)
            try:
                if proof["tree_size"] != checkpoint.tree_size:
                    raise LedgerError(f"a proof at tree size {proof['tree_size']}, not {checkpoint.tree_size}")
                verify_inclusion(_b64(proof["leaf_hash"]), proof["index"], checkpoint.tree_size, [_b64(h) for h in proof["audit_path"]], checkpoint.root_hash)
                checks.accepted += 1
            except (LedgerError, KeyError, ValueError) as exc:
                checks.failures["inclusion proof"] += 1
                checks.samples.append(f"{measured.name}: index {proof.get('index')}: {type(exc).__name__}: {exc}")
        measured.proofs.clear()
        timed = sum(run.accepted for run in measured.reads.values())
        if measured.config == "replica" and measured.replica_transactions < timed:
            result.errors.append(f"{measured.name}: the standby counted {measured.replica_transactions} transactions for {timed} timed reads: the replica did not serve them")
        if measured.config == "primary" and not measured.set_up and measured.replica_transactions > 10:
            result.errors.append(f"{measured.name}: the standby counted {measured.replica_transactions} transactions while no server read it")
        if measured.config == "primary" and lag_summary(measured.report_sizes)["behind"]:
            result.errors.append(f"{measured.name}: a summary report from the primary trailed the primary's checkpoint")
    result.runs["proofs checked with ledger.merkle"] = checks.summary()
    if checks.failed:
        result.errors.append(f"{checks.failed} of {checks.sent} proofs did not verify, e.g. {checks.samples[:2]}")


def _figures(ctx: Context, result: BenchResult, rounds: list[Round], tree_size: int) -> None:
    p = ctx.params
    by = {config: [r for r in rounds if r.config == config] for config in ("replica", "primary")}
    reads = {config: {kind: pooled([r.reads[kind] for r in rs]) for kind in KINDS} for config, rs in by.items()}
    appends = {config: pooled([r.appends for r in rs]) for config, rs in by.items()}
    ours, base = reads["replica"], reads["primary"]
    same = "primary alone, same load"
    where = f"{p['clients']} clients appending, proofs at tree size {tree_size:,}"
    result.figures += [
        Figure(f"inclusion proof p50 from the replica ({where})", ours[PROOF].latency_ms(50), "ms", base[PROOF].latency_ms(50), same),
        Figure(f"inclusion proof p99 from the replica ({where})", ours[PROOF].latency_ms(99), "ms", base[PROOF].latency_ms(99), same),
        Figure("summary report p50 from the replica", ours[SUMMARY].latency_ms(50), "ms", base[SUMMARY].latency_ms(50), same),
        Figure("park report p50 from the replica", ours[PARK].latency_ms(50), "ms", base[PARK].latency_ms(50), same),
        Figure("single appends beside the replica reads", appends["replica"].throughput, "entries/s", appends["primary"].throughput, "beside the same reads on the primary"),
        Figure("single append p99 beside the replica reads", appends["replica"].latency_ms(99), "ms", appends["primary"].latency_ms(99), "beside the same reads on the primary"),
    ]  # fmt: skip
    lag = {config: lag_summary([s for r in rs for s in r.report_sizes]) for config, rs in by.items()}
    counted = {config: sum(r.replica_transactions for r in rs) for config, rs in by.items()}
    timed = {config: sum(reads[config][kind].accepted for kind in KINDS) for config in by}
    result.figures += [
        Figure("transactions the standby counted in the replica rounds", counted["replica"], "xacts", None,
               f"{timed['replica']:,} timed reads; {counted['primary']} counted in the primary-only rounds"),
        Figure("summary reports trailing the primary's checkpoint (replica)", lag["replica"]["behind"], f"of {lag['replica']['reports']}", None,
               f"by at most {lag['replica']['max_entries_behind']} entries (median {lag['replica']['median_entries_behind']}); "
               f"primary only: {lag['primary']['behind']} of {lag['primary']['reports']}"),
    ]  # fmt: skip
    result.details["lag"] = lag
    result.details["cpu_s"] = {r.name: r.cpu_s for r in rounds}
    ctx.say("replica / primary: " + ", ".join(
        f"{kind} p50 {ours[kind].latency_ms(50) / base[kind].latency_ms(50):.3f}" for kind in KINDS
    ) + f", proof p99 {ours[PROOF].latency_ms(99) / base[PROOF].latency_ms(99):.3f}")  # fmt: skip
