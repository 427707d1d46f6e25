"""The rate limiter's CPU cost per request, measured in one process with and without it.

Both apps run over the same embedded PostgreSQL (or ``DATABASE_URL``) and are driven through Flask's
test client, so the figures hold the app's own CPU (no HTTP server, no network). The cheapest
authenticated request there is, a token the cache knows asking for a path that matches no route,
touches no database: the limiter's share of it is its whole cost. ``GET /v1/log`` (one snapshot read)
shows that cost against a request that does some work. Blocks of requests alternate between the two
apps, so drift in the machine's load hits both alike.
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.registry import Context, benchmark
from bench.report import BenchResult, Figure


def _apps(home: Path, url: str | None) -> tuple[Any, Any, str]:
    from ledger.app import create_app, database_url
    from ledger.cli import DEFAULT_OPERATOR_NAME, DEFAULT_OPERATOR_USCC, initialize
    from ledger.config import Config
    from ledger.services.tokens import issue_token

    def config(rate_limit: str) -> Config:
        return Config(database_url=url, home=home, rate_limit=rate_limit)

    limited_config = config("100000000 per minute")  # counted on every request, never reached
    database_url(limited_config)  # start (and migrate) the embedded server once, for both apps
    limited = create_app(limited_config)
    unlimited = create_app(config(""))
    runtime = limited.extensions["ledger"]
    initialize(runtime, limited_config, operator_id="operator", operator_name=DEFAULT_OPERATOR_NAME, operator_uscc=DEFAULT_OPERATOR_USCC)
    token = issue_token(runtime, "operator", lifetime=timedelta(days=1)).token
    return limited, unlimited, token


def _cpu_per_request(client: Any, path: str, headers: dict[str, str], count: int, expected: int) -> tuple[float, int]:
    """(process CPU seconds per request, requests that did not answer ``expected``)."""
    failed = 0
    start = time.process_time()
    for _ in range(count):
        response = client.get(path, headers=headers)
        failed += response.status_code != expected
        response.close()
    return (time.process_time() - start) / count, failed


@benchmark(
    "limiter",
    description="the rate limiter's CPU per request (keyed by the verified token, or the address): the same requests "
    "with and without it, in one process",
    quick={"blocks": 6, "per_block": 300},
    full={"blocks": 20, "per_block": 1000},
)  # fmt: skip
def limiter_bench(ctx: Context) -> BenchResult:
    import os

    p = ctx.params
    result = BenchResult(ctx.name)
    result.details["params"] = p
    with tempfile.TemporaryDirectory(prefix="gl-bench-limiter-") as tmp:
        limited, unlimited, token = _apps(Path(tmp), os.environ.get("DATABASE_URL") or None)
        try:
            headers = {"Authorization": f"Bearer {token}"}
            cases = {"no-database request": ("/v1/no-such-route", 404), "GET /v1/log": ("/v1/log", 200)}
            clients = {"on": limited.test_client(), "off": unlimited.test_client()}
            for client in clients.values():  # warm caches: token, identity, statement compilation
                for path, expected in cases.values():
                    _cpu_per_request(client, path, headers, 50, expected)
            cpu: dict[tuple[str, str], list[float]] = {(case, side): [] for case in cases for side in clients}
            for run_name in cases:
                result.runs[run_name] = {"sent": 0, "accepted": 0, "failed": 0}
            for _ in range(p["blocks"]):
                for case, (path, expected) in cases.items():
                    for side, client in clients.items():
                        per_request, failed = _cpu_per_request(client, path, headers, p["per_block"], expected)
                        cpu[(case, side)].append(per_request)
                        run = result.runs[case]
                        run["sent"] += p["per_block"]
                        run["accepted"] += p["per_block"] - failed
                        run["failed"] += failed
        finally:
            for app in (limited, unlimited):
                app.extensions["ledger_engine"].dispose()
    for case in cases:
        on = sorted(cpu[(case, "on")])[len(cpu[(case, "on")]) // 2] * 1e6
        off = sorted(cpu[(case, "off")])[len(cpu[(case, "off")]) // 2] * 1e6
        ctx.say(f"{case}: {on:.0f} µs CPU with the limiter, {off:.0f} µs without: {on - off:.0f} µs for the limiter")
        result.figures.append(Figure(f"limiter CPU, {case}", round(on - off, 1), "µs", round(off, 1), f"the same request without the limiter ({case})", goal="tens of µs"))
    return result
