"""The ``greenledger`` command line (also ``flask ledger …``), its commands grouped by who runs them:
on the server (``server``), as a party (``party``) and as an auditor (``audit``)."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from ledger.cli import audit, operations, party, server
from ledger.cli.audiences import ListedByAudience
from ledger.cli.database import app_from_environment
from ledger.cli.genesis import DEFAULT_OPERATOR_NAME, DEFAULT_OPERATOR_USCC, initialize

__all__ = ["DEFAULT_OPERATOR_NAME", "DEFAULT_OPERATOR_USCC", "commands", "initialize", "main"]

AUDIENCES = (server.audience, party.audience, audit.audience)

HELP = """greenledger: a signed, append-only ledger of green finance and carbon credits.

The commands on the server work on its database (DATABASE_URL, or the embedded one that
`greenledger serve` keeps under LEDGER_HOME). The others read your files, or talk to a server over
HTTP: --server URL, by default LEDGER_URL, else http://127.0.0.1:8000.
"""

#: Commands the app itself registers (flask-smorest's), found by loading the app when asked for by name.
APP_COMMANDS = ("openapi",)


class _Commands(ListedByAudience, click.Group):
    """`flask ledger …`: the commands, in the app Flask loaded."""


class _Greenledger(ListedByAudience, FlaskGroup):
    """`greenledger …`: the commands, in an app configured from the environment."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        # Ours only: FlaskGroup would load the app to list its commands too, starting a database for --help.
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in APP_COMMANDS:
            return super().get_command(ctx, name)
        return click.Group.get_command(self, ctx, name)


commands = _Commands("ledger", audiences=AUDIENCES, help=HELP)

main = _Greenledger(
    name="greenledger",
    audiences=AUDIENCES,
    help=HELP,
    epilog="For maintainers: `greenledger openapi write --format yaml api_spec/openapi.yaml` regenerates the OpenAPI document.",
    create_app=app_from_environment,
    load_dotenv=False,
    set_debug_flag=False,
    add_default_commands=False,
    add_version_option=False,  # FlaskGroup's would print Flask's version
)
# greenledger's own version, read from the installed package's metadata when asked for.
click.version_option(package_name="greenledger", prog_name="greenledger", message="%(prog)s %(version)s")(main)
