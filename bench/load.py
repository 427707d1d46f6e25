"""HTTP load: N client threads, each with its own keep-alive ``http.client.HTTPConnection``.

Bodies are encoded before the clock starts. A run stops when the bodies run out (unless
``cycle``), when ``duration`` has passed, or at ``max_requests``; it is always bounded in time
(each request also has a socket timeout). Latency is measured per request from sending to
having read the whole response.
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}

#: A request body, alone or with headers of its own (the API token of the entry's signer).
Body = bytes | tuple[bytes, dict[str, str]]


def split(item: Body) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of one request: the JSON headers plus the item's own."""
    if isinstance(item, tuple):
        return item[0], {**JSON_HEADERS, **item[1]}
    return item, JSON_HEADERS


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def encode(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (``q`` in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class LoadResult:
    sent: int = 0
    accepted: int = 0
    elapsed_s: float = 0.0
    #: Latencies (seconds) of accepted requests.
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    #: Response bodies of accepted requests, when asked for (``keep_responses``).
    responses: list[bytes] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def throughput(self) -> float:
        return self.accepted / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def latency_ms(self, q: float) -> float:
        return percentile(sorted(self.latencies), q) * 1000

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        return {
            "sent": self.sent,
            "accepted": self.accepted,
            "failed": self.failed,
            "failures": dict(self.failures),
            "failure_samples": self.samples[:5],
            "elapsed_s": round(self.elapsed_s, 3),
            "per_s": round(self.throughput, 1),
            "p50_ms": round(percentile(lat, 50) * 1000, 2) if lat else None,
            "p90_ms": round(percentile(lat, 90) * 1000, 2) if lat else None,
            "p99_ms": round(percentile(lat, 99) * 1000, 2) if lat else None,
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
        }


def run_load(
    host: str,
    port: int,
    path: str,
    bodies: Sequence[Body],
    *,
    clients: int,
    duration: float,
    max_requests: int | None = None,
    cycle: bool = False,
    expect: int = 201,
    timeout: float = 30.0,
) -> LoadResult:
    """POST ``bodies`` to ``path`` from ``clients`` threads until done; see the module docstring."""
    if not bodies:
        raise ValueError("no bodies to send")
    limit = max_requests if max_requests is not None else (None if cycle else len(bodies))
    if not cycle and limit is not None:
        limit = min(limit, len(bodies))
    counter = itertools.count()  # next() on itertools.count is atomic under the GIL
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    result = LoadResult()
    ends: list[float] = []
    start_box: list[float] = []

    def client() -> None:
        latencies: list[float] = []
        failures: Counter[str] = Counter()
        samples: list[str] = []
        sent = 0
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.connect()
        except OSError:
            pass  # counted on first use
        barrier.wait()
        deadline = start_box[0] + duration
        try:
            while True:
                i = next(counter)
                if (limit is not None and i >= limit) or time.perf_counter() >= deadline:
                    break
                body, headers = split(bodies[i % len(bodies)])
                sent += 1
                t0 = time.perf_counter()
                try:
                    conn.request("POST", path, body, headers)
                    response = conn.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    failures[type(exc).__name__] += 1
                    if len(samples) < 3:
                        samples.append(f"{type(exc).__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                    continue
                elapsed = time.perf_counter() - t0
                if response.status == expect:
                    latencies.append(elapsed)
                else:
                    failures[str(response.status)] += 1
                    if len(samples) < 3:
                        samples.append(f"{response.status}: {data[:300].decode(errors='replace')}")
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
        finally:
            conn.close()
            with lock:
                ends.append(time.perf_counter())
                result.sent += sent
                result.accepted += len(latencies)
                result.latencies.extend(latencies)
                result.failures.update(failures)
                result.samples.extend(samples)

    threads = [threading.Thread(target=client, name=f"load-{n}", daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    start_box.append(time.perf_counter())
    barrier.wait()
    for t in threads:
        t.join(duration + timeout + 30)
    if any(t.is_alive() for t in threads):
        result.failures["client thread hung"] += sum(t.is_alive() for t in threads)
    result.elapsed_s = (max(ends) if ends else time.perf_counter()) - start_box[0]
    return result


def sequential(
    host: str, port: int, method: str, path: str, bodies: Sequence[Body | None], *, expect: int, timeout: float = 120.0,
    keep_responses: bool = False, headers: dict[str, str] | None = None,
) -> LoadResult:
    """Send requests one after another on one keep-alive connection (latency in isolation)."""
    result = LoadResult()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    start = time.perf_counter()
    try:
        for item in bodies:
            result.sent += 1
            body, sent_headers = split(item) if item is not None else (None, {"Accept": "application/json"})
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body, {**sent_headers, **(headers or {})})
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                result.failures[type(exc).__name__] += 1
                result.samples.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
                continue
            elapsed = time.perf_counter() - t0
            if response.status == expect:
                result.accepted += 1
                result.latencies.append(elapsed)
                if keep_responses:
                    result.responses.append(data)
            else:
                result.failures[str(response.status)] += 1
                result.samples.append(f"{response.status}: {data[:300].decode(errors='replace')}")
    finally:
        conn.close()
    result.elapsed_s = time.perf_counter() - start
    return result
