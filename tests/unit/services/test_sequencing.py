"""Group commit: every submitter gets its own outcome, groups never mix outcomes, the lead is handed on."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ledger.services.sequencing import GroupCommitter, Ticket


def test_every_submitter_gets_its_own_result_and_rounds_group_waiting_submitters():
    rounds: list[list[int]] = []
    gate = threading.Event()

    def process(tickets):
        if not rounds:
            gate.wait(timeout=5)  # hold the first round so the others queue up behind it
        rounds.append([t.work for t in tickets])
        for t in tickets:
            t.succeed(t.work * 10)

    committer: GroupCommitter[int, int] = GroupCommitter(process)
    with ThreadPoolExecutor(max_workers=20) as pool:
        first = pool.submit(committer.submit, Ticket(0, 1))
        while not committer._busy:
            pass
        rest = [pool.submit(committer.submit, Ticket(n, 1)) for n in range(1, 20)]
        while len(committer._queue) < 19:
            pass
        gate.set()
        results = [first.result(timeout=5)] + [f.result(timeout=5) for f in rest]
    assert results == [n * 10 for n in range(20)]
    assert sorted(n for r in rounds for n in r) == list(range(20))
    assert rounds[0] == [0] and len(rounds) < 20  # the queued submitters shared rounds


def test_a_failed_submission_fails_alone():
    def process(tickets):
        for t in tickets:
            t.fail(ValueError(t.work)) if t.work % 2 else t.succeed(t.work)

    committer: GroupCommitter[int, int] = GroupCommitter(process)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {n: pool.submit(committer.submit, Ticket(n, 1)) for n in range(16)}
    for n, future in futures.items():
        if n % 2:
            with pytest.raises(ValueError):
                future.result()
        else:
            assert future.result() == n


def test_an_exception_in_a_round_fails_every_ticket_of_it_and_the_committer_recovers():
    calls = []

    def process(tickets):
        calls.append(len(tickets))
        if len(calls) == 1:
            raise ConnectionError("database went away")
        for t in tickets:
            t.succeed("ok")

    committer: GroupCommitter[int, str] = GroupCommitter(process)
    with pytest.raises(ConnectionError):
        committer.submit(Ticket(1, 1))
    assert committer.submit(Ticket(2, 1)) == "ok"
    assert not committer._busy


def test_rounds_respect_the_entry_limit():
    sizes = []
    gate = threading.Event()

    def process(tickets):
        if not sizes:
            gate.wait(timeout=5)
        sizes.append(sum(t.size for t in tickets))
        for t in tickets:
            t.succeed(1)

    committer: GroupCommitter[int, int] = GroupCommitter(process, max_entries=10)
    with ThreadPoolExecutor(max_workers=10) as pool:
        first = pool.submit(committer.submit, Ticket(0, 4))
        while not committer._busy:
            pass
        rest = [pool.submit(committer.submit, Ticket(n, 4)) for n in range(1, 7)]
        while len(committer._queue) < 6:
            pass
        gate.set()
        for f in [first, *rest]:
            assert f.result(timeout=5) == 1
    assert all(size <= 10 for size in sizes) and sum(sizes) == 28
