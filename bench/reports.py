"""Reports benchmark: signed reconciliation reports over HTTP on a demo programme, vs one full replay.

A fresh ``greenledger serve`` (the harness's ``LedgerServer``) gets the demo programme loaded by
``greenledger demo --projects P --loans L --tranches T`` run as a subprocess against the same
LEDGER_HOME (and DATABASE_URL, when one is set). Then, sequentially on one keep-alive connection,
the project, lender, park, reward-programme and summary reports are timed (p50, p95), plus the
as-of summary and project report at half the log. The baseline is one full replay of the log:
``greenledger rebuild`` against the same database, timed as a subprocess. The as-of reports are also
set beside the live report of the same kind and subject (issue 18: at most 2x).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from bench.load import LoadResult
from bench.registry import Context, benchmark
from bench.report import BenchResult, Figure
from bench.servers import HOST, LedgerServer, ManagedProcess, _executable, _tail

LENDERS = ("icbc-sichuan", "ccb-sichuan", "adbc-sichuan", "chengdu-bank")
PROGRAM = "nzc-rewards-2025"
SEED = 2026


class _Client:
    """Sequential GETs on one keep-alive ``http.client`` connection (reopened after an error)."""

    def __init__(self, port: int, timeout: float, token: str = "") -> None:
        self.port = port
        self.timeout = timeout
        self.headers = {"Accept": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def close(self) -> None:
        self.conn.close()

    def get(self, path: str) -> tuple[int | None, bytes, float]:
        """(status or None on a connection error, body or error text, seconds)."""
        t0 = time.perf_counter()
        try:
            self.conn.request("GET", path, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            return None, f"{type(exc).__name__}: {exc}".encode(), time.perf_counter() - t0
        elapsed = time.perf_counter() - t0
        if response.will_close:
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        return response.status, data, elapsed

    def json(self, path: str) -> Any:
        status, data, _ = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {data[:300].decode(errors='replace')}")
        return json.loads(data)

    def measure(self, paths: Sequence[str], *, warmup: int, rounds: int, keep_first: bool = False) -> LoadResult:
        """``warmup`` uncounted GETs of each path, then ``rounds`` passes over ``paths``; expects 200."""
        result = LoadResult()
        for path in paths:
            for _ in range(warmup):
                status, data, _ = self.get(path)
                if status != 200:
                    result.failures[f"warm-up {status}"] += 1
                    result.samples.append(f"{path}: {status}: {data[:300].decode(errors='replace')}")
        start = time.perf_counter()
        for _ in range(rounds):
            for path in paths:
                result.sent += 1
                status, data, elapsed = self.get(path)
                if status == 200:
                    result.accepted += 1
                    result.latencies.append(elapsed)
                    if keep_first and not result.responses:
                        result.responses.append(data)
                else:
                    result.failures[str(status) if status is not None else data.decode().split(":")[0]] += 1
                    result.samples.append(f"{path}: {status}: {data[:300].decode(errors='replace')}")
        result.elapsed_s = time.perf_counter() - start
        return result


def _cli_env(server: LedgerServer) -> dict[str, str]:
    """The environment `greenledger serve` got: the same LEDGER_HOME and database."""
    env = dict(os.environ)
    env["LEDGER_HOME"] = str(server.home)
    env.pop("LEDGER_KEY_PASSPHRASE", None)
    if server.external is not None:
        env["DATABASE_URL"] = server.external.url
    else:
        env.pop("DATABASE_URL", None)  # the CLI joins serve's embedded pgserver through $LEDGER_HOME/pgdata
    return env


def run_cli(server: LedgerServer, args: list[str], *, timeout: float, label: str) -> tuple[float, str]:
    """Run ``greenledger ARGS`` to completion in its own session; (wall seconds, output).

    :raises RuntimeError: on a non-zero exit or a timeout (the process group is killed first).
    """
    log_path = server.tmp / f"cli-{label}.log"
    start = time.monotonic()
    process = ManagedProcess([_executable("greenledger"), *args], env=_cli_env(server), cwd=server.tmp, log_path=log_path)
    process.finish(timeout, f"greenledger {' '.join(args)}")
    elapsed = time.monotonic() - start
    process.stop(5)  # closes the log; reaps anything left in its group
    output = log_path.read_text(errors="replace")
    if process.proc.returncode != 0:
        raise RuntimeError(f"greenledger {' '.join(args)} exited with {process.proc.returncode}:\n{_tail(log_path)}")
    return elapsed, output


def _project_ids(client: _Client, count: int) -> list[str]:
    items = client.json("/v1/projects?limit=1000")["items"]
    ids = sorted(p["project_id"] for p in items)
    return random.Random(SEED).sample(ids, min(count, len(ids)))


def _park_ids(client: _Client, count: int) -> list[str]:
    ids = sorted(p["park_id"] for p in client.json("/v1/parks?limit=1000")["items"])
    return random.Random(SEED + 1).sample(ids, min(count, len(ids)))


@benchmark(
    "reports",
    description="signed reports (project, lender, park, reward programme, summary, as-of half the log) over HTTP "
    "on the scaled demo programme, vs one full replay of the log (greenledger rebuild)",
    quick={
        "projects": 200, "loans": 1000, "tranches": 2, "load_timeout": 600.0,
        "project_ids": 8, "parks": 3, "warmup": 2, "rounds": 3, "summary_rounds": 5, "asof_warmup": 2, "asof_rounds": 5,
    },
    full={
        "projects": 2000, "loans": 10_000, "tranches": 12, "load_timeout": 3600.0,
        "project_ids": 20, "parks": 3, "warmup": 3, "rounds": 5, "summary_rounds": 10, "asof_warmup": 3, "asof_rounds": 10,
    },
)  # fmt: skip
def reports_bench(ctx: Context) -> BenchResult:
    p = ctx.params
    result = BenchResult(ctx.name)
    result.details["params"] = p
    figures: list[Figure] = []

    with LedgerServer() as ours:
        ctx.say(f"greenledger serve ready on port {ours.port} in {ours.info['startup_s']} s ({ours.info['database']})")
        demo_args = ["demo", "--projects", str(p["projects"]), "--loans", str(p["loans"]), "--tranches", str(p["tranches"])]
        load_s, output = run_cli(ours, demo_args, timeout=p["load_timeout"], label="demo")
        loaded = re.search(r"(\d+) entries (loaded|already present)", output)
        client = _Client(ours.port, timeout=600.0, token=ours.issue_token("operator"))
        try:
            size = int(client.json("/v1/log")["tree_size"])
            entries = int(loaded.group(1)) if loaded else size - 1
            ctx.say(f"demo loaded: {entries} entries in {load_s:.1f} s ({entries / load_s:.0f}/s); log size {size}")
            result.details["demo"] = {"args": demo_args, "entries": entries, "tree_size": size, "load_s": round(load_s, 2)}
            if not loaded:
                result.errors.append(f"greenledger demo printed no entry count: {output[-300:]!r}")

            projects = _project_ids(client, p["project_ids"])
            parks = _park_ids(client, p["parks"])
            half = size // 2
            q = lambda s: quote(s, safe="/")  # ids contain "/", which the routes accept
            plan: list[tuple[str, list[str], int, int]] = [
                ("project", [f"/v1/reports/projects/{q(i)}" for i in projects], p["warmup"], p["rounds"]),
                ("lender", [f"/v1/reports/lenders/{q(i)}" for i in LENDERS], p["warmup"], p["rounds"]),
                ("park", [f"/v1/reports/parks/{q(i)}" for i in parks], p["warmup"], p["rounds"]),
                ("reward-program", [f"/v1/reports/reward-programs/{PROGRAM}"], p["warmup"], p["summary_rounds"]),
                ("summary", ["/v1/reports/summary"], p["warmup"], p["summary_rounds"]),
                ("as-of summary", [f"/v1/reports/summary?tree_size={half}"], p["asof_warmup"], p["asof_rounds"]),
                ("as-of project", [f"/v1/reports/projects/{q(projects[0])}?tree_size={half}"], p["asof_warmup"], p["asof_rounds"]),
                # The as-of project's subject live, so that the two compare one project with itself.
                ("live project", [f"/v1/reports/projects/{q(projects[0])}"], p["asof_warmup"], p["asof_rounds"]),
            ]
            result.details["subjects"] = {"projects": projects, "lenders": list(LENDERS), "parks": parks, "reward_program": PROGRAM, "as_of_tree_size": half}
            measured: dict[str, LoadResult] = {}
            for kind, paths, warmup, rounds in plan:
                run = client.measure(paths, warmup=warmup, rounds=rounds, keep_first=True)
                measured[kind] = run
                result.runs[f"{kind} report"] = run.summary()
                ctx.say(f"{kind}: {run.accepted}/{run.sent} ok, p50 {run.latency_ms(50):.1f} ms, p95 {run.latency_ms(95):.1f} ms")
                if run.failed:
                    ctx.say(f"failures: {dict(run.failures)} e.g. {run.samples[:2]}")
                if run.responses:
                    got = json.loads(run.responses[0])["report"]["tree_size"]
                    want = half if kind.startswith("as-of") else size  # the as-of reports really are as of half the log
                    if got != want:
                        result.errors.append(f"{kind} report is at tree size {got}, not {want}")
            status, summary_before, _ = client.get("/v1/reports/summary")
        finally:
            client.close()

        # The baseline: one full replay of the log (the CLI's start-up, alone, in the details).
        startup_s, _ = run_cli(ours, ["db", "upgrade"], timeout=300, label="startup")
        rebuild_s, output = run_cli(ours, ["rebuild"], timeout=p["load_timeout"], label="rebuild")
        replayed = re.search(r"rebuilt the projections from (\d+) entries", output)
        if not replayed or int(replayed.group(1)) != size:
            result.errors.append(f"greenledger rebuild did not report replaying {size} entries: {output[-300:]!r}")
        ctx.say(f"greenledger rebuild: {rebuild_s:.1f} s for {size} entries (CLI start-up alone {startup_s:.1f} s)")
        result.details["replay"] = {"rebuild_s": round(rebuild_s, 2), "entries": size, "cli_startup_s": round(startup_s, 2)}
        # The rebuilt projections must give the very same signed summary (same tree size, deterministic signature).
        client = _Client(ours.port, timeout=600.0, token=ours.issue_token("operator"))
        try:
            status_after, summary_after, _ = client.get("/v1/reports/summary")
        finally:
            client.close()
        if status != 200 or status_after != 200 or summary_before != summary_after:
            result.errors.append("the summary report differs after greenledger rebuild (or was not 200)")
    result.details["server"] = dict(ours.info)
    result.errors.extend(ours.problems)

    replay_ms = rebuild_s * 1000
    label = f"one full replay: greenledger rebuild ({size:,} entries)"
    goals = {"project": "p50 < 50 ms", "lender": "p50 < 50 ms", "summary": "< 1 s"}
    figures.append(Figure("demo load: greenledger demo", entries / load_s, "entries/s", None, f"{entries:,} entries in {load_s:.0f} s (informational)"))
    for kind, paths, _, _ in plan:
        run = measured[kind]
        what = f"{kind} report" + (f" ({len(paths)} subjects)" if len(paths) > 1 else "")
        if kind.startswith("as-of"):
            what += f" at tree_size {half:,}"
        figures.append(Figure(f"{what} p50", run.latency_ms(50), "ms", replay_ms, label, goal=goals.get(kind, "")))
        figures.append(Figure(f"{what} p95", run.latency_ms(95), "ms", replay_ms, label))
        # The table rounds ratios to 0.01x; these are far smaller, so say them precisely too.
        ctx.say(f"{kind} p50 / full replay = {run.latency_ms(50) / replay_ms:.5f} (replay is {replay_ms / run.latency_ms(50):,.0f}x the report)")
    figures.append(Figure("full replay (greenledger rebuild, incl. CLI start-up)", replay_ms, "ms", None, f"CLI start-up alone {startup_s * 1000:,.0f} ms"))
    for as_of, live, what in (("as-of summary", "summary", "the live summary report p50"), ("as-of project", "live project", f"the live report of the same project p50 ({projects[0]})")):
        figures.append(Figure(f"{as_of} report at tree_size {half:,} p50, against live", measured[as_of].latency_ms(50), "ms", measured[live].latency_ms(50), what, goal="<= 2x live"))
    result.figures = figures
    return result

