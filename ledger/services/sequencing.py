"""Group commit: the submissions of one process that wait for the append lock share one transaction.

Under load, a transaction per request makes the append lock the bottleneck (DESIGN §7). Instead the
first submitter to arrive leads: it takes everything queued, appends it in one transaction with one
checkpoint, wakes the submitters it served, and passes the lead to the oldest waiter once its own
submission is done, so no leader serves others for long while its own client waits.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Generic, Sequence, TypeVar

R = TypeVar("R")
W = TypeVar("W")

#: Told (entries, seconds) after every round, failed or not: the operator's metrics (ledger.operations) count them.
ROUND_OBSERVERS: list[Callable[[int, float], None]] = []


class Ticket(Generic[W, R]):
    """One submission (``work`` of ``size`` entries) waiting to be sequenced, and later its outcome."""

    def __init__(self, work: W, size: int) -> None:
        self.work = work
        self.size = size
        self._wake = threading.Event()
        self._finished = False
        self._result: R | None = None
        self._error: BaseException | None = None

    def succeed(self, result: R) -> None:
        self._result, self._finished = result, True
        self._wake.set()

    def fail(self, error: BaseException) -> None:
        self._error, self._finished = error, True
        self._wake.set()

    @property
    def finished(self) -> bool:
        return self._finished

    def outcome(self) -> R:
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


class GroupCommitter(Generic[W, R]):
    """Runs ``process`` on groups of queued tickets, one group at a time, in the submitters' own threads.

    :param process: appends the tickets' submissions in one transaction and settles every ticket
        (``succeed`` or ``fail``); an exception it raises fails the tickets it left unsettled.
    :param max_entries: the most entries one transaction takes (a single larger ticket still goes alone).
    """

    def __init__(self, process: Callable[[Sequence[Ticket[W, R]]], None], *, max_entries: int = 5000) -> None:
        self._process = process
        self._max_entries = max_entries
        self._mutex = threading.Lock()
        self._queue: deque[Ticket[W, R]] = deque()
        self._busy = False

    def submit(self, ticket: Ticket[W, R]) -> R:
        """Queue ``ticket`` and return its result once appended (or raise its error)."""
        with self._mutex:
            self._queue.append(ticket)
            lead = not self._busy
            self._busy = True
        if not lead:
            ticket._wake.wait()
            if not ticket.finished:  # woken to take over the lead, its own ticket still queued
                lead = True
        if lead:
            self._lead(ticket)
        return ticket.outcome()

    def _take(self) -> list[Ticket[W, R]]:
        taken = [self._queue.popleft()]
        total = taken[0].size
        while self._queue and total + self._queue[0].size <= self._max_entries:
            total += self._queue[0].size
            taken.append(self._queue.popleft())
        return taken

    def _lead(self, own: Ticket[W, R]) -> None:
        while True:
            with self._mutex:
                if not self._queue:
                    self._busy = False
                    return
                if own.finished:
                    self._queue[0]._wake.set()  # hand the lead on; _busy stays set
                    return
                taken = self._take()
            started = time.perf_counter()
            try:
                self._process(taken)
            except BaseException as exc:  # noqa: BLE001 - every waiter must learn the outcome
                for ticket in taken:
                    if not ticket.finished:
                        ticket.fail(exc)
            for observe in ROUND_OBSERVERS:
                observe(sum(ticket.size for ticket in taken), time.perf_counter() - started)
            for ticket in taken:
                if not ticket.finished:
                    ticket.fail(RuntimeError("the append round settled no outcome for this submission"))
