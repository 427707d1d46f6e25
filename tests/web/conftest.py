"""The demo programme on a real server, shared by the module's page and browser tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from ledger.crypto.signing import private_key_to_pem
from tests.conftest import CHECKPOINT_KEY, OPERATOR_KEY, ORIGIN, FixedClock, _clone, served, token_for

#: A smaller programme than `serve --demo` (40 projects, 60 loans) keeps the suite quick; the 17 parks are all there.
DEMO_PROJECTS = 24
DEMO_LOANS = 36


@pytest.fixture(scope="module")
def demo_app(pg_server_url: str, database_templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An app over a database of its own holding the demo programme."""
    from ledger import Config, create_app
    from ledger.demo import load_demo

    home = tmp_path_factory.mktemp("web-home")
    for url in _clone(pg_server_url, database_templates["initialized"]):
        config = Config(
            database_url=url,
            home=home,
            origin=ORIGIN,
            flask={"TESTING": True},
            overrides={"checkpoint_key": CHECKPOINT_KEY, "clock": FixedClock()},
            rate_limit="100000 per minute",
        )
        config.keys_dir.mkdir(parents=True)
        config.operator_key_path.write_bytes(private_key_to_pem(OPERATOR_KEY))
        app = create_app(config)
        load_demo(app.extensions["ledger"], config, projects=DEMO_PROJECTS, loans=DEMO_LOANS)
        try:
            yield app
        finally:
            app.extensions["ledger_engine"].dispose()


@pytest.fixture(scope="module")
def demo_url(demo_app: Any) -> Iterator[str]:
    """The demo app on a real socket on 127.0.0.1."""
    with served(demo_app) as url:
        yield url


@pytest.fixture(scope="module")
def auditor_token(demo_app: Any) -> str:
    """The demo's auditor reads everything (DESIGN §1)."""
    return token_for(demo_app, "provincial-audit")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where browser tests save what they saw (gitignored)."""
    path = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
