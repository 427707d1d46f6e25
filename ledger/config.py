"""Settings read from the environment (DATABASE_URL, LEDGER_*), with documented defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_HOME = Path("~/.greenledger")
DEFAULT_ORIGIN = "greenledger.sichuan.example/pilot-parks"
#: ``LEDGER_MODE``: production refuses settings that are only safe on a developer's machine (ledger.operations.checks).
MODES = ("development", "production")
#: ``LEDGER_LOG_FORMAT``: one JSON object per line for a log shipper, or lines for a person to read.
LOG_FORMATS = ("json", "text")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        # The name in the message: `serve` and `config check` print it as the one sentence they fail with.
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


@dataclass
class Config:
    """Runtime configuration.

    Every field can be set from the environment; ``from_env`` documents the variable names.
    """

    #: SQLAlchemy URL of the PostgreSQL database; None starts the embedded server under ``home``.
    database_url: str | None = None
    #: A streaming replica of it for reads, proofs, reports and tiles (writes stay on the primary).
    read_database_url: str | None = None
    #: Folder holding ``keys/`` and, for the embedded server, ``pgdata/``.
    home: Path = field(default_factory=lambda: DEFAULT_HOME.expanduser())
    #: Log origin written into the genesis entry by ``greenledger init``.
    origin: str = DEFAULT_ORIGIN
    #: Passphrase of the PKCS#8 key files, if they are encrypted.
    key_passphrase: bytes | None = None
    #: How far in the future ``signed_at`` may lie, in seconds.
    max_clock_skew_seconds: int = 300
    #: How long before its arrival an entry may have been signed, in seconds.
    max_age_seconds: int = 86400
    #: Most entries accepted in one batch request.
    max_batch_entries: int = 1000
    #: Largest request body, in bytes.
    max_body_bytes: int = 8 * 1024 * 1024
    #: Default and largest page size of list endpoints.
    default_page_size: int = 100
    max_page_size: int = 1000
    #: Days disbursed financing may go without a verified reduction before reports flag it.
    financing_grace_days: int = 365
    #: Requests per verified API token (per client address without one), in `limits` notation; empty: no limit.
    rate_limit: str = "1200 per minute"
    #: Where rate-limit counters live: memory:// counts per worker process; redis://... shares them.
    rate_limit_storage: str = "memory://"
    #: Reverse proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto are believed (0: none).
    trusted_proxies: int = 0
    #: A web session ends after this many seconds without a request, and this many after sign-in.
    session_idle_seconds: int = 1800
    session_absolute_seconds: int = 43200
    #: Mark the session cookie Secure on every response (it always is on HTTPS requests).
    cookie_secure: bool = False
    #: Key signing the web pages' session cookie; by default kept in ``session.key`` under ``home``.
    secret_key: str | None = None
    #: Role the web app switches to after connecting (INSERT and SELECT only on log tables).
    runtime_role: str | None = "greenledger_app"
    #: ``development`` or ``production`` (which refuses a session cookie without TLS, the embedded database, no runtime role).
    mode: str = "development"
    #: ``json``, ``text``, or None: JSON in production, text otherwise (``serve --demo`` stays readable).
    log_format: str | None = None
    #: Level of the server's logs (a logging level name); every request is logged at INFO.
    log_level: str = "INFO"
    #: Where ``serve`` answers Prometheus scrapes (host:port, off the public listener); None: no metrics listener.
    metrics_bind: str | None = None
    #: Extra Flask settings (tests put TESTING here).
    flask: dict[str, Any] = field(default_factory=dict)
    #: Objects tests inject instead of reading files or the wall clock.
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def checkpoint_key_path(self) -> Path:
        return self.keys_dir / "checkpoint.pem"

    def checkpoint_key_files(self) -> list[Path]:
        """The checkpoint key in force (``checkpoint.pem``) and those rotated to or from (``checkpoint-<hash>.pem``)."""
        return sorted(self.keys_dir.glob("checkpoint*.pem"))

    @property
    def operator_key_path(self) -> Path:
        return self.keys_dir / "operator.pem"

    @property
    def session_key_path(self) -> Path:
        return self.home / "session.key"

    @property
    def pgdata_dir(self) -> Path:
        return self.home / "pgdata"

    @classmethod
    def from_env(cls) -> "Config":
        """Read ``DATABASE_URL``, ``LEDGER_READ_DATABASE_URL``, ``LEDGER_HOME``, ``LEDGER_ORIGIN``, ``LEDGER_KEY_PASSPHRASE``,
        ``LEDGER_MAX_SKEW_SECONDS``, ``LEDGER_MAX_AGE_SECONDS``, ``LEDGER_MAX_BATCH``, ``LEDGER_MAX_BODY_BYTES``,
        ``LEDGER_PAGE_SIZE``, ``LEDGER_MAX_PAGE_SIZE``, ``LEDGER_FINANCING_GRACE_DAYS``,
        ``LEDGER_RATE_LIMIT`` (empty: none), ``LEDGER_RATE_LIMIT_STORAGE``, ``LEDGER_TRUSTED_PROXIES``, ``LEDGER_SESSION_IDLE_SECONDS``,
        ``LEDGER_SESSION_MAX_SECONDS``, ``LEDGER_COOKIE_SECURE``, ``LEDGER_SECRET_KEY``,
        ``LEDGER_RUNTIME_ROLE`` (empty: none), ``LEDGER_MODE``, ``LEDGER_LOG_FORMAT``, ``LEDGER_LOG_LEVEL`` and
        ``LEDGER_METRICS_BIND``. Values are taken as given; ``greenledger config check`` says which are wrong."""
        passphrase = os.environ.get("LEDGER_KEY_PASSPHRASE")
        role = os.environ.get("LEDGER_RUNTIME_ROLE", "greenledger_app")
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            read_database_url=os.environ.get("LEDGER_READ_DATABASE_URL") or None,
            home=Path(os.environ.get("LEDGER_HOME", str(DEFAULT_HOME))).expanduser(),
            origin=os.environ.get("LEDGER_ORIGIN", DEFAULT_ORIGIN),
            key_passphrase=passphrase.encode() if passphrase else None,
            max_clock_skew_seconds=_env_int("LEDGER_MAX_SKEW_SECONDS", 300),
            max_age_seconds=_env_int("LEDGER_MAX_AGE_SECONDS", 86400),
            max_batch_entries=_env_int("LEDGER_MAX_BATCH", 1000),
            max_body_bytes=_env_int("LEDGER_MAX_BODY_BYTES", 8 * 1024 * 1024),
            default_page_size=_env_int("LEDGER_PAGE_SIZE", 100),
            max_page_size=_env_int("LEDGER_MAX_PAGE_SIZE", 1000),
            financing_grace_days=_env_int("LEDGER_FINANCING_GRACE_DAYS", 365),
            rate_limit=os.environ.get("LEDGER_RATE_LIMIT", cls.rate_limit),
            rate_limit_storage=os.environ.get("LEDGER_RATE_LIMIT_STORAGE") or cls.rate_limit_storage,
            trusted_proxies=_env_int("LEDGER_TRUSTED_PROXIES", 0),
            session_idle_seconds=_env_int("LEDGER_SESSION_IDLE_SECONDS", 1800),
            session_absolute_seconds=_env_int("LEDGER_SESSION_MAX_SECONDS", 43200),
            cookie_secure=os.environ.get("LEDGER_COOKIE_SECURE", "").strip().lower() in ("1", "true", "yes", "on"),
            secret_key=os.environ.get("LEDGER_SECRET_KEY") or None,
            runtime_role=role or None,
            mode=os.environ.get("LEDGER_MODE", "").strip().lower() or cls.mode,
            log_format=os.environ.get("LEDGER_LOG_FORMAT", "").strip().lower() or None,
            log_level=os.environ.get("LEDGER_LOG_LEVEL", "").strip().upper() or cls.log_level,
            metrics_bind=os.environ.get("LEDGER_METRICS_BIND", "").strip() or None,
        )

    @property
    def production(self) -> bool:
        return self.mode == "production"

    def effective_log_format(self) -> str:
        """The log format in force: the one set, else JSON in production and text elsewhere."""
        if self.log_format:
            return self.log_format
        return "json" if self.production else "text"
