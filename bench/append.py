"""Append benchmarks: single-append (32 concurrent clients vs a naive peer) and batch-append."""

from __future__ import annotations

import math
import os
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench import load
from bench.registry import Context, benchmark
from bench.report import BenchResult, Figure
from bench.servers import HOST, LedgerServer, NaiveServer, server_cpu
from bench.workload import Workload, receipts_in


def _tree_size(server: LedgerServer) -> int:
    import json

    auth = load.bearer(server.issue_token("operator"))
    result = load.sequential(HOST, server.port, "GET", "/v1/log", [None], expect=200, keep_responses=True, headers=auth)
    if not result.responses:
        raise RuntimeError(f"GET /v1/log failed: {result.samples}")
    return int(json.loads(result.responses[0])["tree_size"])


def _cpu_delta(before: dict[str, float], after: dict[str, float], entries: int) -> dict[str, Any]:
    delta = {k: round(after[k] - before.get(k, 0.0), 2) for k in after}
    per = {f"{k}_ms_per_entry": round(1000 * v / entries, 3) for k, v in delta.items()} if entries else {}
    return {"cpu_s": delta, **per}


def _close_servers(result: BenchResult, server: Any, label: str) -> None:
    result.details[f"{label}_server"] = dict(server.info)
    result.errors.extend(server.problems)


@benchmark(
    "single-append",
    description="POST /v1/entries from 32 keep-alive clients; throughput and latency vs a naive Flask+SQLAlchemy peer",
    quick={"clients": 32, "duration": 10.0, "max_requests": 2000, "warmup_requests": 200, "warmup_duration": 3.0},
    full={"clients": 32, "duration": 60.0, "max_requests": None, "warmup_requests": 1000, "warmup_duration": 5.0},
)
def single_append(ctx: Context) -> BenchResult:
    p = ctx.params
    result = BenchResult(ctx.name)
    clients, duration = p["clients"], p["duration"]

    with LedgerServer() as ours:
        ctx.say(f"greenledger serve ready on port {ours.port} in {ours.info['startup_s']} s ({ours.info['database']})")
        work = Workload()
        work.register_signers(ours)
        warm = work.bodies(p["warmup_requests"])
        warm_run = load.run_load(HOST, ours.port, "/v1/entries", warm, clients=clients, duration=p["warmup_duration"])
        result.runs["ours warm-up"] = warm_run.summary()
        if p["max_requests"]:
            count = p["max_requests"]
        else:
            # Enough bodies for the whole duration at twice the warm-up rate.
            count = min(300_000, max(5_000, math.ceil(warm_run.throughput * duration * 2)))
        t0 = time.monotonic()
        bodies = work.bodies(count)
        ctx.say(f"warm-up {warm_run.throughput:.0f}/s; signed {count} entries in {time.monotonic() - t0:.1f} s; loading")
        size_before = _tree_size(ours)
        cpu0 = server_cpu(ours)
        run = load.run_load(HOST, ours.port, "/v1/entries", bodies, clients=clients, duration=duration, max_requests=p["max_requests"])
        cpu1 = server_cpu(ours)
        result.runs["ours"] = summary = run.summary()
        summary.update(_cpu_delta(cpu0, cpu1, run.accepted))
        summary["stopped_by"] = "duration" if run.elapsed_s >= duration else "request count"
        grown = _tree_size(ours) - size_before
        if grown != run.accepted:
            result.errors.append(f"the log grew by {grown} entries but {run.accepted} were acknowledged with 201")
        ctx.say(f"ours: {run.accepted}/{run.sent} accepted, {run.throughput:.0f}/s, p99 {run.latency_ms(99):.1f} ms")
        if run.failed:
            ctx.say(f"failures: {dict(run.failures)} e.g. {run.samples[:2]}")
    _close_servers(result, ours, "ours")

    with NaiveServer() as naive:
        ctx.say(f"naive peer ready on port {naive.port} in {naive.info['startup_s']} s ({naive.info['database']})")
        warm_naive = load.run_load(HOST, naive.port, "/v1/entries", warm, clients=clients, duration=p["warmup_duration"])
        result.runs["naive warm-up"] = warm_naive.summary()
        cpu0 = server_cpu(naive)
        # The same bodies and stop rule; cycling, so that the naive peer is never short of bodies.
        base = load.run_load(
            HOST, naive.port, "/v1/entries", bodies, clients=clients, duration=duration, max_requests=p["max_requests"] or None,
            cycle=True,
        )
        cpu1 = server_cpu(naive)
        result.runs["naive"] = summary = base.summary()
        summary.update(_cpu_delta(cpu0, cpu1, base.accepted))
        ctx.say(f"naive: {base.accepted}/{base.sent} accepted, {base.throughput:.0f}/s, p99 {base.latency_ms(99):.1f} ms")
    _close_servers(result, naive, "naive")

    result.figures += [
        Figure("throughput (32 clients)", run.throughput, "entries/s", base.throughput, "naive peer", goal=">= 1.0x naive"),
        Figure("latency p50 (32 clients)", run.latency_ms(50), "ms", base.latency_ms(50), "naive peer"),
        Figure("latency p99 (32 clients)", run.latency_ms(99), "ms", base.latency_ms(99), "naive peer", goal="ours <= 50 ms"),
    ]
    result.details["params"] = p
    return result


def verify_rate(seconds: float, message_size: int = 300) -> float:
    """Single-core Ed25519 verifications per second (``cryptography``), over ``message_size``-byte messages."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    pairs = []
    for _ in range(64):
        message = os.urandom(message_size)
        pairs.append((key.sign(message), message))
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for signature, message in pairs:
            public.verify(signature, message)
        count += len(pairs)
    return count / (time.perf_counter() - start)


@benchmark(
    "batch-append",
    description="POST /v1/entries/batch of 1,000 entries from one client vs the machine's Ed25519 verify ceiling; "
    "plus one append and one 1,000-entry batch in isolation",
    quick={"batches": 3, "batch_size": 1000, "singles": 50, "verify_seconds": 2.0},
    full={"batches": 20, "batch_size": 1000, "singles": 300, "verify_seconds": 2.0},
)
def batch_append(ctx: Context) -> BenchResult:
    p = ctx.params
    result = BenchResult(ctx.name)
    size = p["batch_size"]
    cores = os.cpu_count() or 1
    single_core = verify_rate(p["verify_seconds"])
    ceiling = single_core * cores
    result.details["verify"] = {"single_core_per_s": round(single_core), "cores": cores, "ceiling_per_s": round(ceiling)}
    ctx.say(f"Ed25519 verify: {single_core:.0f}/s on one core, ceiling {ceiling:.0f}/s on {cores}")

    with LedgerServer() as ours:
        ctx.say(f"greenledger serve ready on port {ours.port} in {ours.info['startup_s']} s ({ours.info['database']})")
        work = Workload()
        work.register_signers(ours)
        warm_singles = work.bodies(20)
        singles = work.bodies(p["singles"])
        warm_batch = work.batch_bodies(1, 100)
        batches = work.batch_bodies(p["batches"], size)
        ctx.say(f"signed {p['singles']} singles and {p['batches']} x {size} batch entries")

        # One append in isolation: sequential POSTs on one keep-alive connection, against the
        # same server's GET /healthz (the HTTP + Flask floor) on the same kind of connection.
        load.sequential(HOST, ours.port, "GET", "/healthz", [None] * 20, expect=200)
        floor = load.sequential(HOST, ours.port, "GET", "/healthz", [None] * p["singles"], expect=200)
        result.runs["GET /healthz sequential"] = floor.summary()
        result.runs["single warm-up"] = load.sequential(HOST, ours.port, "POST", "/v1/entries", warm_singles, expect=201).summary()
        one = load.sequential(HOST, ours.port, "POST", "/v1/entries", singles, expect=201)
        result.runs["single sequential"] = one.summary()
        ctx.say(f"one append: p50 {one.latency_ms(50):.1f} ms (healthz p50 {floor.latency_ms(50):.2f} ms)")

        result.runs["batch warm-up (100)"] = load.sequential(HOST, ours.port, "POST", "/v1/entries/batch", warm_batch, expect=201).summary()
        size_before = _tree_size(ours)
        cpu0 = server_cpu(ours)
        big = load.sequential(HOST, ours.port, "POST", "/v1/entries/batch", batches, expect=201, keep_responses=True)
        cpu1 = server_cpu(ours)
        entries_accepted = sum(receipts_in(r) for r in big.responses)
        summary = big.summary()
        summary["entries_accepted"] = entries_accepted
        summary.update(_cpu_delta(cpu0, cpu1, entries_accepted))
        result.runs[f"batch of {size}"] = summary
        if entries_accepted != big.accepted * size:
            result.errors.append(f"{big.accepted} batches answered 201 with {entries_accepted} receipts, not {big.accepted * size}")
        grown = _tree_size(ours) - size_before
        if grown != entries_accepted:
            result.errors.append(f"the log grew by {grown} entries but {entries_accepted} receipts were returned")
        rate = entries_accepted / big.elapsed_s if big.elapsed_s else 0.0
        ctx.say(f"batches: {big.accepted}/{big.sent} accepted, {rate:.0f} entries/s, median {big.latency_ms(50):.0f} ms per batch")
    _close_servers(result, ours, "ours")

    result.figures += [
        Figure("batch throughput (1 client)", rate, "entries/s", ceiling, f"Ed25519 verify ceiling ({cores} cores)", goal=">= 0.5x ceiling"),
        Figure(f"one {size}-entry batch request (median)", big.latency_ms(50), "ms", size / ceiling * 1000,
               f"verifying {size} signatures on {cores} cores"),
        Figure("one append, in isolation (p50)", one.latency_ms(50), "ms", floor.latency_ms(50), "GET /healthz (p50)"),
    ]  # fmt: skip
    result.details["params"] = p
    return result
