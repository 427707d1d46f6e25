"""Commands an auditor runs, trusting nothing the server says: bundles, reports, receipts, the witness."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger import errors
from ledger.cli.audiences import Audience
from ledger.cli.common import (
    check_cosigned,
    connect,
    fail,
    fail_client,
    read_json,
    read_receipt,
    server_option,
    token_option,
    witness_policy,
    witness_policy_options,
)
from ledger.client import ClientError

audience = Audience("As an auditor (offline, or against any server)")


@audience.command("verify", short_help="Verify an export bundle offline, and reports against it.")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--origin", required=True, help="The log's origin, pinned out of band.")
@click.option("--key", "verifier_key", required=True, help="The log's verifier key, pinned out of band.")
@click.option("--base", "bases", multiple=True, type=click.Path(exists=True, dir_okay=False), help="For a range bundle: the bundle(s) before it, in order, from index 0 (verified first; repeatable).")
@click.option("--checkpoint", "kept", multiple=True, type=click.Path(exists=True, dir_okay=False), help="A checkpoint note kept earlier; the log must extend it (repeatable).")
@click.option("--report", "signed_reports", multiple=True, type=click.Path(exists=True, dir_okay=False), help="A signed report to recompute from the bundle and compare (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@witness_policy_options
def verify(
    bundle: str, origin: str, verifier_key: str, bases: tuple[str, ...], kept: tuple[str, ...], signed_reports: tuple[str, ...], as_json: bool,
    witnesses: tuple[str, ...], witnesses_needed: int | None,
) -> None:
    """Verify an export bundle offline; exit 1 naming the first failing index, 3 when a range without
    its base could be checked only in part. With --witness, every --checkpoint kept must also be
    cosigned by enough of those witnesses (the log then showed its readers one tree)."""
    from ledger.verify.cli import run_verify

    policy = witness_policy(witnesses, witnesses_needed)
    if policy is not None:
        if not kept:
            fail("--witness checks the cosignatures of the --checkpoint notes you kept: give at least one", status=2)
        for path in kept:
            with open(path, encoding="utf-8") as note:
                click.echo(f"{path}: {check_cosigned(note.read(), policy)}", err=True)

    sys.exit(run_verify(bundle, origin, verifier_key, bases=bases, kept=kept, signed_reports=signed_reports, as_json=as_json))


@audience.command("verify-report", short_help="Check a signed report's signature offline.")
@click.option("--verifier-key", required=True, help="The log's pinned verifier key.")
@click.argument("source", default="-")
def verify_report_command(verifier_key: str, source: str) -> None:
    """Check a signed report's signature offline (SOURCE: a file, or - for stdin)."""
    from ledger.verify.report import verify_report

    try:
        body = verify_report(read_json(source), verifier_key)
    except errors.LedgerError as exc:
        fail(f"verification failed: {exc.detail}")
    click.echo(f"{body['kind']} report signed by {body['origin']} at tree size {body['tree_size']}: OK")


@audience.command("prove", short_help="Check a receipt's entry is still in the server's log.")
@server_option
@click.option("--key", "verifier_key", required=True, help="The log's pinned verifier key.")
@witness_policy_options
@click.argument("receipt", default="-")
@token_option
def prove(server: str, verifier_key: str, witnesses: tuple[str, ...], witnesses_needed: int | None, receipt: str, token: str | None) -> None:
    """Check that a receipt's entry is still in the log: inclusion at the current size and consistency
    from the receipt's checkpoint (exit 1 otherwise); with --witness, that the current checkpoint is
    cosigned by enough of those witnesses, so this server shows everyone the same log."""
    from ledger.verify.prove import prove_receipt

    policy = witness_policy(witnesses, witnesses_needed)
    signed_receipt = read_receipt(receipt)
    client = connect(server, token)
    seen: list[str] = []

    def fetch_checkpoint() -> str:
        seen.append(client.checkpoint())
        return seen[-1]

    try:
        current = prove_receipt(
            signed_receipt,
            verifier_key,
            fetch_checkpoint=fetch_checkpoint,
            fetch_inclusion=lambda index, size: client.inclusion_proof(index, size)["audit_path"],
            fetch_consistency=lambda first, second: client.consistency_proof(first, second)["proof"],
        )
    except errors.LedgerError as exc:
        fail(f"not proven: {exc.detail}")
    except ClientError as exc:
        fail_client(exc)
    cosigned = f"; {check_cosigned(seen[-1], policy)}" if policy is not None else ""
    click.echo(f"OK: still included at tree size {current.tree_size}, and the log only grew since the receipt{cosigned}")


@audience.group("witness", invoke_without_command=True, short_help="Alarm on a rollback or fork; or run a C2SP witness (serve).")
@server_option
@click.option("--state", "state", type=click.Path(file_okay=False, path_type=Path), help="Folder keeping the pinned key and the last checkpoint.")
@click.option("--key", "verifier_key", help="The log's verifier key (needed on the first run; pinned afterwards).")
@token_option
@click.pass_context
def witness_command(ctx: click.Context, server: str, state: Path | None, verifier_key: str | None, token: str | None) -> None:
    """Fetch the latest checkpoint, check it extends the last one stored, store it; fail loudly on a
    rollback, a fork or a bad signature (exit 1, WITNESS ALARM). Cheap enough to run every minute from cron.

    The first run needs --key: the log's verifier key, from the registry operator out of band (GET /v1/log
    shows the server's, to compare). It is pinned in --state once the first checkpoint verifies with it.
    `greenledger witness serve` instead runs a witness the log calls (C2SP tlog-witness).
    """
    if ctx.invoked_subcommand is not None:
        return
    if state is None:
        fail("give --state, the folder that keeps the pinned key and the last checkpoint", status=2)
    from ledger.crypto.checkpoint import parse_verifier_key
    from ledger.domain.types.checkpoint_keys import ROTATED
    from ledger.verify.witness import KEY_FILE, stored_key, witness

    # Not alarms: nothing is known yet about the log, only about how the witness was called.
    pinned = stored_key(state)
    if pinned is None:
        if verifier_key is None:
            fail(
                f"nothing is pinned in {state} yet: the first run needs --key, the log's verifier key "
                "(from the registry operator, out of band; GET /v1/log shows the server's, to compare)",
                status=2,
            )
        key = verifier_key
    else:
        if verifier_key not in (None, pinned):
            fail(
                f"--key differs from the key pinned in {state / KEY_FILE}: leave --key out to keep checking with the pinned "
                "one (the witness follows the log's key rotations itself), or give a new --state to start over",
                status=2,
            )
        key = pinned
    try:
        parse_verifier_key(key)
    except errors.LedgerError as exc:
        fail(f"--key is not a verifier key ({exc.detail}); one looks like <origin>+<hash>+<key>, as GET /v1/log shows", status=2)
    client = connect(server, token)
    try:
        outcome = witness(
            state,
            key,
            client.checkpoint,
            lambda first, second: client.consistency_proof(first, second)["proof"],
            fetch_rotations=lambda: client.records(ROTATED),
            fetch_inclusion=lambda index, size: client.inclusion_proof(index, size)["audit_path"],
        )
    except errors.LedgerError as exc:
        fail(f"WITNESS ALARM: {exc.detail}")
    except ClientError as exc:
        fail_client(exc)
    except OSError as exc:
        fail(f"cannot keep the witness's state in {state}: {exc.strerror}")
    if outcome.rotated_to:
        click.secho(f"the log rotated its checkpoint key; now pinned: {outcome.rotated_to}", fg="yellow")
    if outcome.previous is None:
        click.echo(
            f"first run: pinned the log's key {stored_key(state)} and its checkpoint at tree size {outcome.current.tree_size} "
            f"in {state}; from now on the witness raises the alarm if the log ever stops extending it"
        )
    else:
        click.echo(f"OK: tree size {outcome.current.tree_size} extends {outcome.previous.tree_size}")


@witness_command.command("serve")
@click.option("--state", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder keeping the latest checkpoint cosigned per log.")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path), help="The witness's Ed25519 private key (greenledger keys generate).")
@click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the key's passphrase.")
@click.option("--name", required=True, help="The witness's name on its cosignatures, a schema-less URL such as witness.audit.sc.gov.cn/w1.")
@click.option("--log", "logs", required=True, multiple=True, help="Verifier key of a log to witness (repeatable).")
@click.option("--bind", default="127.0.0.1:8100", show_default=True, help="Address to listen on.")
def witness_serve(state: Path, key_file: Path, passphrase_env: str | None, name: str, logs: tuple[str, ...], bind: str) -> None:
    """Run a C2SP tlog-witness: POST /add-checkpoint cosigns a log's checkpoint (C2SP tlog-cosignature v1)
    when it extends the latest one this witness cosigned for that log, and refuses a rollback or a fork.

    Prints the witness's verifier key, which the log's operator configures and readers pin.
    """
    import time

    from ledger.cli.common import passphrase
    from ledger.crypto.cosignature import cosigner_vkey
    from ledger.crypto.signing import raw_public_key, read_private_key_file
    from ledger.verify.witness_protocol import Witness, http_server

    try:
        key = read_private_key_file(key_file, passphrase(passphrase_env))
        served = Witness(state, name=name, key=key, logs=list(logs), now=lambda: int(time.time()))
    except errors.LedgerError as exc:
        fail(f"cannot start the witness: {exc.detail}", status=2)
    except OSError as exc:
        fail(f"cannot keep the witness's state in {state}: {exc.strerror}", status=2)
    host, _, port = bind.rpartition(":")
    if not port.isdigit():
        fail(f"--bind {bind} is not HOST:PORT", status=2)
    try:
        server = http_server(served, host or "127.0.0.1", int(port))
    except OSError as exc:
        fail(f"cannot listen on {bind}: {exc.strerror}", status=2)
    click.echo(f"witness {name} listening on http://{host or '127.0.0.1'}:{server.server_port}/add-checkpoint")
    click.echo(f"its verifier key: {cosigner_vkey(name, raw_public_key(key))}", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@audience.command("checkpoint", short_help="Print the server's latest signed checkpoint.")
@server_option
@witness_policy_options
def checkpoint(server: str, witnesses: tuple[str, ...], witnesses_needed: int | None) -> None:
    """Print the log's latest signed checkpoint, with its witnesses' cosignatures (its shape checked; its
    signature is `witness`'s and `prove`'s to check). With --witness, exit 1 unless enough of those
    witnesses cosigned it, and say on stderr which did."""
    from ledger.crypto.checkpoint import parse_checkpoint_body

    policy = witness_policy(witnesses, witnesses_needed)
    try:
        note = connect(server).checkpoint()
    except ClientError as exc:
        fail_client(exc)
    try:
        parse_checkpoint_body(note[: note.rfind("\n\n") + 1])
    except errors.InvalidCheckpoint:
        fail(f"{server} answered /v1/checkpoint with something that is not a checkpoint note: is it a greenledger server?")
    if policy is not None:
        said = check_cosigned(note, policy)
        click.echo(note, nl=False)
        click.echo(said, err=True)
        return
    click.echo(note, nl=False)
