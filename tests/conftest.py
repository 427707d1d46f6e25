"""Shared fixtures: a real PostgreSQL (embedded, or DATABASE_URL), one fresh database per test."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from ledger.client import make_envelope
from ledger.errors import LedgerError
from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import private_key_from_seed, raw_public_key

#: Fixed keys and clock: tests are reproducible and never sleep.
CHECKPOINT_KEY = private_key_from_seed(bytes(range(1, 33)))
OPERATOR_KEY = private_key_from_seed(bytes(range(33, 65)))
OPERATOR_ID = "operator"
OPERATOR_USCC = "12510000MB1C2D3E42"
ORIGIN = "test.greenledger.example/log"
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


class FixedClock:
    """A clock that moves only when a test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as psycopg/libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server we may create databases on (DATABASE_URL, else an embedded one)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        from ledger.persistence.db import sqlalchemy_url

        yield sqlalchemy_url(url)
        return
    from ledger.persistence.embedded import start_embedded

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield start_embedded(tmp_path_factory.mktemp("pg") / "pgdata", database="greenledger_tests")


def _admin(server_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(_with_database(server_url, "postgres")), autocommit=True)


def _initialize(url: str) -> None:
    from ledger.persistence.db import make_engine
    from ledger.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
    from ledger.services.entries import initialize_ledger
    from ledger.services.runtime import LedgerRuntime

    engine = make_engine(url)
    runtime = LedgerRuntime(SqlAlchemyUnitOfWorkFactory(engine), FixedClock(), CHECKPOINT_KEY)
    initialize_ledger(runtime, genesis_envelope())
    engine.dispose()


def genesis_envelope() -> dict[str, Any]:
    payload = {
        "origin": ORIGIN,
        "checkpoint_key": b64encode(raw_public_key(CHECKPOINT_KEY)),
        "operator": {
            "party": OPERATOR_ID,
            "legal_name": "Test Registry Operator",
            "unified_social_credit_code": OPERATOR_USCC,
            "public_key": b64encode(raw_public_key(OPERATOR_KEY)),
        },
    }
    return make_envelope(entry_type="ledger.genesis", signer=OPERATOR_ID, key=OPERATOR_KEY, payload=payload, nonce="genesis", signed_at=T0)


@pytest.fixture(scope="session")
def database_templates(pg_server_url: str) -> Iterator[dict[str, str]]:
    """Two template databases: 'migrated' (empty log) and 'initialized' (genesis at index 0)."""
    from ledger.persistence.migrate import upgrade

    suffix = uuid.uuid4().hex[:8]
    names = {"migrated": f"gl_tmpl_migrated_{suffix}", "initialized": f"gl_tmpl_init_{suffix}"}
    with _admin(pg_server_url) as admin:
        admin.execute(f'CREATE DATABASE "{names["migrated"]}"')
        upgrade(_with_database(pg_server_url, names["migrated"]))
        admin.execute(f'CREATE DATABASE "{names["initialized"]}" TEMPLATE "{names["migrated"]}"')
        _initialize(_with_database(pg_server_url, names["initialized"]))
    yield names
    with _admin(pg_server_url) as admin:
        for name in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _clone(pg_server_url: str, template: str) -> Iterator[str]:
    name = f"gl_test_{uuid.uuid4().hex[:12]}"
    with _admin(pg_server_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _with_database(pg_server_url, name)
    finally:
        with _admin(pg_server_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(pg_server_url: str, database_templates: dict[str, str]) -> Iterator[str]:
    """A fresh database of its own, migrated, holding only the genesis entry."""
    yield from _clone(pg_server_url, database_templates["initialized"])


@pytest.fixture
def empty_database_url(pg_server_url: str, database_templates: dict[str, str]) -> Iterator[str]:
    """A fresh migrated database whose log is empty."""
    yield from _clone(pg_server_url, database_templates["migrated"])


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@contextlib.contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` on a real socket on 127.0.0.1 (a thread of this process), for clients that speak HTTP."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def token_for(app: Any, party_id: str) -> str:
    """A real API token for ``party_id`` on ``app`` (issued once per app and party, then reused)."""
    from ledger.services.tokens import issue_token

    issued = app.extensions.setdefault("test_tokens", {})
    if party_id not in issued:
        issued[party_id] = issue_token(app.extensions["ledger"], party_id, lifetime=timedelta(days=3650), label="tests").token
    return str(issued[party_id])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _submitting_party(path: str, body: Any) -> str | None:
    """The signer of a submission (the first entry's, for a batch), if the body names one."""
    if path.startswith("/v1/entries/batch") and isinstance(body, dict) and isinstance(body.get("entries"), list) and body["entries"]:
        body = body["entries"][0]
    envelope = body.get("envelope") if isinstance(body, dict) else None
    signer = envelope.get("signer") if isinstance(envelope, dict) else None
    return signer if isinstance(signer, str) else None


class TokenClient(FlaskClient):
    """A test client that, unless a test sends its own Authorization header, authenticates to the API
    (/v1/ and the tiles) as the registry operator, and a submission as its signer (the operator when the signer is not
    registered; no token before genesis), with real tokens. Authorization tests
    (tests/api/test_access.py) send their own headers."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        headers = dict(kwargs.get("headers") or {})
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        chosen = "Authorization" in headers or "HTTP_AUTHORIZATION" in self.environ_base
        if not chosen and path.startswith(("/v1/", "/tile/")):
            party = OPERATOR_ID
            if kwargs.get("method", "GET") == "POST":
                body = kwargs.get("json")
                if body is None and isinstance(kwargs.get("data"), (bytes, str)):
                    try:
                        body = json.loads(kwargs["data"])
                    except ValueError:
                        body = None
                party = _submitting_party(path, body) or OPERATOR_ID
            for candidate in (party, OPERATOR_ID):
                try:
                    headers["Authorization"] = f"Bearer {token_for(self.application, candidate)}"
                    break
                except LedgerError:  # not registered (yet): try the operator, else send no token
                    continue
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture
def make_app(tmp_path: Path, clock: FixedClock) -> Iterator[Callable[..., Any]]:
    from ledger import Config, create_app

    apps = []

    def factory(url: str, **settings: Any) -> Any:
        settings.setdefault("rate_limit", "100000 per minute")
        config = Config(
            database_url=url,
            home=tmp_path / "home",
            origin=ORIGIN,
            flask={"TESTING": True},
            overrides={"checkpoint_key": CHECKPOINT_KEY, "clock": clock},
            **settings,
        )
        app = create_app(config)
        app.test_client_class = TokenClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["ledger_engine"].dispose()
        if app.extensions.get("ledger_read_engine") is not None:
            app.extensions["ledger_read_engine"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Any], database_url: str) -> Any:
    return make_app(database_url)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def sign(clock: FixedClock) -> Callable[..., dict[str, Any]]:
    """Sign an envelope; defaults: signed by the operator at the test clock's time (the server's)."""
    counter = iter(range(1, 1_000_000))

    def _sign(entry_type: str, payload: dict[str, Any], *, signer: str = OPERATOR_ID, key: Any = OPERATOR_KEY, nonce: str | None = None, signed_at: datetime | None = None) -> dict[str, Any]:
        return make_envelope(
            entry_type=entry_type, signer=signer, key=key, payload=payload, nonce=nonce or f"n-{next(counter)}", signed_at=signed_at or clock.current
        )

    return _sign
