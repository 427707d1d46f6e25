"""Proofs benchmark: inclusion- and consistency-proof latency over HTTP on a demo log of 1M entries.

The log is the growth benchmark's largest demo log when that ran earlier in this process (kept for
this purpose), otherwise a fresh ``greenledger serve`` filled by ``greenledger demo`` the same way.
Sequentially on one keep-alive connection, interleaved: ``GET /healthz`` (the baseline: the HTTP +
Flask floor of the same server), ``GET /v1/entries/{i}/inclusion-proof?tree_size=N`` and
``GET /v1/consistency-proof?first=M&second=N`` with seeded random ``i`` and ``M``; p50 and p99 each.

Every returned proof is then checked with the pure code in ``ledger.merkle``: the roots come from the
log itself, streamed through ``GET /v1/export?tree_size=N`` and folded here (leaf hash of every record,
a compact range of perfect subtrees, the root at each sampled ``M`` taken on the way), and the root at
``N`` must equal the one in the latest checkpoint, whose signature is checked against ``GET /v1/log``'s
verifier key. A proof that does not verify, or a leaf hash that is not the record's, is an error.
"""

from __future__ import annotations

import base64
import http.client
import json
import random
import time

from bench.growth import DemoLogServer, fill, loadavg, take_demo_log
from bench.load import LoadResult
from bench.registry import Context, benchmark
from bench.report import BenchResult, Figure
from bench.reports import _Client
from bench.servers import HOST
from ledger.crypto.checkpoint import verify_checkpoint
from ledger.errors import LedgerError
from ledger.merkle.hashing import EMPTY_ROOT, leaf_hash, node_hash
from ledger.merkle.proofs import verify_consistency, verify_inclusion

SEED = 2026


class CompactRange:
    """The perfect subtrees of the leaves seen so far (RFC 9162 tree), largest first; O(log n) memory."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        self._stack.append(leaf)
        n = self.size
        while n & 1:  # each trailing one of the old size closes a perfect subtree
            right = self._stack.pop()
            self._stack[-1] = node_hash(self._stack[-1], right)
            n >>= 1
        self.size += 1

    def root(self) -> bytes:
        """MTH of the leaves so far: the subtrees folded right to left (RFC 9162 splits off the largest)."""
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            result = node_hash(left, result)
        return result


def stream_roots(
    port: int, tree_size: int, at: set[int], leaves: set[int], timeout: float, token: str
) -> tuple[dict[int, bytes], dict[int, bytes], int]:
    """Fold the exported records of the first ``tree_size`` entries into roots.

    :returns: (root at each size in ``at`` and at ``tree_size``, leaf hash of each index in ``leaves``, records read).
    """
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", f"/v1/export?tree_size={tree_size}", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"GET /v1/export answered {response.status}: {response.read(300)!r}")
        manifest = json.loads(response.readline())
        tree = CompactRange()
        roots: dict[int, bytes] = {}
        found: dict[int, bytes] = {}
        wanted = set(at) | {tree_size}
        line = response.readline()  # the manifest is first; records follow, then the checkpoint line
        while tree.size < tree_size and line:
            record = line[:-1] if line.endswith(b"\n") else line
            digest = leaf_hash(record)
            if tree.size in leaves:
                found[tree.size] = digest
            tree.append(digest)
            if tree.size in wanted:
                roots[tree.size] = tree.root()
            line = response.readline()
        response.read()
    finally:
        conn.close()
    if tree.size != tree_size:
        raise RuntimeError(f"the export held {tree.size} records, not {tree_size} (manifest {manifest})")
    return roots, found, tree.size


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@benchmark(
    "proofs",
    description="inclusion- and consistency-proof latency (p50/p99) over HTTP on a 1M-entry demo log vs GET /healthz; "
    "every proof checked with ledger.merkle against roots folded from the exported log",
    quick={"size": "10k", "warmup": 20, "rounds": 200, "load_timeout": 600.0, "export_timeout": 600.0},
    full={"size": "1M", "warmup": 100, "rounds": 2000, "load_timeout": 3600.0, "export_timeout": 1800.0},
)  # fmt: skip
def proofs_bench(ctx: Context) -> BenchResult:
    p = ctx.params
    result = BenchResult(ctx.name)
    result.details["params"] = p
    server = take_demo_log(p["size"])
    reused = server is not None
    server = server or DemoLogServer()
    with server:
        ctx.say(f"greenledger serve ready on port {server.port} in {server.info['startup_s']} s ({server.info['database']})")
        if not reused:
            result.details["demo"] = fill(ctx, server, p["size"], p["load_timeout"])
        result.details["log_from"] = "the growth benchmark's demo log" if reused else "a demo log built here"
        token = server.issue_token("operator")
        client = _Client(server.port, timeout=120.0, token=token)
        try:
            info = client.json("/v1/log")
            status, note, _ = client.get("/v1/checkpoint")
            if status != 200:
                raise RuntimeError(f"GET /v1/checkpoint answered {status}")
            checkpoint = verify_checkpoint(note.decode(), info["verifier_key"])
            size = checkpoint.tree_size
            ctx.say(f"log size {size:,} (checkpoint signature checked); load {loadavg()}")
            rng = random.Random(SEED)
            total = p["warmup"] + p["rounds"]
            indices = [rng.randrange(size) for _ in range(total)]
            firsts = [rng.randrange(1, size) for _ in range(total)]
            kinds = {
                "GET /healthz": ["/healthz"] * total,
                "inclusion proof": [f"/v1/entries/{i}/inclusion-proof?tree_size={size}" for i in indices],
                "consistency proof": [f"/v1/consistency-proof?first={m}&second={size}" for m in firsts],
            }
            runs = {kind: LoadResult() for kind in kinds}
            bodies: dict[str, list[bytes]] = {kind: [] for kind in kinds}
            load_before = loadavg()
            start = time.perf_counter()
            for n in range(total):  # interleaved, so that drift in the machine's load hits every kind alike
                for kind, paths in kinds.items():
                    status, data, elapsed = client.get(paths[n])
                    if n < p["warmup"]:
                        if status != 200:
                            runs[kind].failures[f"warm-up {status}"] += 1
                        continue
                    run = runs[kind]
                    run.sent += 1
                    if status == 200:
                        run.accepted += 1
                        run.latencies.append(elapsed)
                        bodies[kind].append(data)
                    else:
                        run.failures[str(status)] += 1
                        run.samples.append(f"{paths[n]}: {status}: {data[:300].decode(errors='replace')}")
            elapsed_all = time.perf_counter() - start
            load_after = loadavg()
        finally:
            client.close()
        for kind, run in runs.items():
            run.elapsed_s = elapsed_all
            result.runs[kind] = run.summary()
            ctx.say(f"{kind}: {run.accepted}/{run.sent} ok, p50 {run.latency_ms(50):.2f} ms, p99 {run.latency_ms(99):.2f} ms")

        # Check every proof against roots folded from the log's own records.
        inclusions = [json.loads(b) for b in bodies["inclusion proof"]]
        consistencies = [json.loads(b) for b in bodies["consistency proof"]]
        t0 = time.monotonic()
        roots, leaves, read = stream_roots(
            server.port, size, {c["first"] for c in consistencies}, {i["index"] for i in inclusions}, p["export_timeout"], token
        )
        export_s = time.monotonic() - t0
        ctx.say(f"folded {read:,} exported records into roots in {export_s:.1f} s")
    result.details["server"] = dict(server.info)
    result.errors.extend(server.problems)

    checks = LoadResult()
    root = roots[size]
    if root != checkpoint.root_hash:
        result.errors.append(f"the root folded from the exported log differs from the signed checkpoint's at size {size}")
    for proof in inclusions:
        checks.sent += 1
        try:
            if proof["tree_size"] != size or _b64(proof["leaf_hash"]) != leaves[proof["index"]]:
                raise LedgerError(f"leaf hash or tree size of index {proof['index']} is not the log's")
            verify_inclusion(leaves[proof["index"]], proof["index"], size, [_b64(h) for h in proof["audit_path"]], root)
            checks.accepted += 1
        except (LedgerError, KeyError, ValueError) as exc:
            checks.failures["inclusion proof"] += 1
            checks.samples.append(f"inclusion of {proof.get('index')} at {size}: {type(exc).__name__}: {exc}")
    for proof in consistencies:
        checks.sent += 1
        try:
            verify_consistency(proof["first"], proof["second"], roots[proof["first"]], root, [_b64(h) for h in proof["proof"]])
            checks.accepted += 1
        except (LedgerError, KeyError, ValueError) as exc:
            checks.failures["consistency proof"] += 1
            checks.samples.append(f"consistency {proof.get('first')} -> {proof.get('second')}: {type(exc).__name__}: {exc}")
    checks.elapsed_s = export_s
    result.runs["proofs checked with ledger.merkle"] = checks.summary()
    if checks.failed:
        result.errors.append(f"{checks.failed} of {checks.sent} proofs did not verify, e.g. {checks.samples[:2]}")
    ctx.say(f"proofs checked: {checks.accepted}/{checks.sent} verify")
    result.details["log"] = {"tree_size": size, "root_hash": base64.b64encode(root).decode(), "load": [load_before, load_after]}

    floor = runs["GET /healthz"]
    where = f"{size:,} entries, load {load_before}-{load_after}"
    for kind in ("inclusion proof", "consistency proof"):
        run = runs[kind]
        result.figures += [
            Figure(f"{kind} p50 ({where})", run.latency_ms(50), "ms", floor.latency_ms(50), "GET /healthz p50"),
            Figure(f"{kind} p99 ({where})", run.latency_ms(99), "ms", floor.latency_ms(99), "GET /healthz p99", goal="p99 < 5 ms"),
        ]  # fmt: skip
    result.figures.append(Figure("roots folded from GET /v1/export", read / export_s, "entries/s", None, f"{read:,} records in {export_s:.1f} s (informational)"))
    return result

