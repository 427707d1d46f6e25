"""The checks ``greenledger serve`` makes before it listens, and ``greenledger config check`` prints.

Each check gives one sentence and a verdict: ``ok``, ``warning`` (served anyway, but an operator should
know), or ``refused`` (``serve`` exits non-zero with that sentence). The settings checks read only the
configuration; the database checks read the log's genesis entry and the checkpoint key in force, and ask
PostgreSQL what the runtime role may do to the log tables.
"""

from __future__ import annotations

import logging
import stat
from dataclasses import dataclass
from typing import Any

from ledger import errors
from ledger.config import LOG_FORMATS, MODES, Config
from ledger.crypto.checkpoint import verifier_key
from ledger.crypto.signing import raw_public_key, read_private_key_file
from ledger.services.runtime import LedgerRuntime

OK = "ok"
WARNING = "warning"
REFUSED = "refused"

#: The tables an entry, its tree nodes and its checkpoint are written to once and never changed.
LOG_TABLES = ("entries", "tree_nodes", "checkpoints")
#: What the runtime role must not be able to do to them (the triggers refuse it too; the role is the first wall).
REWRITING_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE")


@dataclass(frozen=True)
class Check:
    """One check's name, verdict (``ok``, ``warning``, ``refused``) and sentence."""

    name: str
    verdict: str
    message: str

    @property
    def refused(self) -> bool:
        return self.verdict == REFUSED


def _ok(name: str, message: str) -> Check:
    return Check(name, OK, message)


def settings_checks(config: Config, *, demo: bool = False) -> list[Check]:
    """The checks that need only the settings: mode, logs, TLS for the cookie, database, runtime role, key files."""
    found: list[Check] = []
    if config.mode not in MODES:
        found.append(Check("mode", REFUSED, f"LEDGER_MODE must be development or production, not {config.mode!r}"))
        return found
    found.append(_ok("mode", f"{config.mode} mode"))
    production = config.production
    found.append(_log_check(config))
    if production and demo:
        found.append(Check("demo", REFUSED, "--demo loads parties whose keys come from a public seed, so it cannot run in production mode"))
    if production and not config.cookie_secure:
        found.append(Check(
            "cookie", REFUSED,
            "production mode needs LEDGER_COOKIE_SECURE=1 (TLS in front of the server), or the session cookie could travel in clear",
        ))  # fmt: skip
    else:
        found.append(_ok("cookie", "the session cookie is Secure" if config.cookie_secure else "the session cookie is Secure on HTTPS requests only (development)"))
    if production and not config.database_url:
        found.append(Check("database", REFUSED, "production mode needs DATABASE_URL: the embedded PostgreSQL is for a single developer's machine"))
    else:
        found.append(_ok("database", "DATABASE_URL is set" if config.database_url else f"embedded PostgreSQL in {config.pgdata_dir}"))
    if config.runtime_role is None:
        verdict = REFUSED if production else WARNING
        found.append(Check("runtime role", verdict, "LEDGER_RUNTIME_ROLE is empty, so the server writes as the database owner, which may rewrite the log"))
    if production and not config.secret_key:
        found.append(Check(
            "session secret", WARNING,
            f"LEDGER_SECRET_KEY is unset: this host signs cookies with its own {config.session_key_path}, so several hosts must share that file",
        ))  # fmt: skip
    if production and config.rate_limit and config.rate_limit_storage.startswith("memory://"):
        found.append(Check("rate limit", WARNING, "the rate limit counts in each worker's memory; LEDGER_RATE_LIMIT_STORAGE=redis://... shares it between workers and hosts"))
    host, _, port = (config.metrics_bind or "").rpartition(":")
    if config.metrics_bind and not (host and port.isdigit() and 0 < int(port) < 65536):
        found.append(Check("metrics", REFUSED, f"LEDGER_METRICS_BIND must be host:port (10.0.1.11:9464), not {config.metrics_bind!r}"))
    elif config.metrics_bind and host in ("0.0.0.0", "[::]"):
        found.append(Check("metrics", WARNING, f"metrics listen on every address ({config.metrics_bind}) without a token: keep the port behind a firewall"))
    found.extend(_key_file_modes(config))
    return found


def _log_check(config: Config) -> Check:
    if config.log_format is not None and config.log_format not in LOG_FORMATS:
        return Check("logs", REFUSED, f"LEDGER_LOG_FORMAT must be json or text, not {config.log_format!r}")
    if not isinstance(logging.getLevelName(config.log_level), int):
        return Check("logs", REFUSED, f"LEDGER_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {config.log_level!r}")
    return _ok("logs", f"{config.effective_log_format()} lines from {config.log_level} up")


def _key_file_modes(config: Config) -> list[Check]:
    """Key files others may read: refused in production, a warning elsewhere (a developer's copies of test keys)."""
    found = []
    for path in [*config.checkpoint_key_files(), config.operator_key_path]:
        if not path.exists():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            verdict = REFUSED if config.production else WARNING
            found.append(Check("key files", verdict, f"{path} is open to other users (mode {mode:04o}); run chmod 600 {path}"))
    if config.checkpoint_key_path.exists():
        try:
            read_private_key_file(config.checkpoint_key_path, config.key_passphrase)
        except errors.LedgerError as exc:
            found.append(Check("key files", REFUSED, f"cannot read {config.checkpoint_key_path}: {exc.detail}"))
    if config.keys_dir.is_dir() and not found:
        found.append(_ok("key files", f"the key files in {config.keys_dir} are readable by their owner only"))
    return found


def database_checks(config: Config, runtime: LedgerRuntime, engine: Any) -> list[Check]:
    """The checks that read the database: the server holds the checkpoint key in force, and the runtime
    role cannot rewrite the log.

    :param runtime: the app's runtime, holding the checkpoint key the app read (from ``keys/checkpoint.pem``).
    :param engine: the app's SQLAlchemy engine (which connects as the runtime role).
    """
    try:
        privileges = _rewriting_privileges(engine, config.runtime_role)
        # In production the login role matters too: a server can RESET ROLE back to it.
        login = _login_role_privileges(engine) if config.production and config.runtime_role else None
        with runtime.uow_factory() as uow:
            identity = runtime.current_identity(uow) if uow.log.size() else None
    except Exception as exc:  # noqa: BLE001 - the operator needs the driver's sentence, not a traceback
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return [Check("database", REFUSED, f"cannot read the ledger database: {reason}")]
    found = [_key_check(config, runtime, identity), _role_check(config, privileges)]
    if login is not None:
        found.append(_login_check(config, *login))
    return found


def _key_check(config: Config, runtime: LedgerRuntime, identity: Any) -> Check:
    path = config.checkpoint_key_path
    if identity is None:
        return Check("checkpoint key", WARNING, "the log is empty: `greenledger serve` or `greenledger init` creates the keys and the genesis entry")
    in_force = verifier_key(identity.origin, identity.checkpoint_public_key)
    if runtime.checkpoint_key is None:
        return Check("checkpoint key", REFUSED, f"{path} is missing: install the file of the checkpoint key in force ({in_force}), kept in the key backup")
    if raw_public_key(runtime.checkpoint_key) != identity.checkpoint_public_key:
        return Check(
            "checkpoint key", REFUSED,
            f"{path} is not the log's checkpoint key in force ({in_force}, from the genesis entry or the last rotation): "
            "this home's keys belong to another log, or the key file is older than a rotation",
        )  # fmt: skip
    return _ok("checkpoint key", f"{path} holds the checkpoint key in force, {in_force}")


def _role_check(config: Config, privileges: dict[str, list[str]]) -> Check:
    who = f"the runtime role {config.runtime_role}" if config.runtime_role else "the database user"
    if privileges:
        granted = "; ".join(f"{table}: {', '.join(found)}" for table, found in privileges.items())
        revoke = f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(LOG_TABLES)} FROM {config.runtime_role or 'CURRENT_USER'}"
        return Check("runtime role", REFUSED, f"{who} may rewrite the log ({granted}); run `{revoke}` as the owner, or name a role that may only SELECT and INSERT")
    return _ok("runtime role", f"{who} may only read and append to {', '.join(LOG_TABLES)}")


def _login_check(config: Config, login: str, privileges: dict[str, list[str]]) -> Check:
    if privileges:
        return Check(
            "login role", REFUSED,
            f"DATABASE_URL logs in as {login}, which may rewrite the log even after SET ROLE {config.runtime_role}: "
            f"give the servers a login role that is only a member of {config.runtime_role} (docs/deployment.md)",
        )  # fmt: skip
    return _ok("login role", f"DATABASE_URL logs in as {login}, which may not rewrite the log either")


def _login_role_privileges(engine: Any) -> tuple[str, dict[str, list[str]]]:
    from sqlalchemy import text

    with engine.connect() as connection:
        login = str(connection.execute(text("SELECT session_user")).scalar())
    return login, _rewriting_privileges(engine, login)


def _rewriting_privileges(engine: Any, role: str | None) -> dict[str, list[str]]:
    """Table -> the privileges of ``REWRITING_PRIVILEGES`` ``role`` (else the login role) holds on it, or may
    take by becoming the table's owner."""
    from sqlalchemy import text

    query = text(
        "SELECT has_table_privilege(coalesce(:role, session_user), :table, :privilege) "
        "OR pg_has_role(coalesce(:role, session_user), (SELECT relowner FROM pg_class WHERE oid = to_regclass(:table)), 'MEMBER')"
    )
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in LOG_TABLES:
            for privilege in REWRITING_PRIVILEGES:
                if connection.execute(query, {"role": role, "table": table, "privilege": privilege}).scalar():
                    found.setdefault(table, []).append(privilege)
    return found
