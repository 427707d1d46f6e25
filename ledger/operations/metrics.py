"""Prometheus metrics: what the request hook, the group committer and the database pool count, and the scrape.

Under gunicorn every worker is a process of its own, so ``greenledger serve --metrics-bind`` sets
``PROMETHEUS_MULTIPROC_DIR`` before this module is first imported: each worker then writes its values to
memory-mapped files there, and the exporter (``ledger.operations.exporter``) adds them up. Without it
(tests, ``flask run``) the values live in this process and ``render`` reads them from here.

The hot path pays for a counter and a histogram per request, and one more of each per append; the
figures read from the database (tree size, checkpoint age) are computed when Prometheus scrapes, never
on a request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: Seconds: from a cached read (about a millisecond) to a report on a large log or a slow batch.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Entries in one batch request or in one group-commit round (a round takes at most 5000).
SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)

REQUESTS = Counter("greenledger_http_requests", "HTTP requests answered, by route template, method and status.", ["route", "method", "status"])
LATENCY = Histogram("greenledger_http_request_duration_seconds", "Time to answer a request, by route template and method.", ["route", "method"], buckets=LATENCY_BUCKETS)
APPENDED = Counter("greenledger_entries_appended", "Entries appended to the log (a retried submission's first receipt is not counted again).")
BATCH_SIZES = Histogram("greenledger_submission_entries", "Entries per accepted submission (1 for POST /v1/entries).", buckets=SIZE_BUCKETS)
ROUND_ENTRIES = Histogram("greenledger_append_round_entries", "Entries appended per group-commit round (one transaction, one checkpoint).", buckets=SIZE_BUCKETS)
ROUND_SECONDS = Histogram("greenledger_append_round_duration_seconds", "Time one group-commit round holds the append lock.", buckets=LATENCY_BUCKETS)
SIGNATURES = Counter(
    "greenledger_signature_checks",
    "Entry signatures checked on submission: valid (the entry was appended) or invalid (refused as invalid-signature).",
    ["outcome"],
)
REJECTED = Counter("greenledger_submissions_rejected", "Submissions refused, by problem code (a refused batch counts once).", ["code"])
# livesum: the connections of the workers alive now, added up; a dead worker's file is dropped.
POOL_IN_USE = Gauge("greenledger_db_pool_connections_in_use", "Database connections checked out of the pools.", multiprocess_mode="livesum")
POOL_OPEN = Gauge("greenledger_db_pool_connections_open", "Database connections the pools hold open.", multiprocess_mode="livesum")

#: The endpoints that append entries, and whose answers the request hook counts as appends.
WRITE_ENDPOINTS = frozenset({"entries.Entries", "entries.Batch"})

INVALID_SIGNATURE = "invalid-signature"


def multiprocess_directory() -> str | None:
    """Where the workers' values are kept, or None when they live in this process."""
    return os.environ.get(MULTIPROCESS_VARIABLE) or None


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)


def observe_submission(appended: int | None, problem_code: str | None) -> None:
    """Count one answered submission: ``appended`` entries written, or refused with ``problem_code``."""
    if appended:
        APPENDED.inc(appended)
        BATCH_SIZES.observe(appended)
        # Each appended entry's signature was verified on its way in.
        SIGNATURES.labels("valid").inc(appended)
    elif problem_code:
        REJECTED.labels(problem_code).inc()
        if problem_code == INVALID_SIGNATURE:
            SIGNATURES.labels("invalid").inc()


def observe_round(entries: int, seconds: float) -> None:
    """Count one group-commit round (``ledger.services.sequencing.ROUND_OBSERVERS`` calls it)."""
    ROUND_ENTRIES.observe(entries)
    ROUND_SECONDS.observe(seconds)


def watch_pool(engine: Any) -> None:
    """Follow ``engine``'s pool: connections opened, closed, checked out and returned."""
    from sqlalchemy import event

    event.listen(engine, "connect", lambda *_: POOL_OPEN.inc())
    event.listen(engine, "close", lambda *_: POOL_OPEN.dec())
    event.listen(engine, "close_detached", lambda *_: POOL_OPEN.dec())
    event.listen(engine, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: POOL_IN_USE.dec())


@dataclass(frozen=True)
class LogFigures:
    """What the scrape reads from the database: the latest checkpoint's size and time."""

    tree_size: int
    checkpoint_at: datetime
    #: The tree size each witness last cosigned or said it holds (``witnesses sync``).
    witness_sizes: Mapping[str, int] = field(default_factory=dict)


class LogCollector(Collector):
    """Tree size, checkpoint age and whether the database answered, read when Prometheus scrapes."""

    def __init__(self, read: Callable[[], LogFigures | None], now: Callable[[], datetime]) -> None:
        self._read = read
        self._now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("greenledger_database_up", "1 when the scrape could read the log's latest checkpoint, else 0.")
        try:
            figures = self._read()
        except Exception:  # noqa: BLE001 - a scrape reports an unreachable database, it does not fail
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        if figures is None:
            return  # an empty log has no checkpoint yet
        size = GaugeMetricFamily("greenledger_tree_size", "Entries in the log at its latest signed checkpoint.")
        size.add_metric([], figures.tree_size)
        yield size
        age = GaugeMetricFamily("greenledger_checkpoint_age_seconds", "Seconds since the latest checkpoint was signed.")
        age.add_metric([], max(0.0, (self._now() - figures.checkpoint_at).total_seconds()))
        yield age
        if figures.witness_sizes:
            behind = GaugeMetricFamily(
                "greenledger_witness_entries_behind",
                "Entries the latest checkpoint holds beyond the one each witness last cosigned (0: cosigned).",
                labels=["witness"],
            )
            for witness, size in sorted(figures.witness_sizes.items()):
                behind.add_metric([witness], max(0, figures.tree_size - size))
            yield behind


def scrape(extra: Iterable[Collector] = ()) -> bytes:
    """The text exposition of every worker's values (multiprocess) or this process's, then of ``extra``."""
    directory = multiprocess_directory()
    if directory is None:
        counted: CollectorRegistry = REGISTRY
    else:
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted, path=directory)
    read_now = CollectorRegistry()
    for collector in extra:
        read_now.register(collector)
    return generate_latest(counted) + generate_latest(read_now)


def forget_process(pid: int) -> None:
    """Drop a dead worker's live gauges (gunicorn's ``child_exit``), so the pool figures add up the living."""
    directory = multiprocess_directory()
    if directory is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, directory)
