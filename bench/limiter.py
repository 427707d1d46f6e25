"""The rate limiter's CPU cost per request, measured in one process with and without it.

Both apps run over the same embedded PostgreSQL (or ``DATABASE_URL``) and are driven through Flask's
test client, so the figures hold the app's own CPU (no HTTP server, no network). Two cheap requests
that each read the database once: ``GET /v1/log`` with a token the cache knows (counted by the token's
id) and ``GET /v1/checkpoint`` without a token (counted by the client's address). Blocks of requests
alternate between the two apps, each first in every other block, so drift in the machine's load hits
both alike. (A URL that matches no route is not counted at all, so it shows nothing of the limiter.)
"""

from __future__ import annotations

import gc
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.registry import Context, benchmark
from bench.report import BenchResult, Figure
from bench.servers import EmbeddedPostgres, ExternalDatabase


def _apps(home: Path, url: str) -> tuple[Any, Any, str]:
    from ledger.app import create_app
    from ledger.cli import DEFAULT_OPERATOR_NAME, DEFAULT_OPERATOR_USCC, initialize
    from ledger.config import Config
    from ledger.persistence.migrate import upgrade
    from ledger.services.tokens import issue_token

    def config(rate_limit: str) -> Config:
        return Config(database_url=url, home=home, rate_limit=rate_limit)

    upgrade(url)
    limited_config = config("100000000 per minute")  # counted on every request, never reached
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

    from ledger.app import freeze_loaded

    p = ctx.params
    result = BenchResult(ctx.name)
    result.details["params"] = p
    with tempfile.TemporaryDirectory(prefix="gl-bench-limiter-") as tmp:
        # A database of its own, on DATABASE_URL or a private embedded server, stopped or dropped after
        # (never through DATABASE_URL in the environment, which the benchmarks after this one read).
        external = os.environ.get("DATABASE_URL")
        database: Any = ExternalDatabase(external, "greenledger_bench_limiter") if external else EmbeddedPostgres(Path(tmp) / "pgdata", "greenledger")
        url = database.create() if external else database.start()
        limited = unlimited = None
        try:
            limited, unlimited, token = _apps(Path(tmp) / "home", url)
            cases = {
                "GET /v1/log, by token": ("/v1/log", {"Authorization": f"Bearer {token}"}, 200),
                "GET /v1/checkpoint, by address": ("/v1/checkpoint", {}, 200),
            }
            clients = {"on": limited.test_client(), "off": unlimited.test_client()}
            for client in clients.values():  # warm caches: token, identity, statement compilation
                for path, headers, expected in cases.values():
                    _cpu_per_request(client, path, headers, 50, expected)
            cpu: dict[tuple[str, str], list[float]] = {(case, side): [] for case in cases for side in clients}
            for run_name in cases:
                result.runs[run_name] = {"sent": 0, "accepted": 0, "failed": 0}
            freeze_loaded()  # as a serve worker does before it answers requests
            for block in range(p["blocks"]):
                for case, (path, headers, expected) in cases.items():
                    # Every other block runs the other app first: neither always follows the other.
                    for side, client in sorted(clients.items(), reverse=bool(block % 2)):
                        per_request, failed = _cpu_per_request(client, path, headers, p["per_block"], expected)
                        cpu[(case, side)].append(per_request)
                        run = result.runs[case]
                        run["sent"] += p["per_block"]
                        run["accepted"] += p["per_block"] - failed
                        run["failed"] += failed
        finally:
            for app in (limited, unlimited):
                if app is not None:
                    app.extensions["ledger_engine"].dispose()
            gc.unfreeze()  # what freeze_loaded froze belongs to this benchmark alone
            left = database.drop() if external else database.stop()
            if left:
                result.errors.append(f"PostgreSQL for the limiter benchmark outlived its stop (pids {left}); killed it")
    for case in cases:
        on = sorted(cpu[(case, "on")])[len(cpu[(case, "on")]) // 2] * 1e6
        off = sorted(cpu[(case, "off")])[len(cpu[(case, "off")]) // 2] * 1e6
        ctx.say(f"{case}: {on:.0f} µs CPU with the limiter, {off:.0f} µs without: {on - off:.0f} µs for the limiter")
        result.figures.append(Figure(f"limiter CPU, {case}", round(on - off, 1), "µs", round(off, 1), f"the same request without the limiter ({case})", goal="tens of µs"))
    return result
