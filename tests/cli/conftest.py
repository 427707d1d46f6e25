"""CLI commands sign with the wall clock, so the server under test reads it too."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.conftest import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(timezone.utc))
