"""Offline verify benchmark: entries/s and peak memory of ``python -m ledger.verify`` on export bundles.

A fresh ``greenledger serve`` (the harness's ``LedgerServer``) gets the demo programme loaded by
``greenledger demo`` (as the reports benchmark does), then ``greenledger export`` writes the bundles:
the whole log, and in full mode also a prefix (``--tree-size``) of about a tenth of it. In full mode a
second fresh server gets the same programme (the same projects and loans) with one tranche per loan
instead of twelve: a log several times shorter holding the same state. The origin and verifier key come
from ``GET /v1/log``. Every server is stopped before anything is verified (the verifier is offline;
nothing else runs).

Each bundle is verified by ``python -m ledger.verify BUNDLE --origin O --key K --json`` as a subprocess
under ``/usr/bin/time -v`` (or, without it, a small Python launcher that prints ``ru_maxrss``): wall
time, CPU time and peak RSS. The answer must be ``{"ok": true, ...}`` with the expected tree size and
origin; anything else is a failure (exit status 1). Speed and memory are reported, never asserted.

Baseline: the Ed25519 verify ceiling, one core's raw verify rate (``bench.append.verify_rate``) times
``os.cpu_count()``, measured at the start and again just before each verification; each verification is
compared with the best rate measured so far, so a slow moment of the machine never flatters the ratio.
The goal in the issue is >= 0.8x. Memory: peak RSS of the same programme at two log lengths (goal: about
1.0x, flat in the log's length), and, for information, the whole log against its prefix (a smaller
programme as well as a shorter log).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.append import verify_rate
from bench.registry import Context, benchmark
from bench.report import BenchResult, Figure
from bench.reports import _Client, run_cli
from bench.servers import REPO, LedgerServer, ManagedProcess, _tail

# Used when /usr/bin/time is missing: run the verifier's main() and report this process's peak RSS.
_LAUNCHER = (
    "import resource, sys\n"
    "from ledger.verify.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "sys.stdout.flush()\n"
    "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
    "print(f'maxrss_kb={usage.ru_maxrss} cpu_s={usage.ru_utime + usage.ru_stime}', file=sys.stderr)\n"
    "sys.exit(status)\n"
)


def _time_binary() -> str | None:
    found = shutil.which("time")
    for candidate in ([found] if found else []) + ["/usr/bin/time"]:
        if candidate and os.access(candidate, os.X_OK) and Path(candidate).is_file():
            return candidate
    return None


def _parse_time_v(text: str) -> dict[str, float]:
    """The figures we use from GNU time's ``-v`` report."""
    out: dict[str, float] = {}
    patterns = {
        "maxrss_kb": r"Maximum resident set size \(kbytes\): (\d+)",
        "user_s": r"User time \(seconds\): ([\d.]+)",
        "system_s": r"System time \(seconds\): ([\d.]+)",
    }
    for name, pattern in patterns.items():
        found = re.search(pattern, text)
        if found:
            out[name] = float(found.group(1))
    return out


def run_verifier(bundle: Path, origin: str, verifier_key: str, *, workdir: Path, label: str, timeout: float) -> dict[str, Any]:
    """Run the offline verifier on ``bundle`` in its own session; its JSON answer, wall/CPU time and peak RSS.

    :raises RuntimeError: on a timeout (the process group is killed first), or when no peak RSS was reported.
    """
    args = [str(bundle), "--origin", origin, "--key", verifier_key, "--json"]
    time_bin = _time_binary()
    stdout_path = workdir / f"verify-{label}.out"
    time_path = workdir / f"verify-{label}.time"
    if time_bin:
        argv = [time_bin, "-v", "-o", str(time_path), sys.executable, "-m", "ledger.verify", *args]
    else:
        argv = [sys.executable, "-c", _LAUNCHER, *args]
    start = time.monotonic()
    process = ManagedProcess(argv, env=dict(os.environ), cwd=REPO, log_path=stdout_path)
    process.finish(timeout, f"the verifier on {bundle.name}")
    wall = time.monotonic() - start
    process.stop(5)
    output = stdout_path.read_text(errors="replace")
    if time_bin:
        measured = _parse_time_v(time_path.read_text(errors="replace") if time_path.exists() else "")
        tool = "/usr/bin/time -v"
    else:
        found = re.search(r"maxrss_kb=(\d+) cpu_s=([\d.]+)", output)
        measured = {"maxrss_kb": float(found.group(1)), "user_s": float(found.group(2))} if found else {}
        tool = "python launcher (ru_maxrss)"
    if "maxrss_kb" not in measured:
        raise RuntimeError(f"no peak RSS reported by {tool}:\n{_tail(stdout_path)}")
    answer = None
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                answer = json.loads(line)
            except ValueError:
                pass
            break
    return {
        "exit_status": process.proc.returncode,
        "answer": answer,
        "wall_s": wall,
        "cpu_s": measured.get("user_s", 0.0) + measured.get("system_s", 0.0) if "user_s" in measured else None,
        "peak_rss_mb": measured["maxrss_kb"] / 1024,
        "measured_with": tool,
        "output_tail": output[-500:],
    }


def signature_cpu_us(seconds: float, message_size: int = 300) -> float:
    """CPU microseconds of one Ed25519 verification (``cryptography``, key loaded once), timed by
    ``process_time``: unlike a rate over the wall clock, it does not move with the machine's load."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    pairs = [(key.sign(m), m) for m in (os.urandom(message_size) for _ in range(64))]
    count, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        for signature, message in pairs:
            public.verify(signature, message)
        count += len(pairs)
    return (time.process_time() - start) / count * 1e6


def _startup_s() -> float:
    """Wall time of the verifier's start-up alone (``python -m ledger.verify --help``: interpreter and imports)."""
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "ledger.verify", "--help"], cwd=REPO, capture_output=True, timeout=60, check=False)
    return time.monotonic() - start


def _load_and_export(
    ctx: Context, result: BenchResult, work: Path, *, tranches: int, prefixes: list[int], label: str = ""
) -> tuple[str, str, list[tuple[int, Path]]]:
    """Load the demo with ``tranches`` into a fresh server and export the whole log (and ``prefixes``);
    the log's origin and verifier key, and the bundles (tree size, file), smallest first. The server
    (and its PostgreSQL) is stopped on return: the verifier gets the machine to itself."""
    p = ctx.params
    what = f"{label}: " if label else ""
    key = "same_programme" if label else "demo"
    bundles: list[tuple[int, Path]] = []
    with LedgerServer() as ours:
        ctx.say(f"{what}greenledger serve ready on port {ours.port} in {ours.info['startup_s']} s ({ours.info['database']})")
        demo_args = ["demo", "--projects", str(p["projects"]), "--loans", str(p["loans"]), "--tranches", str(tranches)]
        load_s, output = run_cli(ours, demo_args, timeout=p["load_timeout"], label=f"demo-{tranches}")
        client = _Client(ours.port, timeout=60.0, token=ours.issue_token("operator"))
        try:
            log = client.json("/v1/log")
        finally:
            client.close()
        origin, verifier_key, size = log["origin"], log["verifier_key"], int(log["tree_size"])
        loaded = re.search(r"(\d+) entries (loaded|already present)", output)
        entries = int(loaded.group(1)) if loaded else size - 1
        if not loaded:
            result.errors.append(f"{what}greenledger demo printed no entry count: {output[-300:]!r}")
        ctx.say(f"{what}demo loaded: {entries} entries in {load_s:.1f} s ({entries / load_s:.0f}/s); log size {size}")
        result.details[key] = {"args": demo_args, "entries": entries, "tree_size": size, "load_s": round(load_s, 2)}
        result.details[f"{key}_log"] = {"origin": origin, "verifier_key": verifier_key, "tree_size": size}

        exports: dict[str, Any] = {}
        for prefix in [s for s in prefixes if s < size] + [None]:
            want = size if prefix is None else prefix
            path = work / f"bundle-{tranches}-{want}.jsonl"
            args = ["export", str(path)] + ([] if prefix is None else ["--tree-size", str(prefix)])
            export_s, _ = run_cli(ours, args, timeout=p["load_timeout"], label=f"export-{tranches}-{want}")
            mb = path.stat().st_size / 1e6
            ctx.say(f"{what}exported {want} entries in {export_s:.1f} s ({mb:,.0f} MB)")
            exports[str(want)] = {"export_s": round(export_s, 2), "bytes": path.stat().st_size}
            bundles.append((want, path))
        result.details[f"{key}_exports"] = exports
    result.details[f"{key}_server"] = dict(ours.info)
    result.errors.extend(ours.problems)
    return origin, verifier_key, bundles


@benchmark(
    "verify",
    description="offline verification of export bundles (python -m ledger.verify): entries/s vs the Ed25519 verify "
    "ceiling, and peak RSS at two bundle sizes and for the same programme at two log lengths (memory flat?)",
    quick={
        "projects": 200, "loans": 1000, "tranches": 12, "prefixes": [], "same_programme_tranches": 0,
        "load_timeout": 600.0, "verify_timeout": 600.0, "verify_seconds": 2.0,
    },
    full={
        "projects": 2000, "loans": 49_000, "tranches": 12, "prefixes": [100_000], "same_programme_tranches": 1,
        "load_timeout": 3600.0, "verify_timeout": 3600.0, "verify_seconds": 3.0,
    },
)  # fmt: skip
def verify_bench(ctx: Context) -> BenchResult:
    p = ctx.params
    result = BenchResult(ctx.name)
    result.details["params"] = p
    cores = os.cpu_count() or 1
    signature_us = signature_cpu_us(p["verify_seconds"])
    result.details["ed25519"] = {"cores": cores, "cpu_us_per_verification": round(signature_us, 1), "single_core_per_s": []}

    def ceiling_now() -> float:
        """The ceiling measured again now, beside the verification it is compared with (the machine's speed
        drifts over a long run); the best rate of the run so far, so a slow moment never flatters a ratio."""
        rates = result.details["ed25519"]["single_core_per_s"]
        rates.append(round(verify_rate(p["verify_seconds"])))
        ctx.say(f"Ed25519 verify: {rates[-1]}/s on one core now (best of the run {max(rates)}/s, x {cores} cores)")
        return max(rates) * cores

    ceiling_now()
    ctx.say(f"Ed25519 verify: {signature_us:.1f} µs of CPU each")
    work = Path(tempfile.mkdtemp(prefix="greenledger-bench-verify-"))
    runs: list[tuple[str, int, dict[str, Any], float]] = []  # (what, tree size, run, ceiling)
    try:
        logs = [("", *_load_and_export(ctx, result, work, tranches=p["tranches"], prefixes=p["prefixes"]))]
        if p["same_programme_tranches"]:
            # The same projects and loans with fewer tranches: a far shorter log holding the same state, so
            # the two peaks say whether memory follows the log's length or the programme's size.
            logs.append(
                ("same programme, ", *_load_and_export(ctx, result, work, tranches=p["same_programme_tranches"], prefixes=[], label="same programme"))
            )
        # Every server (and its PostgreSQL) is stopped: the verifier has the machine to itself.
        result.details["verifier_startup_s"] = round(_startup_s(), 2)
        for what, origin, verifier_key, bundles in logs:
            for want, path in bundles:
                ceiling = ceiling_now()
                run = _verify_once(ctx, result, path, want, origin, verifier_key, work, what, signature_us)
                runs.append((what, want, run, ceiling))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for what, want, run, ceiling in runs:
        result.figures += [
            Figure(
                f"{what}verify {want:,} entries (wall {run['wall_s']:.1f} s)", run["entries_per_s"], "entries/s", ceiling,
                f"Ed25519 verify ceiling ({cores} cores x the run's best one-core rate)", goal=">= 0.8x ceiling",
            ),
            *([Figure(
                f"{what}verify {want:,} entries: CPU per entry", run["cpu_us_per_entry"], "µs", signature_us,
                "CPU of one Ed25519 verification", goal="<= 1.25x (0.8x of the ceiling on every core)",
            )] if run["cpu_us_per_entry"] is not None else []),
            Figure(f"{what}verify {want:,} entries: peak RSS", run["peak_rss_mb"], "MB", None, f"measured with {run['measured_with']}"),
        ]  # fmt: skip
    full_log = [(want, run) for what, want, run, _ in runs if not what]
    if len(full_log) > 1:
        (small, small_run), (big, big_run) = min(full_log, key=lambda r: r[0]), max(full_log, key=lambda r: r[0])
        result.figures.append(
            Figure(
                f"peak RSS at {big:,} vs {small:,} entries (a prefix: a smaller programme)", big_run["peak_rss_mb"], "MB",
                small_run["peak_rss_mb"], f"peak RSS verifying {small:,} entries",
            )
        )  # fmt: skip
    same = [(want, run) for what, want, run, _ in runs if what]
    if same and full_log:
        (big, big_run), (short, short_run) = max(full_log, key=lambda r: r[0]), same[0]
        result.figures.append(
            Figure(
                f"peak RSS, same programme: {big:,} entries ({p['tranches']} tranches) vs {short:,} ({p['same_programme_tranches']})",
                big_run["peak_rss_mb"], "MB", short_run["peak_rss_mb"], f"peak RSS verifying the {short:,}-entry log", goal="~1.0x (flat)",
            )
        )  # fmt: skip
    return result


def _verify_once(
    ctx: Context, result: BenchResult, path: Path, want: int, origin: str, verifier_key: str, work: Path, what: str, signature_us: float
) -> dict[str, Any]:
    """Verify one bundle with ``python -m ledger.verify``, check its answer, record and say the figures."""
    p = ctx.params
    label = f"{'same-' if what else ''}{want}"
    run = run_verifier(path, origin, verifier_key, workdir=work, label=label, timeout=p["verify_timeout"])
    answer = run["answer"] or {}
    good = run["exit_status"] == 0 and answer.get("ok") is True and answer.get("tree_size") == want and answer.get("origin") == origin
    if not good:
        result.errors.append(
            f"{what}verify of the {want}-entry bundle: exit {run['exit_status']}, answer {answer or run['output_tail']!r} "
            f"(expected ok true, tree_size {want}, origin {origin!r})"
        )
    run["entries_per_s"] = want / run["wall_s"]
    run["cores_used"] = (run["cpu_s"] / run["wall_s"]) if run["cpu_s"] is not None else None
    # CPU per entry does not depend on what else the machine runs, as the wall time does; against
    # one signature's cost it shows what verification spends beyond the signatures.
    run["cpu_us_per_entry"] = (run["cpu_s"] / want * 1e6) if run["cpu_s"] is not None else None
    run["load_average"] = os.getloadavg()[0]
    result.runs[f"{what}verify {want:,} entries"] = {"sent": 1, "accepted": int(good), "failed": int(not good), **{
        k: (round(v, 3) if isinstance(v, float) else v) for k, v in run.items() if k != "output_tail"
    }}  # fmt: skip
    cpu = (
        f", CPU {run['cpu_s']:.1f} s ({run['cores_used']:.2f} cores; {run['cpu_us_per_entry']:.0f} µs an entry, "
        f"of which a signature is {signature_us:.0f}), load average {run['load_average']:.2f}"
        if run["cpu_s"] is not None
        else ""
    )
    ctx.say(
        f"{what}verify {want} entries: {'ok' if good else 'FAILED'} in {run['wall_s']:.1f} s "
        f"({run['entries_per_s']:,.0f} entries/s{cpu}), peak RSS {run['peak_rss_mb']:.0f} MB"
    )
    return run
