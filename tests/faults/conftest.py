"""Fault tests run real processes: a PostgreSQL of their own (so it can be restarted) and `greenledger serve`."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from tests.faults.harness import PrivatePostgres

FIGURES: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _own_postgres_only() -> None:
    if os.environ.get("DATABASE_URL"):
        # They bring their own PostgreSQL whatever DATABASE_URL says, so the pass without it runs them once.
        pytest.skip("fault tests run on a private PostgreSQL, in the pass without DATABASE_URL")


@pytest.fixture
def figures() -> list[str]:
    """Lines a fault test reports (entries acknowledged and found), printed in the run's summary."""
    return FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.write_sep("-", "fault tests")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def fault_dir() -> Iterator[Path]:
    """A short path of our own (Unix socket paths are limited), removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="gl-faults-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres(fault_dir: Path) -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(fault_dir / "cluster")
    server.start()
    try:
        yield server
    finally:
        if server.running():
            server.stop()


@pytest.fixture
def work_dir(fault_dir: Path) -> Path:
    path = fault_dir / uuid.uuid4().hex[:8]
    path.mkdir()
    return path


@pytest.fixture
def database(postgres: PrivatePostgres) -> str:
    """A fresh, empty database on the private cluster; `greenledger serve` migrates and initializes it."""
    return postgres.create_database(f"faults_{uuid.uuid4().hex[:8]}")
