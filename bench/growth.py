"""Growth benchmark: single and batch append throughput through HTTP at log sizes 1k, 100k and 1M entries.

Each size gets a fresh ``greenledger serve`` whose log is first filled by ``greenledger demo`` (the
service's own batch path, signed entries, as the reports and verify benchmarks load theirs): growing a
log to a million entries through HTTP single appends would take hours. Then, through the real gunicorn
server, the same measurements as single-append (32 keep-alive clients, ``POST /v1/entries``) and
batch-append (``POST /v1/entries/batch`` of 1,000 entries, one client). The figure is the throughput at
each size against the smallest size's throughput from the same run (goal: >= 0.9x at 1M).

The largest demo log is kept (its ``LEDGER_HOME`` and database, not its server) for the proofs
benchmark when that runs later in the same process (``take_demo_log``); whatever is kept is removed
when the process exits.
"""

from __future__ import annotations

import atexit
import math
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench import load
from bench.append import _cpu_delta, _tree_size
from bench.registry import Context, benchmark
from bench.report import BenchResult, Figure
from bench.reports import run_cli
from bench.servers import HOST, ExternalDatabase, LedgerServer, server_cpu
from bench.workload import Workload, receipts_in

#: ``greenledger demo`` arguments per nominal log size (entries in the demo, the genesis entry not counted).
DEMO_ARGS: dict[str, tuple[int, int, int]] = {
    "1k": (100, 100, 2),  # 1,028 entries
    "10k": (200, 1000, 5),  # 10,040
    "100k": (2000, 4600, 12),  # 101,724
    "1M": (2000, 49_000, 12),  # 998,761
}


def demo_argv(size: str) -> list[str]:
    projects, loans, tranches = DEMO_ARGS[size]
    return ["demo", "--projects", str(projects), "--loans", str(loans), "--tranches", str(tranches)]


def loadavg() -> str:
    """The 1-minute load average, as ``uptime`` shows it (the machine is shared)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # pragma: no cover - not on Linux
        return "?"


class DemoLogServer(LedgerServer):
    """``greenledger serve`` on a LEDGER_HOME (and database) that can outlive it, to hand a built log on.

    A fresh one makes its own home; with ``home_root`` it serves a home kept by an earlier run. Unless
    ``keep`` is set before it stops, the home and any database it made are removed with it.
    """

    def __init__(self, home_root: Path | None = None, external: ExternalDatabase | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reused = home_root is not None
        self.home_root = home_root or Path(tempfile.mkdtemp(prefix="greenledger-bench-log-"))
        self.home = self.home_root / "home"
        self.external = external
        self.keep = False

    def _prepare(self, env: dict[str, str]) -> None:
        if not self.reused:
            super()._prepare(env)
            return
        self._home_environment(env)
        if self.external is not None:
            env["DATABASE_URL"] = self.external.url
            self.info["database"] = f"database {self.external.name} on DATABASE_URL, kept from an earlier benchmark"
        else:
            env.pop("DATABASE_URL", None)
            self.info["database"] = "embedded pgserver started by serve, data kept from an earlier benchmark"

    def _cleanup(self) -> None:
        try:
            self._check_postgres_stopped()
        finally:
            if not self.keep:
                _discard(self.home_root, self.external)


def _discard(home_root: Path, external: ExternalDatabase | None) -> None:
    try:
        if external is not None:
            external.drop()
    finally:
        shutil.rmtree(home_root, ignore_errors=True)


#: Demo logs kept for a later benchmark in this process: size -> (home root, database on DATABASE_URL).
_KEPT: dict[str, tuple[Path, ExternalDatabase | None]] = {}


def keep_demo_log(size: str, server: DemoLogServer) -> None:
    """Keep ``server``'s home and database once it stops, for ``take_demo_log(size)``."""
    server.keep = True
    _KEPT[size] = (server.home_root, server.external)


def take_demo_log(size: str) -> DemoLogServer | None:
    """A server (not started) on the kept demo log of ``size``, or None; the log is removed after it."""
    kept = _KEPT.pop(size, None)
    if kept is None:
        return None
    return DemoLogServer(home_root=kept[0], external=kept[1])


@atexit.register
def discard_kept_logs() -> None:
    while _KEPT:
        _, (home_root, external) = _KEPT.popitem()
        _discard(home_root, external)


def fill(ctx: Context, server: LedgerServer, size: str, timeout: float) -> dict[str, Any]:
    """Load the demo programme of ``size`` into the server's log with ``greenledger demo``."""
    args = demo_argv(size)
    load_s, output = run_cli(server, args, timeout=timeout, label=f"demo-{size}")
    loaded = re.search(r"(\d+) entries (loaded|already present)", output)
    tree = _tree_size(server)
    entries = int(loaded.group(1)) if loaded else tree - 1
    ctx.say(f"demo {size}: {entries:,} entries in {load_s:.1f} s ({entries / load_s:,.0f}/s); log size {tree:,}")
    return {"args": args, "entries": entries, "tree_size": tree, "load_s": round(load_s, 2)}


def _measure_size(ctx: Context, result: BenchResult, server: LedgerServer, size: str) -> dict[str, Any]:
    """Single-append (32 clients) then batch-append at the server's current log size."""
    p = ctx.params
    work = Workload()
    work.register_signers(server)
    warm = work.bodies(p["warmup_requests"])
    warm_batch = work.batch_bodies(1, 100)
    batches = work.batch_bodies(p["batches"], p["batch_size"])
    out: dict[str, Any] = {"load_before": loadavg()}

    warm_run = load.run_load(HOST, server.port, "/v1/entries", warm, clients=p["clients"], duration=p["warmup_duration"])
    result.runs[f"{size}: single warm-up"] = warm_run.summary()
    count = p["max_requests"] or min(200_000, max(5_000, math.ceil(warm_run.throughput * p["duration"] * 2)))
    bodies = work.bodies(count)
    size_before = _tree_size(server)
    cpu0 = server_cpu(server)
    run = load.run_load(HOST, server.port, "/v1/entries", bodies, clients=p["clients"], duration=p["duration"], max_requests=p["max_requests"])
    cpu1 = server_cpu(server)
    size_after = _tree_size(server)
    result.runs[f"{size}: single"] = summary = run.summary()
    summary.update(_cpu_delta(cpu0, cpu1, run.accepted))
    summary.update({"tree_size_before": size_before, "tree_size_after": size_after})
    if size_after - size_before != run.accepted:
        result.errors.append(f"{size}: the log grew by {size_after - size_before} entries but {run.accepted} were acknowledged with 201")
    ctx.say(f"{size}: single {run.accepted}/{run.sent} accepted at log size {size_before:,}, {run.throughput:.0f}/s, "
            f"p99 {run.latency_ms(99):.1f} ms (load {loadavg()})")  # fmt: skip

    result.runs[f"{size}: batch warm-up (100)"] = load.sequential(HOST, server.port, "POST", "/v1/entries/batch", warm_batch, expect=201).summary()
    batch_before = _tree_size(server)
    cpu0 = server_cpu(server)
    big = load.sequential(HOST, server.port, "POST", "/v1/entries/batch", batches, expect=201, keep_responses=True)
    cpu1 = server_cpu(server)
    accepted = sum(receipts_in(r) for r in big.responses)
    big.responses.clear()
    batch_after = _tree_size(server)
    rate = accepted / big.elapsed_s if big.elapsed_s else 0.0
    result.runs[f"{size}: batch of {p['batch_size']}"] = summary = big.summary()
    summary.update(_cpu_delta(cpu0, cpu1, accepted))
    summary.update({"entries_accepted": accepted, "entries_per_s": round(rate, 1), "tree_size_before": batch_before, "tree_size_after": batch_after})
    if accepted != big.accepted * p["batch_size"] or batch_after - batch_before != accepted:
        result.errors.append(f"{size}: {big.accepted} batches answered 201 with {accepted} receipts; the log grew by {batch_after - batch_before}")
    ctx.say(f"{size}: batches {big.accepted}/{big.sent} accepted at log size {batch_before:,}, {rate:.0f} entries/s, "
            f"median {big.latency_ms(50):.0f} ms (load {loadavg()})")  # fmt: skip
    out.update(
        single=run.throughput, single_p99=run.latency_ms(99), single_at=size_before, batch=rate, batch_at=batch_before, load_after=loadavg(),
        single_cpu=_per_cpu_second(result.runs[f"{size}: single"], run.accepted),
        batch_cpu=_per_cpu_second(result.runs[f"{size}: batch of {p['batch_size']}"], accepted),
    )  # fmt: skip
    return out


def _per_cpu_second(summary: dict[str, Any], entries: int) -> float:
    """Entries per CPU second of the server (gunicorn processes + its PostgreSQL): contention hardly moves it."""
    used = sum(summary["cpu_s"].values())
    return entries / used if used > 0 else 0.0


@benchmark(
    "growth",
    description="single (32 clients) and 1,000-entry batch append throughput over HTTP at log sizes 1k, 100k and 1M "
    "(filled with greenledger demo), vs the smallest size in the same run",
    quick={
        "sizes": ["1k", "10k"], "clients": 32, "duration": 4.0, "max_requests": 1000, "warmup_requests": 100,
        "warmup_duration": 2.0, "batches": 2, "batch_size": 1000, "load_timeout": 600.0,
    },
    full={
        "sizes": ["1k", "100k", "1M"], "clients": 32, "duration": 20.0, "max_requests": None, "warmup_requests": 1000,
        "warmup_duration": 5.0, "batches": 10, "batch_size": 1000, "load_timeout": 3600.0,
    },
)  # fmt: skip
def growth(ctx: Context) -> BenchResult:
    p = ctx.params
    result = BenchResult(ctx.name)
    result.details["params"] = p
    measured: dict[str, dict[str, Any]] = {}
    largest = p["sizes"][-1]
    for size in p["sizes"]:
        server = DemoLogServer()
        with server:
            ctx.say(f"{size}: greenledger serve ready on port {server.port} in {server.info['startup_s']} s ({server.info['database']})")
            demo = fill(ctx, server, size, p["load_timeout"])
            measured[size] = _measure_size(ctx, result, server, size)
            measured[size]["demo"] = demo
            if size == largest:
                keep_demo_log(size, server)  # for the proofs benchmark, if it runs next
        result.details[f"{size} server"] = dict(server.info)
        result.errors.extend(server.problems)
    result.details["sizes"] = measured

    base_size = p["sizes"][0]
    base = measured[base_size]
    kinds = (
        ("single", "single append, 32 clients", "entries/s"),
        ("batch", "1,000-entry batches, 1 client", "entries/s"),
        ("single_cpu", "single append per server CPU second", "entries/CPU s"),
        ("batch_cpu", "batches per server CPU second", "entries/CPU s"),
    )
    for kind, label, unit in kinds:
        at = kind.split("_")[0] + "_at"
        for size in p["sizes"]:
            m = measured[size]
            result.figures.append(
                Figure(
                    f"{label}, log at {m[at]:,} (load {m['load_before']}-{m['load_after']})",
                    m[kind], unit, base[kind], f"same, log at {base[at]:,}",
                    goal=">= 0.9x" if size == largest and size != base_size else "",
                )
            )  # fmt: skip
    for size in p["sizes"]:
        m = measured[size]
        result.figures.append(Figure(f"single append p99, log at {m['single_at']:,}", m["single_p99"], "ms", base["single_p99"], f"same, log at {base['single_at']:,}"))
    for size in p["sizes"]:
        d = measured[size]["demo"]
        result.figures.append(Figure(f"fill {size}: greenledger demo", d["entries"] / d["load_s"], "entries/s", None, f"{d['entries']:,} entries in {d['load_s']:.0f} s (informational)"))
    ctx.say("ratios to the smallest log: " + ", ".join(
        f"{size} single {measured[size]['single'] / base['single']:.3f} (per CPU s {measured[size]['single_cpu'] / base['single_cpu']:.3f}), "
        f"batch {measured[size]['batch'] / base['batch']:.3f} (per CPU s {measured[size]['batch_cpu'] / base['batch_cpu']:.3f})"
        for size in p["sizes"]
    ))  # fmt: skip
    return result
