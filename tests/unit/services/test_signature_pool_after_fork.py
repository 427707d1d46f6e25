"""A process forked after the signature pool exists (gunicorn's workers, after `serve --demo` loaded the
demo in the master) gets a pool of its own: the parent's threads do not survive a fork, and an
inherited pool would accept the work and never do it (a dry run of 500 rows hung)."""

from __future__ import annotations

import os
import signal

from ledger.services import entries


def test_a_forked_child_checks_signatures_on_a_pool_of_its_own():
    parents = entries._signature_pool()
    assert parents.submit(lambda: 1).result(timeout=5) == 1
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        signal.alarm(10)  # a hung pool ends the child with SIGALRM instead of hanging the suite
        ok = entries._signature_pool() is not parents and entries._signature_pool().submit(lambda: 2).result(timeout=5) == 2
        os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
