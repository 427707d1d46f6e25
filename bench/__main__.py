"""``python -m bench [--quick] [--only NAME] [--json-out PATH] [--list]``.

Exit status 0 when every selected benchmark completed and every request was accepted; speed
is reported, never asserted (CI runs ``--quick`` as a smoke test).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
import traceback
from pathlib import Path

from bench import append, growth, importing, limiter, proofs, replica_reads, reports, verify  # noqa: F401  (register single-append, batch-append, growth, import, limiter, proofs, replica-reads, reports and verify)
from bench.registry import BENCHMARKS, Context
from bench.report import DEFAULT_JSON, BenchResult, environment, table, write_json


def _terminate(signum: int, _frame: object) -> None:
    # Turn SIGTERM (CI timeouts) into an exception so that every server is stopped on the way out.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (CI smoke test, under 3 minutes)")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this benchmark (repeatable, or comma-separated)")
    parser.add_argument("--json-out", type=Path, default=DEFAULT_JSON, metavar="PATH", help=f"default {DEFAULT_JSON}")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)

    if args.list:
        for b in BENCHMARKS.values():
            print(f"{b.name:16} {b.description}")
        return 0
    names = list(BENCHMARKS)
    if args.only:
        names = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")

    signal.signal(signal.SIGTERM, _terminate)
    env = environment(args.quick)
    results: list[BenchResult] = []
    started = time.monotonic()
    for name in names:
        bench = BENCHMARKS[name]
        ctx = Context(name=name, quick=args.quick, params=bench.params(args.quick))
        ctx.say(f"start ({env['mode']}): {bench.description}")
        try:
            result = bench.run(ctx)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # a failed benchmark is reported, and the others still run
            traceback.print_exc()
            result = BenchResult(name, errors=[f"{type(exc).__name__}: {exc}"])
        result.duration_s = round(time.monotonic() - ctx.started, 1)
        ctx.say(f"done in {result.duration_s} s: {'ok' if result.ok else 'FAILED ' + '; '.join(result.errors)}")
        results.append(result)
    total = time.monotonic() - started

    print()
    print(table(results))
    print()
    print(f"mode {env['mode']}, {env['cpu_count']} CPUs, {env['database']}; total {total:.0f} s "
          f"({', '.join(f'{r.name} {r.duration_s:.0f} s' for r in results)})")  # fmt: skip
    write_json(args.json_out, env, results, total)
    print(f"results written to {args.json_out}")
    ok = all(r.ok for r in results)
    if not ok:
        print("FAILED: " + "; ".join(f"{r.name}: {', '.join(r.errors) or 'requests not accepted'}" for r in results if not r.ok), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
