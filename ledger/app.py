"""The application factory: the one place concrete classes are wired together."""

from __future__ import annotations

import gc
import logging
import os
from datetime import timedelta

from flask import Flask
from sqlalchemy.exc import DBAPIError

from ledger import errors
from ledger.api import auth, problems, register_api, security
from ledger.config import Config
from ledger.crypto.signing import read_private_key_file
from ledger.operations import metrics, request_log
from ledger.persistence.db import make_engine
from ledger.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from ledger.reconciliation.exceptions import Settings
from ledger.services.clock import SystemClock
from ledger.services.runtime import LedgerRuntime
from ledger.services.sequencing import ROUND_OBSERVERS
from ledger.web import register_web

logger = logging.getLogger("ledger")


def database_url(config: Config) -> str:
    """The configured URL, or the embedded server's (started, and migrated, on first use)."""
    if config.database_url:
        return config.database_url
    from ledger.persistence.embedded import start_embedded
    from ledger.persistence.migrate import upgrade

    url = start_embedded(config.pgdata_dir)
    config.database_url = url
    os.environ["DATABASE_URL"] = url  # worker processes and subcommands find the same server
    upgrade(url)
    return url


def freeze_loaded() -> None:
    """Leave what a server process has loaded out of the garbage collector's full collections.

    What a worker has loaded once its app is built (modules, schemas, table metadata: some 140,000
    objects) lives as long as the worker. Frozen, it is no longer walked by the full collections that
    a report's thousands of objects set off every few requests, and which then took as long as the
    report (80 ms) walking those objects.
    """
    gc.collect()
    gc.freeze()


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app: storage, clock, checkpoint key, HTTP API and CLI.

    :param config: settings; ``Config.from_env()`` when omitted.
    """
    config = config or Config.from_env()
    app = Flask("ledger")
    app.config.update(MAX_CONTENT_LENGTH=config.max_body_bytes, **config.flask)
    request_log.install(app)  # before every other hook, so each problem they raise carries the request id
    engine = config.overrides.get("engine") or make_engine(
        database_url(config), runtime_role=config.runtime_role, pool_size=10, max_overflow=20
    )
    metrics.watch_pool(engine)
    if metrics.observe_round not in ROUND_OBSERVERS:
        ROUND_OBSERVERS.append(metrics.observe_round)
    checkpoint_key = config.overrides.get("checkpoint_key")
    if checkpoint_key is None and config.checkpoint_key_path.exists():
        checkpoint_key = read_private_key_file(config.checkpoint_key_path, config.key_passphrase)
    read_engine = config.overrides.get("read_engine") or (
        make_engine(config.read_database_url, runtime_role=config.runtime_role, pool_size=10, max_overflow=20) if config.read_database_url else None
    )
    runtime = LedgerRuntime(
        uow_factory=SqlAlchemyUnitOfWorkFactory(engine),
        replica_uow_factory=SqlAlchemyUnitOfWorkFactory(read_engine) if read_engine is not None else None,
        clock=config.overrides.get("clock") or SystemClock(),
        checkpoint_key=checkpoint_key,
        max_clock_skew=timedelta(seconds=config.max_clock_skew_seconds),
        max_signed_age=timedelta(seconds=config.max_age_seconds),
        session_idle=timedelta(seconds=config.session_idle_seconds),
        session_absolute=timedelta(seconds=config.session_absolute_seconds),
        max_batch_entries=config.max_batch_entries,
        reconciliation=Settings(financing_grace=timedelta(days=config.financing_grace_days)),
        load_checkpoint_keys=lambda: [read_private_key_file(path, config.key_passphrase) for path in config.checkpoint_key_files()],
    )
    app.extensions["ledger"] = runtime
    app.extensions["ledger_config"] = config
    app.extensions["ledger_engine"] = engine
    app.extensions["ledger_read_engine"] = read_engine
    app.extensions["ledger_api"] = register_api(app)
    security.trust_proxies(app, config.trusted_proxies)
    # Identify the token, count the request against its limit, then let the gate refuse it: the limit
    # keys on verified tokens only, and guesses are counted (per address) before they are refused.
    auth.install_identification(app)
    app.extensions["ledger_limiter"] = security.install_limits(
        app, rate_limit=config.rate_limit, storage_uri=config.rate_limit_storage
    )
    auth.install_gate(app)
    app.secret_key = security.session_secret(config.secret_key, config.session_key_path)
    security.harden_session_cookie(app, secure=config.cookie_secure)
    register_web(app, csrf_lifetime=config.session_absolute_seconds)
    app.register_error_handler(DBAPIError, _database_error)

    from ledger.cli import commands

    app.cli.add_command(commands)
    return app


def _database_error(exc: DBAPIError) -> object:
    if exc.connection_invalidated or isinstance(exc.orig, _connection_errors()):
        logger.warning("database unavailable: %s", exc.orig)
        return problems.ledger_error_response(
            errors.ServiceUnavailable("the database is unavailable; retry with the same nonce")
        )
    return problems.unexpected_error_response(exc)


def _connection_errors() -> tuple[type[BaseException], ...]:
    import psycopg

    return (psycopg.OperationalError,)
