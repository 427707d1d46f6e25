"""A registry of named benchmarks.

A benchmark is a function ``run(ctx) -> BenchResult`` registered with ``@benchmark(name, ...)``.
It reads its parameters from ``ctx.params`` (the quick or full set given at registration), so a
new benchmark (log growth at 1k/100k/1M entries, proof latency, ...) is one decorated function in
a new module imported by ``bench.__main__``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from bench.report import BenchResult


@dataclass
class Context:
    """What a benchmark run gets: its mode, its parameters and a deadline it should respect."""

    name: str
    quick: bool
    params: dict[str, Any]
    started: float = field(default_factory=time.monotonic)
    log: Callable[[str], None] = print

    def say(self, message: str) -> None:
        self.log(f"[{self.name} {time.monotonic() - self.started:6.1f}s] {message}")


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    run: Callable[[Context], BenchResult]
    quick: dict[str, Any]
    full: dict[str, Any]

    def params(self, quick: bool) -> dict[str, Any]:
        return dict(self.quick if quick else self.full)


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(
    name: str, *, description: str, quick: dict[str, Any], full: dict[str, Any]
) -> Callable[[Callable[[Context], BenchResult]], Callable[[Context], BenchResult]]:
    """Register ``run`` under ``name`` with its quick and full parameters."""

    def register(run: Callable[[Context], BenchResult]) -> Callable[[Context], BenchResult]:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} registered twice")
        BENCHMARKS[name] = Benchmark(name, description, run, quick, full)
        return run

    return register
