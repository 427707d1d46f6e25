"""Commands run on the server, with its database: set up, serve, load the demo, tokens, keys, exports, reports."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Iterator

import click
from flask import current_app
from flask.cli import with_appcontext

from ledger import errors
from ledger.cli.audiences import Audience
from ledger.cli.common import DEFAULT_SERVER, described, fail
from ledger.cli.database import on_server_database
from ledger.cli.genesis import DEFAULT_OPERATOR_NAME, DEFAULT_OPERATOR_USCC, initialize
from ledger.cli.serving import DEFAULT_BIND
from ledger.config import Config
from ledger.crypto.signing import raw_public_key, read_private_key_file

audience = Audience("On the server (with its database)")


@audience.command("serve", short_help="Run the server (migrating and initializing if needed).")
@click.option("--bind", default=DEFAULT_BIND, show_default=True, help="Address gunicorn listens on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per worker.")
@click.option("--demo/--no-demo", default=False, help="Load the demo programme before serving (idempotent: a second run sends only what the log lacks).")
def serve(bind: str, workers: int, threads: int, demo: bool) -> None:
    """Migrate, initialize if needed, and run the API under gunicorn (refusing unsafe settings first: `config check`)."""
    from ledger.cli.operations import prepare_to_serve, read_config, refuse_unsafe_database
    from ledger.cli.serving import client_url, run_gunicorn, why_cannot_listen

    # Before anything is started, migrated or loaded: a taken port would otherwise be found only after all that.
    refusal = why_cannot_listen(bind)
    if refusal:
        fail(refusal, status=2)
    config = read_config()
    prepare_to_serve(config, demo=demo)  # before ledger.app is imported: it decides how metrics are kept
    from ledger.app import create_app, database_url
    from ledger.persistence.migrate import upgrade

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
        refuse_unsafe_database(config, app)
        if demo:
            from ledger.demo import demo_tokens, load_demo

            click.echo(f"demo data: {load_demo(app.extensions['ledger'], config)}")
            tokens = demo_tokens(app.extensions["ledger"], config)
            click.echo(f"demo signing keys (one per party) in {config.home / 'demo-keys'}/<party>.pem")
            click.echo(f"demo API tokens (one per party) in {config.home / 'demo-tokens.json'}; the auditor's:")
            click.echo(f"  Authorization: Bearer {tokens['provincial-audit']}")
    app.extensions["ledger_engine"].dispose()  # workers open their own connections after the fork

    where = "embedded PostgreSQL in " + str(config.pgdata_dir) if embedded else "DATABASE_URL"

    def listening() -> None:  # once gunicorn has bound the port, so the message is true when it appears
        click.echo(f"greenledger listening on http://{bind} (database: {where}); API docs at http://{bind}/openapi.json")
        if bind != DEFAULT_BIND:
            click.echo(f"for the client commands on this machine: export LEDGER_URL={client_url(bind)}")
        if config.metrics_bind:
            click.echo(f"Prometheus metrics on http://{config.metrics_bind}/metrics")

    run_gunicorn(
        bind, workers, threads, when_ready=listening,
        metrics_bind=config.metrics_bind, log_format=config.effective_log_format(), log_level=config.log_level,
    )  # fmt: skip


@audience.group("db", short_help="Apply the database migrations (as the database owner).")
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


@audience.command("init", short_help="Create keys under LEDGER_HOME and the genesis entry.")
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
        fail(exc.detail)
    if index is None:
        fail("the ledger is already initialized")
    click.echo(f"genesis appended at index {index}; keys in {config.keys_dir}")


@audience.command("demo", short_help="Load the demo programme (a re-run changes nothing).")
@click.option("--projects", default=40, show_default=True, type=click.IntRange(1, 1_000_000), help="Projects across the 17 parks.")
@click.option("--loans", default=60, show_default=True, type=click.IntRange(0, 10_000_000), help="Green loans (each with disbursements).")
@click.option("--tranches", default=1, show_default=True, type=click.IntRange(1, 120), help="Disbursements (and repayments) per loan.")
@on_server_database
def demo(projects: int, loans: int, tranches: int) -> None:
    """Load the demo programme through the signed path (the same every run; a re-run changes nothing)."""
    from tqdm import tqdm

    from ledger.demo import demo_tokens, load_demo

    with tqdm(unit="entries", desc="loading demo", disable=None) as bar:
        try:
            summary = load_demo(current_app.extensions["ledger"], current_app.extensions["ledger_config"], projects=projects, loans=loans, tranches=tranches, progress=bar.update)
        except errors.LedgerError as exc:
            fail(described(exc))
    click.echo(summary)
    demo_tokens(current_app.extensions["ledger"], current_app.extensions["ledger_config"])
    click.echo(f"signing keys of every demo party: {current_app.extensions['ledger_config'].home / 'demo-keys'}/<party>.pem")
    click.echo(f"API tokens for every demo party: {current_app.extensions['ledger_config'].home / 'demo-tokens.json'}")


@audience.command("rebuild", short_help="Rebuild every projection by replaying the log.")
@on_server_database
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
            fail(f"replay stopped: {exc.detail}")
    click.echo(f"rebuilt the projections from {count} entries")


#: The options of `parties add` that carry each party.registered field, for naming what is wrong.
_PARTY_OPTIONS = {"party": "PARTY_ID", "legal_name": "--name", "unified_social_credit_code": "--uscc", "roles": "--role", "public_key": "the public key"}


@audience.group("parties", short_help="Register a party with its key; issue its first token.")
def parties() -> None:
    """Register parties (run on the server by the registry operator, with its database and key)."""


@parties.command("add")
@click.argument("party_id")
@click.option("--name", "legal_name", required=True, help="The party's legal name, as on its business licence.")
@click.option("--uscc", required=True, help="Its unified social credit code (18 characters; the check character is checked).")
@click.option("--role", "role_list", multiple=True, metavar="ROLE", help="What it may sign, repeatable: admin, auditor, department, lender, park_operator, verifier.")
@click.option("--public-key-file", type=click.Path(dir_okay=False, path_type=Path), help="The party's PEM key file (public, or private: only the public key is read).")
@click.option("--public-key", "public_key_text", metavar="BASE64", help="The party's public key, as `greenledger keys generate` printed it.")
@click.option("--new-key-file", type=click.Path(dir_okay=False, path_type=Path), help="For a demo or a first trial: make a new key and write it here (mode 0600, unencrypted; never over a file).")
@click.option("--token-days", default=90, show_default=True, type=click.IntRange(1, 3650), help="Lifetime of the party's API token.")
@click.option("--url", default=lambda: os.environ.get("LEDGER_URL") or DEFAULT_SERVER, show_default="LEDGER_URL, else " + DEFAULT_SERVER, help="The server's URL, as the party reaches it.")
@click.option("--operator-id", default="operator", show_default=True, help="The registry operator's party id, which signs the entry.")
@click.option("--operator-key", "operator_key_path", type=click.Path(dir_okay=False, path_type=Path), help="Its key file (default: keys/operator.pem).")
@on_server_database
def parties_add(
    party_id: str,
    legal_name: str,
    uscc: str,
    role_list: tuple[str, ...],
    public_key_file: Path | None,
    public_key_text: str | None,
    new_key_file: Path | None,
    token_days: int,
    url: str,
    operator_id: str,
    operator_key_path: Path | None,
) -> None:
    """Register PARTY_ID with its roles and public key (party.registered, signed with the operator key),
    issue its API token, and print what the party needs for its first write.

    The party's key comes from exactly one of --public-key-file, --public-key or --new-key-file.
    Nothing is signed or issued for a party already registered (exit 1).
    """
    from datetime import timedelta

    from ledger.cli.onboarded import onboarded_lines
    from ledger.services import onboarding

    given = [option for option, value in (("--public-key-file", public_key_file), ("--public-key", public_key_text), ("--new-key-file", new_key_file)) if value is not None]
    if len(given) != 1:
        fail(f"give the party's key with exactly one of --public-key-file PEM, --public-key BASE64 or --new-key-file PATH{' (not ' + ' and '.join(given) + ')' if given else ''}")
    key: onboarding.KeySource
    if public_key_file is not None:
        key = onboarding.PublicKeyFile(public_key_file)
    elif public_key_text is not None:
        key = onboarding.PublicKeyText(public_key_text)
    else:
        assert new_key_file is not None
        key = onboarding.NewKeyFile(new_key_file)
    config: Config = current_app.extensions["ledger_config"]
    try:
        done = onboarding.onboard(
            current_app.extensions["ledger"],
            party_id=party_id,
            legal_name=legal_name,
            uscc=uscc,
            roles=role_list,
            key=key,
            operator_id=operator_id,
            operator_key_file=operator_key_path or config.operator_key_path,
            operator_key_passphrase=config.key_passphrase,
            token_lifetime=timedelta(days=token_days),
        )
    except errors.InvalidInput as exc:
        wrong = exc.extra.get("errors") or {exc.field or "": exc.detail}
        lines = [f"  {_PARTY_OPTIONS.get(field, field)}: {why}" for field, why in wrong.items()]
        fail("\n".join([f"{party_id} was not registered:", *lines, "nothing was signed or issued"]))
    except onboarding.PartyAlreadyRegistered as exc:
        fail(exc.detail)
    except errors.LedgerError as exc:
        fail(f"{party_id} was not registered: {described(exc)}")
    for line in onboarded_lines(done, url):
        click.echo(line)


@audience.group("tokens", short_help="Issue, list and revoke the parties' API tokens.")
def tokens() -> None:
    """Issue, list and revoke API tokens (run on the server, with its database)."""


@tokens.command("issue")
@click.argument("party_id")
@click.option("--expires-in", "days", default=90, show_default=True, type=click.IntRange(1, 3650), help="Lifetime in days.")
@click.option("--label", default="", help="What the token is for, shown by `tokens list`.")
@click.option("--json", "as_json", is_flag=True, help="Print the token with its id and expiry as JSON.")
@on_server_database
def tokens_issue(party_id: str, days: int, label: str, as_json: bool) -> None:
    """Issue an API token to the registered party PARTY_ID and print it (it is shown only this once)."""
    from datetime import timedelta

    from ledger.services.tokens import issue_token

    try:
        issued = issue_token(current_app.extensions["ledger"], party_id, lifetime=timedelta(days=days), label=label)
    except errors.LedgerError as exc:
        fail(described(exc))
    if as_json:
        stored = issued.stored
        click.echo(json.dumps({"token": issued.token, "token_id": stored.token_id, "party_id": stored.party_id, "expires_at": stored.expires_at.isoformat()}))
    else:
        click.echo(issued.token)


@tokens.command("list")
@click.option("--party", "party_id", help="Only this party's tokens.")
@on_server_database
def tokens_list(party_id: str | None) -> None:
    """List tokens: id, party, label, expiry and whether revoked (never the secrets, which are not kept)."""
    from ledger.services.tokens import list_tokens

    now = current_app.extensions["ledger"].clock.now()
    for t in list_tokens(current_app.extensions["ledger"], party_id):
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else ("expired" if t.expires_at <= now else "live")
        click.echo(f"{t.token_id}  {t.party_id:24}  expires {t.expires_at:%Y-%m-%d}  {state:18}  {t.label}")


@tokens.command("revoke")
@click.argument("token_id")
@on_server_database
def tokens_revoke(token_id: str) -> None:
    """Revoke the token TOKEN_ID (servers stop accepting it within 30 seconds)."""
    from ledger.services.tokens import revoke_token

    try:
        revoke_token(current_app.extensions["ledger"], token_id)
    except errors.LedgerError as exc:
        fail(exc.detail)
    click.echo(f"revoked token {token_id}: servers refuse it within 30 seconds, and its web sessions have ended")


@audience.group("checkpoint-key", short_help="Rotate the key that signs checkpoints and reports.")
def checkpoint_key() -> None:
    """Rotate the key that signs checkpoints and reports (run on the server)."""


@checkpoint_key.command("rotate")
@click.option("--admin-id", default="operator", show_default=True, help="Admin party that signs the rotation entry.")
@click.option("--admin-key", "admin_key_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Its key file (default: keys/operator.pem).")
@on_server_database
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
        fail(exc.detail)
    try:
        receipt = rotate_checkpoint_key(runtime, admin_id=admin_id, admin_key=admin_key, new_key=new_key)
    except errors.LedgerError as exc:
        staged.unlink()
        fail(described(exc))
    current = config.checkpoint_key_path
    kept = None
    if current.exists():
        old = read_private_key_file(current, config.key_passphrase)
        kept = config.keys_dir / f"checkpoint-{note_key_hash(origin, raw_public_key(old)).hex()}.pem"
        current.rename(kept)
    staged.rename(current)
    click.echo(f"checkpoint key rotated at index {receipt.index}; checkpoints from tree size {receipt.index + 1} on are signed by")
    click.echo(f"  {verifier_key(origin, raw_public_key(new_key))}")
    click.echo(f"the new key is {current}" + (f"; the old one is kept as {kept}" if kept else "") + ": copy the new one to every server sharing this database")


@audience.command("export", short_help="Write the log as a bundle auditors verify offline.")
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--tree-size", type=click.IntRange(1), help="Export the first N entries (default: up to the latest checkpoint).")
@click.option("--from", "start", type=int, default=0, show_default=True, help="First index: above 0, a range bundle [from, to) to verify on top of the bundle that ends at from.")
@click.option("--to", type=int, help="Export up to (not including) this index; the same as --tree-size.")
@on_server_database
def export(out: str, tree_size: int | None, start: int, to: int | None) -> None:
    """Write an export bundle (JSON Lines: manifest, records, signed checkpoint) to OUT, or - for stdout."""
    from tqdm import tqdm

    from ledger.services.export import export_bundle

    if to is not None and tree_size is not None and to != tree_size:
        fail(f"--to {to} and --tree-size {tree_size} disagree; give one")
    if start < 0 or (to is not None and to < 1):
        fail("--from must be 0 or more, and --to 1 or more")
    runtime = current_app.extensions["ledger"]
    with tqdm(unit="entries", desc="exporting", disable=None, file=sys.stderr) as bar:

        def advance(done: int, size: int) -> None:
            bar.total = size
            bar.update(done - bar.n)

        bundle = export_bundle(
            runtime, tree_size=to or tree_size, start=start, size_field="--tree-size" if to is None else "--to", progress=advance
        )
        with contextlib.closing(bundle) as lines:  # ends the database snapshot now, even when this command fails
            try:
                manifest = next(lines)  # out-of-range sizes fail here, before OUT is created
            except errors.LedgerError as exc:
                fail(exc.detail)
            _write_bundle(out, manifest, lines)
    click.echo(f"wrote {_bundle_contents(manifest)} to {'standard output' if out == '-' else out}", err=True)


def _write_bundle(out: str, manifest: bytes, lines: Iterator[bytes]) -> None:
    """Write the bundle to the file OUT, or stdout for -; a failure midway removes the partial file,
    which would only fail verification later, far from here."""
    if out == "-":
        try:
            sys.stdout.buffer.write(manifest)
            sys.stdout.buffer.writelines(lines)
        except errors.LedgerError as exc:
            fail(exc.detail)
        return
    try:
        sink = open(out, "wb")  # noqa: SIM115 - closed below
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}", status=2)
    try:
        with sink:
            sink.write(manifest)
            sink.writelines(lines)
    except (errors.LedgerError, OSError) as exc:
        Path(out).unlink(missing_ok=True)
        fail(exc.detail if isinstance(exc, errors.LedgerError) else f"cannot write {out}: {exc.strerror}")


def _bundle_contents(manifest: bytes) -> str:
    """What a bundle holds, from its manifest line: "462 entries (tree size 462)"."""
    head = json.loads(manifest)
    size, start = head["tree_size"], head.get("from", 0)
    if start:
        return f"{size - start} entries, indices {start} to {size - 1} (tree size {size})"
    return f"{size} entries (tree size {size})"


@audience.group("tiles", short_help="Write the log as C2SP tlog-tiles for a static host.")
def tiles_group() -> None:
    """The log as C2SP tlog-tiles: the files a static host or a CDN serves to monitors and witnesses."""


@tiles_group.command("write")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@on_server_database
def tiles_write(folder: Path) -> None:
    """Write the tiles and entry bundles of the latest checkpoint's tree under FOLDER, then FOLDER/checkpoint.

    Incremental: tiles already in FOLDER are kept (a tile never changes), so a re-run after more
    appends writes only the new ones. The files expose every record: publish them only where the
    log's full readers may read them.
    """
    from tqdm import tqdm

    from ledger.services.tiles import write_tiles

    runtime = current_app.extensions["ledger"]
    with tqdm(unit="tiles", desc="writing tiles", disable=None, file=sys.stderr) as bar:

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = write_tiles(runtime, folder, progress=advance)
        except errors.LedgerError as exc:
            fail(exc.detail)
        except OSError as exc:
            fail(f"cannot write under {folder}: {exc.strerror}", status=2)
    for reason in result.skipped:
        click.echo(f"skipped: {reason}", err=True)
    click.echo(
        f"wrote {result.written} tiles ({result.kept} already there) and the checkpoint for tree size {result.tree_size} to {folder}",
        err=True,
    )


@audience.group("witnesses", short_help="Ask the log's witnesses to cosign its latest checkpoint.")
def witnesses_group() -> None:
    """The log's witnesses (C2SP tlog-witness): who they are, and their cosignatures on its checkpoints."""


@witnesses_group.command("sync")
@click.option("--witnesses", "witnesses_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The witnesses file: '<witness verifier key> <add-checkpoint URL>' per line [default: $LEDGER_HOME/witnesses.txt].")
@click.option("--every", type=click.IntRange(1), help="Ask again every N seconds, until stopped (else once).")
@on_server_database
def witnesses_sync(witnesses_file: Path | None, every: int | None) -> None:
    """Send the latest checkpoint to each witness with a consistency proof from the size it holds, and
    keep each cosignature that verifies; the log then serves its checkpoint with them. Exit 1 when a
    witness refused or could not be reached (its earlier cosignatures stay)."""
    import time
    import urllib.error
    import urllib.request

    from ledger.services.witnessing import ask_witnesses, parse_witnesses

    config = current_app.extensions["ledger_config"]
    path = witnesses_file or Path(config.home) / "witnesses.txt"
    try:
        witnesses = parse_witnesses(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read the witnesses file {path}: {exc.strerror}", status=2)
    except errors.LedgerError as exc:
        fail(f"{path}: {exc.detail}", status=2)
    if not witnesses:
        fail(f"{path} lists no witnesses", status=2)

    def post(url: str, body: bytes) -> tuple[int, str, str]:
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.headers.get("Content-Type", ""), answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as refused:
            return refused.code, refused.headers.get("Content-Type", ""), refused.read().decode("utf-8", "replace")
        except urllib.error.URLError as exc:
            raise OSError(str(exc.reason)) from None

    runtime = current_app.extensions["ledger"]
    while True:
        try:
            results = ask_witnesses(runtime, witnesses, post)
        except errors.LedgerError as exc:
            fail(exc.detail)
        for result in results:
            click.echo(f"{result.witness}: {result.said}", err=not result.ok)
        if every is None:
            if not all(r.ok for r in results):
                sys.exit(1)
            return
        time.sleep(every)


@audience.command("report", short_help="Print a signed reconciliation report (JSON or CSV).")
@click.argument("kind", type=click.Choice(["summary", "programme", "project", "lender", "park", "reward-program"]))
@click.argument("subject", required=False)
@click.option("--tree-size", type=click.IntRange(1), help="Report on the log's first N entries (default: the latest checkpoint).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the report's table as CSV instead of signed JSON.")
@on_server_database
def report(kind: str, subject: str | None, tree_size: int | None, as_csv: bool) -> None:
    """Print a signed reconciliation report (KIND SUBJECT, or summary, or programme: progress against the targets)."""
    from ledger.services.reports import make_report

    try:
        signed = make_report(current_app.extensions["ledger"], kind, subject, tree_size=tree_size)
    except errors.LedgerError as exc:
        fail(exc.detail)
    click.echo(signed.as_csv() if as_csv else json.dumps(signed.as_json(), indent=2, ensure_ascii=False), nl=not as_csv)
