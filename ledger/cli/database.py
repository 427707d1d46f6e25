"""Which database a server command works on, and refusing to create an empty one on a machine that has none.

Without DATABASE_URL the app starts (creating it on first use) an embedded PostgreSQL under
LEDGER_HOME. That is how `serve`, `init` and `db upgrade` set a server up; but a server command run
by mistake on a client machine (`greenledger report` on an auditor's laptop) would silently create an
empty ledger there and report on it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from ledger.cli.common import fail
from ledger.config import Config

if TYPE_CHECKING:
    from flask import Flask

F = TypeVar("F", bound=Callable[..., Any])

#: What the client commands are, for the sentence that sends a user to them.
CLIENT_COMMANDS = "submit, verify-receipt, prove, witness, checkpoint"


def app_from_environment() -> "Flask":
    """The app `greenledger` runs its server commands in: configured from DATABASE_URL, LEDGER_HOME and the rest."""
    from ledger.app import create_app

    return create_app()


def has_server_database(config: Config) -> bool:
    """Whether the configuration names a database, or an embedded server already exists under LEDGER_HOME
    (``initdb`` writes ``PG_VERSION`` into a cluster's folder)."""
    return bool(config.database_url) or (config.pgdata_dir / "PG_VERSION").is_file()


def on_server_database(command: F) -> F:
    """Run ``command`` in the app, as ``with_appcontext`` does; but first, when `greenledger` would build
    the app from the environment and there is no database to open, say so and exit 2, creating nothing.

    `flask ledger …` and tests hand over an app they built themselves: that one is used as it is.
    """
    in_app = with_appcontext(command)

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        builds_from_environment = ctx.ensure_object(ScriptInfo).create_app is app_from_environment
        if builds_from_environment and not current_app:
            config = Config.from_env()
            if not has_server_database(config):
                fail(
                    f"`{ctx.command_path}` works on the server's database, and this machine has none "
                    f"(DATABASE_URL is unset and {config.pgdata_dir} holds no embedded server): set DATABASE_URL "
                    f"to the server's database, or run it on the server, where `greenledger serve` created "
                    f"{config.home}; the client commands ({CLIENT_COMMANDS}) talk to a server over HTTP with --server URL instead",
                    status=2,
                )
        return in_app(*args, **kwargs)

    return checked  # type: ignore[return-value]
