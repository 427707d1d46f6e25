"""CLI commands sign with the wall clock, so the server under test reads it too."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from ledger.crypto.signing import private_key_to_pem
from tests.conftest import OPERATOR_ID, OPERATOR_KEY, FixedClock, served, token_for


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(timezone.utc))


@pytest.fixture
def live_url(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app on a real socket on 127.0.0.1, so the CLI talks real HTTP (as the operator: LEDGER_TOKEN)."""
    monkeypatch.setenv("LEDGER_TOKEN", token_for(app, OPERATOR_ID))
    with served(app) as url:
        yield url


@pytest.fixture
def operator_pem(tmp_path: Path) -> Path:
    path = tmp_path / "operator.pem"
    path.write_bytes(private_key_to_pem(OPERATOR_KEY))
    return path
