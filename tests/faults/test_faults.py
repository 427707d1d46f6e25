"""Crash safety against real processes: a gunicorn worker killed mid-append, PostgreSQL restarted under
load, and two `greenledger serve` instances appending to one database at once (issue 6).

After each: every acknowledged receipt is in the log and proves it against the final checkpoint, the
indices have no gap, nothing unacknowledged is written, identical retries get the first receipt, and
the offline verifier accepts an export.
"""

from __future__ import annotations

import os
import signal

from tests.faults.harness import (
    LedgerServer,
    Outcomes,
    check_log,
    check_retries_replay,
    export_and_verify,
    join_all,
    ledger_env,
    ledger_home,
    run_submitters,
    signed_registrations,
    wait_for,
)

SUBMITTERS = 20
EACH = 10
TOTAL = SUBMITTERS * EACH
#: Besides the 20 submitters that retry until acknowledged, one client sends this many entries once each.
IMPATIENT = 20


def _finish(name, servers, work, impatient, outcomes, env, work_dir, figures, extra=""):
    urls = [s.url for s in servers]
    result = check_log(urls, work, outcomes, env["DATABASE_URL"], impatient)
    check_retries_replay(urls, work, outcomes)
    verified = export_and_verify(env, work_dir)
    assert f'"tree_size": {result.tree_size}' in verified
    figures.append(
        f"{name}: {result.acknowledged} entries acknowledged, {result.found} found and proven; tree size {result.tree_size}; "
        f"{result.unacknowledged} sent once and unacknowledged, {result.unacknowledged_found} of them appended whole; "
        f"{outcomes.unavailable} answers 503, {len(outcomes.refused)} connections failed{extra}; offline verifier OK"
    )


def test_sigkill_a_worker_during_twenty_concurrent_submitters(work_dir, database, figures):
    env = ledger_env(ledger_home(work_dir), database)
    server = LedgerServer(work_dir, env, name="serve", workers=2, threads=4).start()
    try:
        work = signed_registrations("kill", SUBMITTERS, EACH)
        impatient = signed_registrations("kill-once", 1, IMPATIENT)[0]
        outcomes = Outcomes()
        threads = run_submitters([server.url], work, outcomes, impatient)
        killed = []
        for threshold in (TOTAL // 10, TOTAL // 2):
            wait_for(lambda t=threshold: outcomes.acknowledged >= t, 120, f"{threshold} receipts")
            victim = max(server.worker_pids())  # the higher pid: after the first kill, usually its replacement
            os.kill(victim, signal.SIGKILL)
            killed.append((victim, outcomes.acknowledged))
            wait_for(lambda v=victim: v not in server.worker_pids() and len(server.worker_pids()) == 2, 120, "gunicorn to replace the worker")
        join_all(threads)
        assert all(acked < TOTAL for _, acked in killed), "a worker was killed only after the load had finished"
        _finish("SIGKILL of a worker", [server], work, impatient, outcomes, env, work_dir, figures,
                extra=f"; killed workers after {', '.join(str(a) for _, a in killed)} receipts")  # fmt: skip
    except BaseException:
        print(server.log_tail())
        raise
    finally:
        server.stop()


def test_two_servers_append_to_one_database_at_once(work_dir, database, figures):
    env = ledger_env(ledger_home(work_dir), database)
    first = LedgerServer(work_dir, env, name="serve-a", workers=2, threads=4).start()
    second = LedgerServer(work_dir, env, name="serve-b", workers=2, threads=4).start()
    try:
        work = signed_registrations("two", SUBMITTERS, EACH)
        impatient = signed_registrations("two-once", 1, IMPATIENT)[0]
        outcomes = Outcomes()
        join_all(run_submitters([first.url, second.url], work, outcomes, impatient))
        assert len(outcomes.served) == 2, outcomes.served  # both servers appended
        assert first.url != second.url
        _finish("two servers, one database", [first, second], work, impatient, outcomes, env, work_dir, figures,
                extra=f"; receipts per server {sorted(outcomes.served.values())}")  # fmt: skip
    except BaseException:
        print(first.log_tail(), second.log_tail(), sep="\n")
        raise
    finally:
        first.stop()
        second.stop()


def test_postgresql_restarts_under_load(work_dir, database, postgres, figures):
    env = ledger_env(ledger_home(work_dir), database)
    server = LedgerServer(work_dir, env, name="serve", workers=2, threads=4).start()
    try:
        work = signed_registrations("restart", SUBMITTERS, EACH)
        impatient = signed_registrations("restart-once", 1, IMPATIENT)[0]
        outcomes = Outcomes()
        threads = run_submitters([server.url], work, outcomes, impatient)
        # An outage clients must notice: stop, wait until they have been answered 503, start again.
        wait_for(lambda: outcomes.acknowledged >= TOTAL // 10, 120, "the first receipts")
        postgres.stop()
        stopped_at = outcomes.acknowledged
        wait_for(lambda: outcomes.unavailable >= 5, 60, "clients to be told the database is unavailable")
        postgres.start()
        # And a restart in one go (pg_ctl restart -m fast), mid-load.
        wait_for(lambda: outcomes.acknowledged >= TOTAL // 2, 120, "receipts after the first restart")
        restarted_at = outcomes.acknowledged
        postgres.restart()
        join_all(threads)
        assert stopped_at < TOTAL and restarted_at < TOTAL, "PostgreSQL went down only after the load had finished"
        # gunicorn stayed up: every request got an answer (a receipt or a 503), none hung or was dropped.
        assert not outcomes.refused, outcomes.refused[:10]
        _finish("PostgreSQL restarts", [server], work, impatient, outcomes, env, work_dir, figures,
                extra=f"; stopped after {stopped_at} and restarted after {restarted_at} receipts")  # fmt: skip
    except BaseException:
        print(server.log_tail())
        raise
    finally:
        server.stop()
        if not postgres.running():
            postgres.start()
