"""The last resort: an exception no command caught becomes one line saying what failed, where, and
where to report it, rather than a traceback a user cannot read (GREENLEDGER_DEBUG=1 adds the traceback)."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

import click

DEBUG_VARIABLE = "GREENLEDGER_DEBUG"
#: Who hears of a bug: the people who run the installation pass it on to greenledger's maintainers.
REPORT_TO = "your registry operator, who passes it on to greenledger's maintainers"

_PACKAGE = Path(__file__).resolve().parents[1]  # ledger/


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _where(exc: BaseException) -> str:
    """The innermost line of greenledger's own code the exception came through, else the innermost line."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_PACKAGE)]
    if ours:
        frame = ours[-1]
        return f"{Path(frame.filename).resolve().relative_to(_PACKAGE.parent)}:{frame.lineno}"
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "an unknown place"


def _is_database_unreachable(exc: BaseException) -> bool:
    try:
        from sqlalchemy.exc import OperationalError
    except ImportError:  # an offline verifier's install: no database code at all
        return False
    return isinstance(exc, OperationalError)


def report_unexpected(exc: Exception, command: str) -> NoReturn:
    """Print what failed in one line (and the traceback when GREENLEDGER_DEBUG=1); exit 1."""
    debug = os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")
    if debug:
        click.echo("".join(traceback.format_exception(exc)), err=True, nl=False)
    if _is_database_unreachable(exc):
        # Not a bug: the database is down, or DATABASE_URL names the wrong one.
        cause = _first_line(getattr(exc, "orig", None) or exc)
        click.secho(f"error: `{command}` cannot use the database ({cause}): check DATABASE_URL, and that its server runs", fg="red", err=True)
        sys.exit(1)
    hint = "" if debug else f"; {DEBUG_VARIABLE}=1 shows the full traceback"
    click.secho(
        f"error: `{command}` failed unexpectedly ({_first_line(exc)}, at {_where(exc)}); this is a bug: "
        f"please report it, with the command you ran, to {REPORT_TO}{hint}",
        fg="red",
        err=True,
    )
    sys.exit(1)
