"""What the commands share: failing in one sentence, passphrases, reading JSON files, and the client
commands' --server and --token."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn, TypeVar
from urllib.parse import urlsplit

import click

from ledger import errors
from ledger.client import ClientError, LedgerClient, NoUsableAnswer

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SERVER = "http://127.0.0.1:8000"
#: How long a client command waits for the server's answer.
REQUEST_TIMEOUT_SECONDS = 30.0


# --- failing -------------------------------------------------------------------------------


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


def fail_client(exc: ClientError) -> NoReturn:
    """End the command on a failed request: one sentence when no API answer came; else the server's
    problem in words (its detail, then each field at fault), and last the problem itself as one JSON
    line for scripts."""
    if isinstance(exc, NoUsableAnswer):
        hint = " (the address comes from --server or LEDGER_URL)" if exc.problem["code"] in ("unreachable", "bad-address") else ""
        fail(f"{exc}{hint}")
    problem = exc.problem
    click.secho(f"error: the server refused it ({exc.status} {problem.get('code', 'error')}): {problem.get('detail', '')}", fg="red", err=True)
    for field, messages in (problem.get("errors") or {}).items():
        if isinstance(messages, list) and field != problem.get("field"):
            click.echo(f"  {field}: {'; '.join(map(str, messages))}", err=True)
    click.echo(json.dumps(problem, ensure_ascii=False, separators=(",", ":")), err=True)
    raise SystemExit(1)


# --- reading what the user gives -----------------------------------------------------------


def passphrase(env_var: str | None) -> bytes | None:
    if not env_var:
        return None
    value = os.environ.get(env_var)
    if not value:
        fail(f"environment variable {env_var} (named by --passphrase-env) is empty or unset", status=2)
    return value.encode()


def _name(source: str) -> str:
    return "standard input" if source == "-" else source


def read_text(source: str) -> str:
    """The UTF-8 text of the file ``source``, or of stdin for -.

    A path that cannot be read ends the command as a usage error (2), as click's own path checks do;
    a file that is not UTF-8 as a failure (1). A UTF-8 byte order mark, which some Windows editors
    write, is allowed.
    """
    if source == "-" and sys.stdin.isatty():
        click.echo("reading JSON from standard input (end it with Ctrl-D, or give a file name instead of -)", err=True)
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        fail(f"cannot read {_name(source)}: {exc.strerror or exc}", status=2)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{_name(source)} is not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}): save it as UTF-8 JSON")


def read_json(source: str) -> Any:
    """The JSON document in the file ``source``, or on stdin for - (see ``read_text``)."""
    text = read_text(source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{_name(source)} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")


def read_receipt(source: str) -> dict[str, Any]:
    """A receipt (as `greenledger submit` prints it) from the file ``source``, or stdin for -."""
    receipt = read_json(source)
    if not isinstance(receipt, dict) or type(receipt.get("index")) is not int:
        fail(f"{_name(source)} is not a receipt (a JSON object with an index, as `greenledger submit` prints)")
    return receipt


# --- talking to a server -------------------------------------------------------------------

token_option = click.option(
    "--token", envvar="LEDGER_TOKEN", show_envvar=True, help="Your API token (from `greenledger tokens issue`)."
)


def _server_address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        address = urlsplit(value)
        usable = address.scheme in ("http", "https") and bool(address.hostname) and (address.port or 0) >= 0
    except ValueError:  # an unclosed [ of an IPv6 address, a port that is not a number
        usable = False
    if not usable:
        raise click.BadParameter(f"{value!r} is not a server address; one looks like {DEFAULT_SERVER}", ctx, param)
    return value.rstrip("/")


def server_option(command: F) -> F:
    """``--server URL``: the server a client command talks to (LEDGER_URL, else the local default).

    The commands that used to call it ``--url`` still take that, hidden, so existing scripts keep running.
    """

    @functools.wraps(command)
    def with_server(*args: Any, server: str, url: str | None, **kwargs: Any) -> Any:
        return command(*args, server=url or server, **kwargs)

    old_name = click.option("--url", "url", hidden=True, callback=_server_address, help="The old name of --server.")
    new_name = click.option(
        "--server",
        "server",
        metavar="URL",
        default=lambda: os.environ.get("LEDGER_URL") or DEFAULT_SERVER,
        show_default="LEDGER_URL, else " + DEFAULT_SERVER,
        callback=_server_address,
        help="The greenledger server to talk to.",
    )
    return new_name(old_name(with_server))  # type: ignore[return-value]


def connect(server: str, token: str | None = None, *, timeout: float | None = None) -> LedgerClient:
    """A client for ``server``, saying on stderr which server it talks to (stdout stays the command's output).

    :param timeout: seconds to wait for an answer; ``REQUEST_TIMEOUT_SECONDS`` (read at each call) by default.
    """
    click.echo(f"talking to {server}", err=True)
    return LedgerClient(server, token=token, timeout=REQUEST_TIMEOUT_SECONDS if timeout is None else timeout)


def witness_policy_options(command: Any) -> Any:
    """--witness (repeatable) and --witnesses-needed: the C2SP cosignature policy a checkpoint must meet."""
    command = click.option("--witnesses-needed", type=click.IntRange(1), help="How many of the --witness keys must have cosigned [default: all of them].")(command)
    return click.option("--witness", "witnesses", multiple=True, metavar="VKEY", help="A witness's verifier key (cosignature/v1, type 0x04) the checkpoint must be cosigned by (repeatable).")(command)


def witness_policy(witnesses: tuple[str, ...], needed: int | None) -> Any:
    """The policy the options name, or None without --witness (a usage error is exit 2)."""
    from ledger.crypto.cosignature import WitnessPolicy, parse_cosigner_vkey

    if not witnesses:
        if needed is not None:
            fail("--witnesses-needed needs the --witness keys it counts", status=2)
        return None
    try:
        return WitnessPolicy(tuple(parse_cosigner_vkey(w) for w in witnesses), needed or len(witnesses))
    except errors.LedgerError as exc:
        fail(f"bad witness policy: {exc.detail}", status=2)


def check_cosigned(note: str, policy: Any) -> str:
    """'cosigned by a, b (2 of 3; 2 needed)', or exit 1 saying why the policy is not met."""
    from ledger.crypto.cosignature import check_policy

    try:
        found = check_policy(note, policy)
    except errors.LedgerError as exc:
        fail(f"the checkpoint does not meet the witness policy: {exc.detail}")
    return f"cosigned by {', '.join(sorted(found))} ({len(found)} of {len(policy.witnesses)}; {policy.threshold} needed)"
