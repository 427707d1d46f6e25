"""The ``greenledger`` command line (also ``flask ledger …``): set up, serve, sign, submit and verify."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from ledger import errors
from ledger.client import ClientError, LedgerClient, make_envelope
from ledger.config import Config
from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import (
    generate_private_key,
    key_id,
    raw_public_key,
    read_private_key_file,
    write_private_key_file,
)
from ledger.services.runtime import LedgerRuntime

DEFAULT_URL = "http://127.0.0.1:8000"

token_option = click.option(
    "--token", envvar="LEDGER_TOKEN", show_envvar=True, help="Your API token (from `greenledger tokens issue`)."
)
DEFAULT_OPERATOR_NAME = "Sichuan Near-Zero-Carbon Park Registry Operator (illustrative)"
DEFAULT_OPERATOR_USCC = "12510000MB1C2D3E42"


def _fail(message: str, *, as_json: bool = False, problem: dict[str, Any] | None = None) -> NoReturn:
    if as_json:
        click.echo(json.dumps(problem or {"detail": message}, indent=2), err=True)
    else:
        click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


def _passphrase(env_var: str | None) -> bytes | None:
    if not env_var:
        return None
    value = os.environ.get(env_var)
    if not value:
        _fail(f"environment variable {env_var} is empty or unset")
    return value.encode()


def _read_json(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{source} is not JSON: {exc}")


@click.group("ledger")
def commands() -> None:
    """greenledger: a signed, append-only ledger of green finance and carbon credits."""


# --- set-up --------------------------------------------------------------------------------


@commands.group("db")
def db() -> None:
    """Database schema (alembic migrations, run as the database owner)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target alembic revision.")
def db_upgrade(revision: str) -> None:
    """Apply migrations to DATABASE_URL (or the embedded server under LEDGER_HOME)."""
    from ledger.app import database_url
    from ledger.persistence.migrate import upgrade

    config = Config.from_env()
    url = database_url(config)
    upgrade(url, revision)
    click.echo(f"database at revision {revision}")


def _load_or_create_key(path: Path, passphrase: bytes | None) -> tuple[Any, bool]:
    if path.exists():
        return read_private_key_file(path, passphrase), False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = generate_private_key()
    write_private_key_file(path, key, passphrase)
    return key, True


def initialize(
    runtime: LedgerRuntime,
    config: Config,
    *,
    operator_id: str,
    operator_name: str,
    operator_uscc: str,
) -> int | None:
    """Create missing key files and append the genesis entry; None when the log already has one."""
    from ledger.services import entries, reads

    if reads.is_ready(runtime):
        return None
    checkpoint_key, _ = _load_or_create_key(config.checkpoint_key_path, config.key_passphrase)
    operator_key, _ = _load_or_create_key(config.operator_key_path, config.key_passphrase)
    runtime.checkpoint_key = checkpoint_key
    runtime.checkpoint_keyring[raw_public_key(checkpoint_key)] = checkpoint_key
    payload = {
        "origin": config.origin,
        "checkpoint_key": b64encode(raw_public_key(checkpoint_key)),
        "operator": {
            "party": operator_id,
            "legal_name": operator_name,
            "unified_social_credit_code": operator_uscc,
            "public_key": b64encode(raw_public_key(operator_key)),
        },
    }
    signed = make_envelope(entry_type="ledger.genesis", signer=operator_id, key=operator_key, payload=payload, nonce="genesis")
    return entries.initialize_ledger(runtime, signed).index


@commands.command("init")
@click.option("--operator-id", default="operator", show_default=True, help="Party id of the registry operator.")
@click.option("--operator-name", default=DEFAULT_OPERATOR_NAME, show_default=True)
@click.option("--operator-uscc", default=DEFAULT_OPERATOR_USCC, show_default=True, help="Unified social credit code of the operator.")
@with_appcontext
def init(operator_id: str, operator_name: str, operator_uscc: str) -> None:
    """Create the checkpoint and operator keys under LEDGER_HOME/keys and append the genesis entry."""
    config: Config = current_app.extensions["ledger_config"]
    try:
        index = initialize(
            current_app.extensions["ledger"], config, operator_id=operator_id, operator_name=operator_name, operator_uscc=operator_uscc
        )
    except errors.LedgerError as exc:
        _fail(exc.detail)
    if index is None:
        _fail("the ledger is already initialized")
    click.echo(f"genesis appended at index {index}; keys in {config.keys_dir}")


@commands.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="Address gunicorn listens on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per worker.")
@click.option("--demo/--no-demo", default=False, help="Load the demo programme before serving (idempotent: a second run sends only what the log lacks).")
def serve(bind: str, workers: int, threads: int, demo: bool) -> None:
    """Migrate, initialize if needed, and run the API under gunicorn."""
    from ledger.app import create_app, database_url, freeze_loaded
    from ledger.persistence.migrate import upgrade

    config = Config.from_env()
    embedded = config.database_url is None
    url = database_url(config)  # the embedded server starts (and is migrated) here, in the master
    if not embedded:
        upgrade(url)
    app = create_app(config)
    with app.app_context():
        index = initialize(
            app.extensions["ledger"],
            config,
            operator_id="operator",
            operator_name=DEFAULT_OPERATOR_NAME,
            operator_uscc=DEFAULT_OPERATOR_USCC,
        )
        if index is not None:
            click.echo(f"initialized a new ledger; keys in {config.keys_dir}")
        if demo:
            from ledger.demo import demo_tokens, load_demo

            click.echo(f"demo data: {load_demo(app.extensions['ledger'], config)}")
            tokens = demo_tokens(app.extensions["ledger"], config)
            click.echo(f"demo API tokens (one per party) in {config.home / 'demo-tokens.json'}; the auditor's:")
            click.echo(f"  Authorization: Bearer {tokens['provincial-audit']}")
    app.extensions["ledger_engine"].dispose()  # workers open their own connections after the fork

    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            # The control socket sits at one shared path by default: two servers on one host would collide.
            self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            _problem_error_pages()  # in each worker, which is where gunicorn answers malformed requests
            app = create_app(Config.from_env())
            freeze_loaded()
            return app

    where = "embedded PostgreSQL in " + str(config.pgdata_dir) if embedded else "DATABASE_URL"
    click.echo(f"greenledger listening on http://{bind} (database: {where}); API docs at http://{bind}/openapi.json")
    _Server().run()


def _problem_error_pages() -> None:
    """Have gunicorn answer requests it refuses itself (a request line over 4094 bytes: 414, a malformed
    header: 400) with problem+json like every other error, instead of an HTML page."""
    from gunicorn import util

    from ledger.api.problems import CODE_BY_STATUS, PROBLEM_BASE, PROBLEM_CONTENT_TYPE

    def write_problem(sock: Any, status: int, reason: str, message: str) -> None:
        code = CODE_BY_STATUS.get(status, "http-error")
        body = json.dumps(
            {"type": PROBLEM_BASE + code, "title": reason, "status": status, "detail": message or reason, "instance": "", "code": code}
        ).encode()
        head = f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n\r\n"
        util.write_nonblock(sock, head.encode("latin-1") + body)

    util.write_error = write_problem


@commands.command("demo")
@click.option("--projects", default=40, show_default=True, type=click.IntRange(1, 1_000_000), help="Projects across the 17 parks.")
@click.option("--loans", default=60, show_default=True, type=click.IntRange(0, 10_000_000), help="Green loans (each with disbursements).")
@click.option("--tranches", default=1, show_default=True, type=click.IntRange(1, 120), help="Disbursements (and repayments) per loan.")
@with_appcontext
def demo(projects: int, loans: int, tranches: int) -> None:
    """Load the demo programme through the signed path (the same every run; a re-run changes nothing)."""
    from tqdm import tqdm

    from ledger.demo import demo_tokens, load_demo

    with tqdm(unit="entries", desc="loading demo", disable=None) as bar:
        try:
            summary = load_demo(current_app.extensions["ledger"], current_app.extensions["ledger_config"], projects=projects, loans=loans, tranches=tranches, progress=bar.update)
        except errors.LedgerError as exc:
            _fail(f"{exc.field + ': ' if exc.field else ''}{exc.detail}")
    click.echo(summary)
    demo_tokens(current_app.extensions["ledger"], current_app.extensions["ledger_config"])
    click.echo(f"API tokens for every demo party: {current_app.extensions['ledger_config'].home / 'demo-tokens.json'}")


@commands.command("report")
@click.argument("kind", type=click.Choice(["summary", "project", "lender", "park", "reward-program"]))
@click.argument("subject", required=False)
@click.option("--tree-size", type=click.IntRange(1), help="Report on the log's first N entries (default: the latest checkpoint).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the report's table as CSV instead of signed JSON.")
@with_appcontext
def report(kind: str, subject: str | None, tree_size: int | None, as_csv: bool) -> None:
    """Print a signed reconciliation report (KIND SUBJECT, or summary)."""
    from ledger.services.reports import make_report

    try:
        signed = make_report(current_app.extensions["ledger"], kind, subject, tree_size=tree_size)
    except errors.LedgerError as exc:
        _fail(exc.detail)
    click.echo(signed.as_csv() if as_csv else json.dumps(signed.as_json(), indent=2, ensure_ascii=False), nl=not as_csv)


@commands.command("verify-report")
@click.option("--verifier-key", required=True, help="The log's pinned verifier key.")
@click.argument("source", default="-")
def verify_report_command(verifier_key: str, source: str) -> None:
    """Check a signed report's signature offline (SOURCE: a file, or - for stdin)."""
    from ledger.verify.report import verify_report

    try:
        body = verify_report(_read_json(source), verifier_key)
    except errors.LedgerError as exc:
        _fail(f"verification failed: {exc.detail}")
    click.echo(f"{body['kind']} report signed by {body['origin']} at tree size {body['tree_size']}: OK")


@commands.command("export")
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--tree-size", type=click.IntRange(1), help="Export the first N entries (default: up to the latest checkpoint).")
@click.option("--from", "start", type=int, default=0, show_default=True, help="First index: above 0, a range bundle [from, to) to verify on top of the bundle that ends at from.")
@click.option("--to", type=int, help="Export up to (not including) this index; the same as --tree-size.")
@with_appcontext
def export(out: str, tree_size: int | None, start: int, to: int | None) -> None:
    """Write an export bundle (JSON Lines: manifest, records, signed checkpoint) to OUT, or - for stdout."""
    from tqdm import tqdm

    from ledger.services.export import export_bundle

    if to is not None and tree_size is not None and to != tree_size:
        _fail(f"--to {to} and --tree-size {tree_size} disagree; give one")
    if start < 0 or (to is not None and to < 1):
        _fail("--from must be 0 or more, and --to 1 or more")
    runtime = current_app.extensions["ledger"]
    with tqdm(unit="entries", desc="exporting", disable=None, file=sys.stderr) as bar:

        def advance(done: int, size: int) -> None:
            bar.total = size
            bar.update(done - bar.n)

        lines = export_bundle(
            runtime, tree_size=to or tree_size, start=start, size_field="--tree-size" if to is None else "--to", progress=advance
        )
        try:
            first = next(lines)  # out-of-range sizes fail here, before OUT is created
        except errors.LedgerError as exc:
            _fail(exc.detail)
        sink = sys.stdout.buffer if out == "-" else open(out, "wb")  # noqa: SIM115 - closed below
        try:
            sink.write(first)
            for line in lines:
                sink.write(line)
        except errors.LedgerError as exc:
            _fail(exc.detail)
        finally:
            if sink is not sys.stdout.buffer:
                sink.close()


@commands.command("verify")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--origin", required=True, help="The log's origin, pinned out of band.")
@click.option("--key", "verifier_key", required=True, help="The log's verifier key, pinned out of band.")
@click.option("--base", "bases", multiple=True, type=click.Path(exists=True, dir_okay=False), help="For a range bundle: the bundle(s) before it, in order, from index 0 (verified first; repeatable).")
@click.option("--checkpoint", "kept", multiple=True, type=click.Path(exists=True, dir_okay=False), help="A checkpoint note kept earlier; the log must extend it (repeatable).")
@click.option("--report", "signed_reports", multiple=True, type=click.Path(exists=True, dir_okay=False), help="A signed report to recompute from the bundle and compare (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def verify(bundle: str, origin: str, verifier_key: str, bases: tuple[str, ...], kept: tuple[str, ...], signed_reports: tuple[str, ...], as_json: bool) -> None:
    """Verify an export bundle offline; exit 1 naming the first failing index, 3 when a range without
    its base could be checked only in part."""
    from ledger.verify.cli import run_verify

    sys.exit(run_verify(bundle, origin, verifier_key, bases=bases, kept=kept, signed_reports=signed_reports, as_json=as_json))


@commands.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Drop every projection and rebuild it by replaying the log (appends wait meanwhile)."""
    from tqdm import tqdm

    from ledger.services.rebuild import rebuild_projections

    runtime = current_app.extensions["ledger"]
    with tqdm(unit="entries", desc="replaying", disable=None) as bar:

        def advance(done: int, size: int) -> None:
            bar.total = size
            bar.update(done - bar.n)

        try:
            count = rebuild_projections(runtime, progress=advance)
        except errors.LedgerError as exc:
            _fail(f"replay stopped: {exc.detail}")
    click.echo(f"rebuilt the projections from {count} entries")


# --- keys, signing and submitting -----------------------------------------------------------


@commands.group("tokens")
def tokens() -> None:
    """Issue, list and revoke API tokens (run on the server, with its database)."""


@tokens.command("issue")
@click.argument("party_id")
@click.option("--expires-in", "days", default=90, show_default=True, type=click.IntRange(1, 3650), help="Lifetime in days.")
@click.option("--label", default="", help="What the token is for, shown by `tokens list`.")
@click.option("--json", "as_json", is_flag=True, help="Print the token with its id and expiry as JSON.")
@with_appcontext
def tokens_issue(party_id: str, days: int, label: str, as_json: bool) -> None:
    """Issue an API token to the registered party PARTY_ID and print it (it is shown only this once)."""
    from datetime import timedelta

    from ledger.services.tokens import issue_token

    try:
        issued = issue_token(current_app.extensions["ledger"], party_id, lifetime=timedelta(days=days), label=label)
    except errors.LedgerError as exc:
        _fail(f"{exc.field + ': ' if exc.field else ''}{exc.detail}")
    if as_json:
        stored = issued.stored
        click.echo(json.dumps({"token": issued.token, "token_id": stored.token_id, "party_id": stored.party_id, "expires_at": stored.expires_at.isoformat()}))
    else:
        click.echo(issued.token)


@tokens.command("list")
@click.option("--party", "party_id", help="Only this party's tokens.")
@with_appcontext
def tokens_list(party_id: str | None) -> None:
    """List tokens: id, party, label, expiry and whether revoked (never the secrets, which are not kept)."""
    from ledger.services.tokens import list_tokens

    now = current_app.extensions["ledger"].clock.now()
    for t in list_tokens(current_app.extensions["ledger"], party_id):
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else ("expired" if t.expires_at <= now else "live")
        click.echo(f"{t.token_id}  {t.party_id:24}  expires {t.expires_at:%Y-%m-%d}  {state:18}  {t.label}")


@tokens.command("revoke")
@click.argument("token_id")
@with_appcontext
def tokens_revoke(token_id: str) -> None:
    """Revoke the token TOKEN_ID (servers stop accepting it within 30 seconds)."""
    from ledger.services.tokens import revoke_token

    try:
        revoke_token(current_app.extensions["ledger"], token_id)
    except errors.LedgerError as exc:
        _fail(exc.detail)
    click.echo(f"revoked {token_id}")


@commands.group("checkpoint-key")
def checkpoint_key() -> None:
    """Rotate the key that signs checkpoints and reports (run on the server)."""


@checkpoint_key.command("rotate")
@click.option("--admin-id", default="operator", show_default=True, help="Admin party that signs the rotation entry.")
@click.option("--admin-key", "admin_key_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Its key file (default: keys/operator.pem).")
@with_appcontext
def checkpoint_key_rotate(admin_id: str, admin_key_path: Path | None) -> None:
    """Generate a new checkpoint key and append checkpoint.key.rotated, endorsed by the key in force.

    The new key becomes keys/checkpoint.pem and the old one is kept as keys/checkpoint-<hash>.pem
    (prefix exports and as-of reports are still signed by the key in force at their size). Every
    server sharing the database must hold the new file: servers that do not refuse writes.
    """
    from ledger.crypto.checkpoint import note_key_hash, verifier_key
    from ledger.crypto.signing import generate_private_key, write_private_key_file
    from ledger.services.checkpoint_keys import rotate_checkpoint_key

    runtime = current_app.extensions["ledger"]
    config = current_app.extensions["ledger_config"]
    try:
        admin_key = read_private_key_file(admin_key_path or config.operator_key_path, config.key_passphrase)
        new_key = generate_private_key()
        origin = config.origin
        with runtime.uow_factory() as uow:
            origin = runtime.identity(uow).origin
        staged = config.keys_dir / f"checkpoint-{note_key_hash(origin, raw_public_key(new_key)).hex()}.pem"
        write_private_key_file(staged, new_key, config.key_passphrase)
    except errors.LedgerError as exc:
        _fail(exc.detail)
    try:
        receipt = rotate_checkpoint_key(runtime, admin_id=admin_id, admin_key=admin_key, new_key=new_key)
    except errors.LedgerError as exc:
        staged.unlink()
        _fail(f"{exc.field + ': ' if exc.field else ''}{exc.detail}")
    current = config.checkpoint_key_path
    if current.exists():
        old = read_private_key_file(current, config.key_passphrase)
        current.rename(config.keys_dir / f"checkpoint-{note_key_hash(origin, raw_public_key(old)).hex()}.pem")
    staged.rename(current)
    click.echo(f"checkpoint key rotated at index {receipt.index}; checkpoints from tree size {receipt.index + 1} on are signed by")
    click.echo(f"  {verifier_key(origin, raw_public_key(new_key))}")


@commands.group("keys")
def keys() -> None:
    """Ed25519 key files (PKCS#8 PEM, mode 0600)."""


@keys.command("generate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--passphrase-env", metavar="VAR", help="Encrypt the file with the passphrase in this environment variable.")
@click.option("--json", "as_json", is_flag=True, help="Print the key id and public key as JSON.")
def keys_generate(path: Path, passphrase_env: str | None, as_json: bool) -> None:
    """Create a new private key at PATH and print its key id and public key."""
    key = generate_private_key()
    try:
        write_private_key_file(path, key, _passphrase(passphrase_env))
    except errors.LedgerError as exc:
        _fail(exc.detail)
    public = raw_public_key(key)
    info = {"key_id": key_id(public), "public_key": b64encode(public), "path": str(path)}
    click.echo(json.dumps(info, indent=2) if as_json else f"key id {info['key_id']}\npublic key {info['public_key']}")


@commands.command("sign")
@click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Private key file.")
@click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the key's passphrase.")
@click.option("--signer", required=True, help="Your party id.")
@click.option("--type", "entry_type", required=True, help="Entry type, e.g. party.registered.")
@click.option("--nonce", help="Unique per signer; random when omitted. Reuse it to retry safely.")
@click.argument("payload", default="-")
def sign(key_path: Path, passphrase_env: str | None, signer: str, entry_type: str, nonce: str | None, payload: str) -> None:
    """Sign PAYLOAD (a JSON file, or - for stdin) into an envelope ready for `greenledger submit`."""
    try:
        key = read_private_key_file(key_path, _passphrase(passphrase_env))
        signed = make_envelope(entry_type=entry_type, signer=signer, key=key, payload=_read_json(payload), nonce=nonce)
    except errors.LedgerError as exc:
        _fail(f"{exc.field + ': ' if exc.field else ''}{exc.detail}")
    click.echo(json.dumps(signed, indent=2, ensure_ascii=False))


@commands.command("submit")
@click.option("--url", default=lambda: os.environ.get("LEDGER_URL", DEFAULT_URL), show_default="LEDGER_URL or " + DEFAULT_URL)
@click.argument("source", default="-")
@token_option
def submit(url: str, source: str, token: str | None) -> None:
    """Submit a signed entry, or {"entries": [...]} as one batch, from SOURCE (file or -); print the receipt(s)."""
    body = _read_json(source)
    client = LedgerClient(url, token=token)
    try:
        if isinstance(body, dict) and "entries" in body:
            result: Any = {"receipts": client.submit_batch(body["entries"])}
        else:
            result = client.submit(body)
    except ClientError as exc:
        _fail(str(exc), as_json=True, problem=exc.problem)
    click.echo(json.dumps(result, indent=2))


@commands.command("verify-receipt")
@click.option("--url", default=lambda: os.environ.get("LEDGER_URL", DEFAULT_URL), show_default="LEDGER_URL or " + DEFAULT_URL)
@click.option("--verifier-key", help="The log's pinned verifier key; fetched from the server (trust on first use) when omitted.")
@click.option("--offline", is_flag=True, help="Do not contact the server: check the checkpoint signature and the proof only.")
@click.argument("source", default="-")
@token_option
def verify_receipt_command(url: str, verifier_key: str | None, offline: bool, source: str, token: str | None) -> None:
    """Verify a receipt: the checkpoint's signature, the inclusion proof and (online) the record's hash
    and that the log's latest checkpoint is consistent with the receipt's."""
    from ledger.crypto.canonical import b64decode
    from ledger.crypto.checkpoint import verify_checkpoint
    from ledger.merkle.proofs import verify_consistency
    from ledger.verify.receipt import verify_receipt

    receipt = _read_json(source)
    client = LedgerClient(url, token=token)
    try:
        if verifier_key is None:
            if offline:
                _fail("--offline needs --verifier-key")
            verifier_key = client.log_info()["verifier_key"]
            click.secho("warning: verifier key taken from the server, not pinned", fg="yellow", err=True)
        record = None if offline else client.entry(receipt["index"])["record"]
        verified = verify_receipt(receipt, verifier_key, record)
        click.echo(f"entry {verified.index} is included in checkpoint of size {verified.checkpoint.tree_size}")
        if not offline:
            latest = verify_checkpoint(client.checkpoint(), verifier_key)
            if latest.tree_size > verified.checkpoint.tree_size:
                proof = client.consistency_proof(verified.checkpoint.tree_size, latest.tree_size)["proof"]
                verify_consistency(
                    verified.checkpoint.tree_size,
                    latest.tree_size,
                    verified.checkpoint.root_hash,
                    latest.root_hash,
                    [b64decode(p, field="proof") for p in proof],
                )
            click.echo(f"the log's latest checkpoint (size {latest.tree_size}) is consistent with it")
    except errors.LedgerError as exc:
        _fail(f"verification failed: {exc.detail}")
    except ClientError as exc:
        _fail(str(exc), as_json=True, problem=exc.problem)
    click.echo("OK")


@commands.command("prove")
@click.option("--server", "url", default=lambda: os.environ.get("LEDGER_URL", DEFAULT_URL), show_default="LEDGER_URL or " + DEFAULT_URL)
@click.option("--key", "verifier_key", required=True, help="The log's pinned verifier key.")
@click.argument("receipt", default="-")
@token_option
def prove(url: str, verifier_key: str, receipt: str, token: str | None) -> None:
    """Check that a receipt's entry is still in the log: inclusion at the current size and consistency
    from the receipt's checkpoint (exit 1 otherwise)."""
    from ledger.verify.prove import prove_receipt

    client = LedgerClient(url, token=token)
    try:
        current = prove_receipt(
            _read_json(receipt),
            verifier_key,
            fetch_checkpoint=client.checkpoint,
            fetch_inclusion=lambda index, size: client.inclusion_proof(index, size)["audit_path"],
            fetch_consistency=lambda first, second: client.consistency_proof(first, second)["proof"],
        )
    except errors.LedgerError as exc:
        _fail(f"not proven: {exc.detail}")
    except ClientError as exc:
        _fail(str(exc), as_json=True, problem=exc.problem)
    click.echo(f"OK: still included at tree size {current.tree_size}, and the log only grew since the receipt")


@commands.command("witness")
@click.option("--server", "url", default=lambda: os.environ.get("LEDGER_URL", DEFAULT_URL), show_default="LEDGER_URL or " + DEFAULT_URL)
@click.option("--state", "state", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder keeping the pinned key and the last checkpoint.")
@click.option("--key", "verifier_key", help="The log's verifier key (needed on the first run; pinned afterwards).")
@token_option
def witness_command(url: str, state: Path, verifier_key: str | None, token: str | None) -> None:
    """Fetch the latest checkpoint, check it extends the last one stored, store it; fail loudly on a
    rollback, a fork or a bad signature. Cheap enough to run every minute from cron."""
    from ledger.domain.types.checkpoint_keys import ROTATED
    from ledger.verify.witness import pinned_key, witness

    client = LedgerClient(url, token=token)
    try:
        key = pinned_key(state, verifier_key)
        outcome = witness(
            state,
            key,
            client.checkpoint,
            lambda first, second: client.consistency_proof(first, second)["proof"],
            fetch_rotations=lambda: client.records(ROTATED),
            fetch_inclusion=lambda index, size: client.inclusion_proof(index, size)["audit_path"],
        )
    except errors.LedgerError as exc:
        _fail(f"WITNESS ALARM: {exc.detail}")
    except ClientError as exc:
        _fail(str(exc), as_json=True, problem=exc.problem)
    if outcome.rotated_to:
        click.secho(f"the log rotated its checkpoint key; now pinned: {outcome.rotated_to}", fg="yellow")
    before = outcome.previous.tree_size if outcome.previous else "nothing"
    click.echo(f"OK: tree size {outcome.current.tree_size} extends {before}")


@commands.command("checkpoint")
@click.option("--url", default=lambda: os.environ.get("LEDGER_URL", DEFAULT_URL), show_default="LEDGER_URL or " + DEFAULT_URL)
def checkpoint(url: str) -> None:
    """Print the log's latest signed checkpoint."""
    try:
        click.echo(LedgerClient(url).checkpoint(), nl=False)
    except ClientError as exc:
        _fail(str(exc), as_json=True, problem=exc.problem)


main = FlaskGroup(
    name="greenledger",
    help=commands.help,
    create_app=lambda: __import__("ledger.app", fromlist=["create_app"]).create_app(),
    load_dotenv=False,
    set_debug_flag=False,
)
for _name, _command in commands.commands.items():
    main.add_command(_command, _name)


# --- import (moves to ledger/cli/party.py) ---


@commands.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "entry_type", required=True, help="Entry type of every row, e.g. loan.registered.")
@click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Your private key file.")
@click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the key's passphrase.")
@click.option("--signer", required=True, help="Your party id.")
@click.option("--server", "url", default=lambda: os.environ.get("LEDGER_URL", DEFAULT_URL), show_default="LEDGER_URL or " + DEFAULT_URL)
@token_option
@click.option("--dry-run", is_flag=True, help="Check every row locally and on the server; write nothing.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 1000), help="Entries per request (the server takes at most LEDGER_MAX_BATCH).")
@click.option("--sheet", help="The workbook's sheet to read (default: the first).")
def import_rows(file: Path, entry_type: str, key_path: Path, passphrase_env: str | None, signer: str, url: str, token: str | None, dry_run: bool, batch: int, sheet: str | None) -> None:
    """Sign every row of FILE (.xlsx or .csv, one entry a row, payload fields as columns) and append them.

    Every cell is checked first and every row in a server dry run; nothing is written unless all pass.
    Signed envelopes are kept in FILE.signed.jsonl and receipts written to FILE.receipts.jsonl, so a
    re-run after a failure sends the same envelopes and records nothing twice.
    """
    from ledger.spreadsheets.importing import Importer, ImportRefused

    try:
        key = read_private_key_file(key_path, _passphrase(passphrase_env))
        importer = Importer(LedgerClient(url, token=token, timeout=120), entry_type=entry_type, signer=signer, key=key, batch=batch)
        outcome = importer.run(file, dry_run=dry_run, sheet=sheet)
    except ImportRefused as exc:
        for line in exc.lines:
            click.echo(line, err=True)
        _fail(exc.summary)
    except errors.LedgerError as exc:
        _fail(exc.detail)
    except ClientError as exc:
        _fail(str(exc), as_json=True, problem=exc.problem)
    click.echo(outcome.summary())


@commands.command("export-table")
@click.argument("entry_type", metavar="TYPE")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--signer", help="Only the records this party signed (default: all the token may read).")
@click.option("--field-names", is_flag=True, help="Name the columns by payload field (loan, principal) rather than in Chinese (贷款编号, 本金).")
@click.option("--server", "url", default=lambda: os.environ.get("LEDGER_URL", DEFAULT_URL), show_default="LEDGER_URL or " + DEFAULT_URL)
@token_option
def export_table_command(entry_type: str, out: Path, signer: str | None, field_names: bool, url: str, token: str | None) -> None:
    """Write the TYPE records the token may read to OUT (.xlsx or .csv), in the columns `import` reads."""
    from ledger.spreadsheets.exporting import export_table

    try:
        exported = export_table(LedgerClient(url, token=token, timeout=120), entry_type, out, signer=signer, field_names=field_names)
    except errors.LedgerError as exc:
        _fail(exc.detail)
    except ClientError as exc:
        _fail(str(exc), as_json=True, problem=exc.problem)
    click.echo(exported.summary())


main.add_command(import_rows, "import")
main.add_command(export_table_command, "export-table")
