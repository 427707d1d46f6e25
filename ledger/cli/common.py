"""What every command shares: failing in one sentence, passphrases, reading JSON files, --token."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ledger import errors

DEFAULT_URL = "http://127.0.0.1:8000"

token_option = click.option(
    "--token", envvar="LEDGER_TOKEN", show_envvar=True, help="Your API token (from `greenledger tokens issue`)."
)


def fail(message: str, *, status: int = 1, as_json: bool = False, problem: dict[str, Any] | None = None) -> NoReturn:
    """End the command with one sentence on stderr: exit 1 for a failure, 2 for a usage error (as click does)."""
    if as_json:
        click.echo(json.dumps(problem or {"detail": message}, indent=2), err=True)
    else:
        click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(status)


def described(exc: errors.LedgerError) -> str:
    """A ledger error as one sentence, naming the field at fault when there is one."""
    return f"{exc.field + ': ' if exc.field else ''}{exc.detail}"


def passphrase(env_var: str | None) -> bytes | None:
    if not env_var:
        return None
    value = os.environ.get(env_var)
    if not value:
        fail(f"environment variable {env_var} is empty or unset")
    return value.encode()


def read_json(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{source} is not JSON: {exc}")
