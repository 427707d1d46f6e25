"""Commands an auditor runs, trusting nothing the server says: bundles, reports, receipts, the witness."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger import errors
from ledger.cli.audiences import Audience
from ledger.cli.common import connect, fail, fail_client, read_json, read_receipt, server_option, token_option
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
def verify(bundle: str, origin: str, verifier_key: str, bases: tuple[str, ...], kept: tuple[str, ...], signed_reports: tuple[str, ...], as_json: bool) -> None:
    """Verify an export bundle offline; exit 1 naming the first failing index, 3 when a range without
    its base could be checked only in part."""
    from ledger.verify.cli import run_verify

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
@click.argument("receipt", default="-")
@token_option
def prove(server: str, verifier_key: str, receipt: str, token: str | None) -> None:
    """Check that a receipt's entry is still in the log: inclusion at the current size and consistency
    from the receipt's checkpoint (exit 1 otherwise)."""
    from ledger.verify.prove import prove_receipt

    signed_receipt = read_receipt(receipt)
    client = connect(server, token)
    try:
        current = prove_receipt(
            signed_receipt,
            verifier_key,
            fetch_checkpoint=client.checkpoint,
            fetch_inclusion=lambda index, size: client.inclusion_proof(index, size)["audit_path"],
            fetch_consistency=lambda first, second: client.consistency_proof(first, second)["proof"],
        )
    except errors.LedgerError as exc:
        fail(f"not proven: {exc.detail}")
    except ClientError as exc:
        fail_client(exc)
    click.echo(f"OK: still included at tree size {current.tree_size}, and the log only grew since the receipt")


@audience.command("witness", short_help="Check the log only grows; alarm on a rollback or fork.")
@server_option
@click.option("--state", "state", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder keeping the pinned key and the last checkpoint.")
@click.option("--key", "verifier_key", help="The log's verifier key (needed on the first run; pinned afterwards).")
@token_option
def witness_command(server: str, state: Path, verifier_key: str | None, token: str | None) -> None:
    """Fetch the latest checkpoint, check it extends the last one stored, store it; fail loudly on a
    rollback, a fork or a bad signature (exit 1, WITNESS ALARM). Cheap enough to run every minute from cron.

    The first run needs --key: the log's verifier key, from the registry operator out of band (GET /v1/log
    shows the server's, to compare). It is pinned in --state once the first checkpoint verifies with it.
    """
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


@audience.command("checkpoint", short_help="Print the server's latest signed checkpoint.")
@server_option
def checkpoint(server: str) -> None:
    """Print the log's latest signed checkpoint (its shape checked; its signature is `witness`'s and `prove`'s to check)."""
    from ledger.crypto.checkpoint import parse_checkpoint_body

    try:
        note = connect(server).checkpoint()
    except ClientError as exc:
        fail_client(exc)
    try:
        parse_checkpoint_body(note[: note.rfind("\n\n") + 1])
    except errors.InvalidCheckpoint:
        fail(f"{server} answered /v1/checkpoint with something that is not a checkpoint note: is it a greenledger server?")
    click.echo(note, nl=False)
