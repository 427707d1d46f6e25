"""What `greenledger serve` checks and sets up before it listens, and `greenledger config check`, which prints the checks."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from typing import Any, NoReturn

import click

from ledger.cli.common import fail
from ledger.cli.database import has_server_database
from ledger.cli.server import audience
from ledger.config import Config
from ledger.operations import checks
from ledger.operations.checks import Check

#: What `serve` exits with when it refuses the settings (as for a usage error: nothing was started).
REFUSED_STATUS = 2


def read_config() -> Config:
    """The settings from the environment, or exit 2 naming the variable that cannot be read."""
    try:
        return Config.from_env()
    except ValueError as exc:
        fail(str(exc), status=REFUSED_STATUS)


def _refuse(found: list[Check]) -> None:
    refused = [check for check in found if check.refused]
    if refused:
        _fail_with(refused)
    for check in found:
        if check.verdict == checks.WARNING:
            click.secho(f"warning: {check.message}", fg="yellow", err=True)


def _fail_with(refused: list[Check]) -> NoReturn:
    more = f" (and {len(refused) - 1} more: `greenledger config check` lists them)" if len(refused) > 1 else ""
    fail(f"refusing to serve: {refused[0].message}{more}", status=REFUSED_STATUS)


def prepare_to_serve(config: Config, *, demo: bool) -> None:
    """Before anything starts: refuse unsafe settings and a metrics address that cannot be listened on, and
    give gunicorn's workers a fresh folder to keep their metrics in (the logs are set up by ``run_gunicorn``).

    Runs before ``ledger.app`` (and so prometheus_client) is first imported: the client chooses between
    in-process and multiprocess values once, at import.
    """
    _refuse(checks.settings_checks(config, demo=demo))
    if config.metrics_bind:
        from ledger.cli.serving import why_cannot_listen

        refusal = why_cannot_listen(config.metrics_bind)
        if refusal:
            fail(f"LEDGER_METRICS_BIND: {refusal}", status=REFUSED_STATUS)
        directory = tempfile.mkdtemp(prefix="greenledger-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        atexit.register(shutil.rmtree, directory, True)


def refuse_unsafe_database(config: Config, app: Any) -> None:
    """Once the database is up: refuse a checkpoint key that is missing or not the log's, and a runtime role that may rewrite the log."""
    engine = app.extensions["ledger_engine"]
    found = checks.database_checks(config, app.extensions["ledger"], engine)
    if any(check.refused for check in found):
        engine.dispose()  # close the pool's connections before exiting, rather than leave them to the collector
    _refuse(found)


@audience.group("config", short_help="Check the settings `serve` would start with.")
def config_group() -> None:
    """The server's settings (environment variables, LEDGER_HOME, the database)."""


@config_group.command("check")
@click.option("--demo", is_flag=True, help="Check as for `serve --demo`.")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
def config_check(demo: bool, as_json: bool) -> None:
    """Print each check `greenledger serve` makes before it listens; exit 1 when one refuses.

    The database checks run when there is a database (DATABASE_URL, or an embedded one under LEDGER_HOME).
    """
    config = read_config()
    found = checks.settings_checks(config, demo=demo)
    if has_server_database(config):
        from ledger.app import create_app

        try:
            app = create_app(config)
        except Exception as exc:  # noqa: BLE001 - a sentence for the operator, the driver's own words in it
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            found.append(Check("database", checks.REFUSED, f"cannot open the ledger database: {reason}"))
        else:
            found.extend(checks.database_checks(config, app.extensions["ledger"], app.extensions["ledger_engine"]))
            app.extensions["ledger_engine"].dispose()
    else:
        found.append(Check("database", checks.WARNING, f"no database to check: DATABASE_URL is unset and {config.pgdata_dir} holds none yet"))
    if as_json:
        click.echo(json.dumps([{"check": c.name, "verdict": c.verdict, "message": c.message} for c in found], indent=2))
    else:
        colours = {checks.OK: "green", checks.WARNING: "yellow", checks.REFUSED: "red"}
        for check in found:
            click.echo(click.style(f"{check.verdict:<8}", fg=colours[check.verdict]) + f" {check.name}: {check.message}")
    if any(check.refused for check in found):
        raise SystemExit(1)
