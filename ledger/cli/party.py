"""Commands a party runs on its own machine: key files, signing entries, submitting them, checking receipts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ledger import errors
from ledger.cli.audiences import Audience
from ledger.cli.common import (
    check_cosigned,
    connect,
    described,
    fail,
    fail_client,
    passphrase,
    read_json,
    read_receipt,
    read_text,
    server_option,
    token_option,
    witness_policy,
    witness_policy_options,
)
from ledger.client import ClientError, LedgerClient, make_envelope
from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import generate_private_key, key_id, raw_public_key, read_private_key_file, write_private_key_file

audience = Audience("As a party (a bank, a park operator, the department)")


@audience.group("keys", short_help="Make a private key file to sign with (keys generate).")
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
        write_private_key_file(path, key, passphrase(passphrase_env))
    except errors.LedgerError as exc:
        fail(exc.detail)
    public = raw_public_key(key)
    info = {"key_id": key_id(public), "public_key": b64encode(public), "path": str(path)}
    click.echo(json.dumps(info, indent=2) if as_json else f"key id {info['key_id']}\npublic key {info['public_key']}")


@audience.command("template", short_help="Print a valid example payload of an entry type, with notes.")
@click.argument("entry_type", metavar="[TYPE]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print only the JSON, without the # note lines.")
@click.option("--kind", metavar="KIND", help="The example of another kind of the type (reward programmes and disbursements: park-success).")
@click.option("--server", "url", metavar="URL", help="credits.issued: start at the next free serial this server reports.")
@token_option
def template(entry_type: str | None, as_json: bool, kind: str | None, url: str | None, token: str | None) -> None:
    """Print a valid example payload of TYPE: # note lines (who signs it, each field's meaning, type,
    unit and whether it is required), then the JSON, ready to edit and `greenledger sign`.
    Without TYPE, list every entry type and who signs it."""
    from ledger.domain.payload_files import unknown_type
    from ledger.domain.templates import KIND_TEMPLATES, TEMPLATES, kinds_of, payload_json, render, signers_table, with_next_serial

    if entry_type is None:
        rows = signers_table()
        width = max(len(name) for name, _, _ in rows)
        for name, signed_by, _ in rows:
            click.echo(f"{name:<{width}}  {signed_by}")
        return
    chosen = TEMPLATES.get(entry_type)
    if chosen is None:
        fail(unknown_type(entry_type).detail)
    if kind is not None and kind != chosen.kind:
        kinds = kinds_of(entry_type)
        if (entry_type, kind) not in KIND_TEMPLATES:
            fail(f"{entry_type} has no kind {kind!r}" + (f"; its kinds are {', '.join(kinds)}" if kinds else "; it has one kind"))
        chosen = KIND_TEMPLATES[(entry_type, kind)]
    serial_note = None
    if url is not None and entry_type != "credits.issued":
        click.secho("warning: --server is used only for credits.issued (its next free serial)", fg="yellow", err=True)
    elif url is not None:
        try:
            next_serial = LedgerClient(url, token=token, timeout=10.0).next_serial()
        except ClientError as exc:
            click.secho(f"warning: could not ask {url} for the next free serial ({exc}); serial_start is the example's", fg="yellow", err=True)
        else:
            if next_serial is None:
                click.secho(f"warning: {url} has no serial left above its last block; serial_start is the example's", fg="yellow", err=True)
            else:
                chosen = with_next_serial(chosen, next_serial)
                serial_note = f"serial_start {next_serial} is the next free serial {url} reported (another issuer may take it first)."
    click.echo(payload_json(chosen) if as_json else render(chosen, serial_note=serial_note), nl=False)


@audience.command("sign", short_help="Sign a JSON payload into an entry ready to submit.")
@click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Private key file.")
@click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the key's passphrase.")
@click.option("--signer", required=True, help="Your party id.")
@click.option("--type", "entry_type", required=True, help="Entry type, e.g. party.registered.")
@click.option("--nonce", help="Unique per signer; random when omitted. Reuse it to retry safely.")
@click.argument("payload", default="-")
def sign(key_path: Path, passphrase_env: str | None, signer: str, entry_type: str, nonce: str | None, payload: str) -> None:
    """Sign PAYLOAD (a JSON file, or - for stdin) into an envelope ready for `greenledger submit`.

    Leading # lines (the notes `greenledger template` writes) are skipped, and the payload is checked
    against its type's schema first: every bad field is named and nothing is signed.
    """
    try:
        checked = _read_payload(payload, entry_type)
        key = read_private_key_file(key_path, passphrase(passphrase_env))
        signed = make_envelope(entry_type=entry_type, signer=signer, key=key, payload=checked, nonce=nonce)
    except errors.LedgerError as exc:
        fail(described(exc))
    click.echo(json.dumps(signed, indent=2, ensure_ascii=False))


def _read_payload(source: str, entry_type: str) -> dict[str, Any]:
    """`sign`'s PAYLOAD (a file, or - for stdin): JSON after any leading # note lines, checked for its type.

    :raises LedgerError: for JSON that is not a valid ``entry_type`` payload (every bad field named).
    """
    from ledger.domain.payload_files import check_payload, parse_payload_text, require_known_type

    require_known_type(entry_type)  # before the file: a mistyped --type is the first thing to hear about
    return check_payload(entry_type, parse_payload_text(read_text(source), "standard input" if source == "-" else source))


@audience.command("submit", short_help="Send signed entries to the server; print the receipts.")
@server_option
@click.argument("source", default="-")
@token_option
def submit(server: str, source: str, token: str | None) -> None:
    """Submit a signed entry, or {"entries": [...]} as one batch, from SOURCE (file or -); print the receipt(s)."""
    body = read_json(source)
    client = connect(server, token)
    try:
        if isinstance(body, dict) and "entries" in body:
            result: Any = {"receipts": client.submit_batch(body["entries"])}
        else:
            result = client.submit(body)
    except ClientError as exc:
        fail_client(exc)
    click.echo(json.dumps(result, indent=2))


@audience.command("verify-receipt", short_help="Check a receipt: signature, proof, and the log since.")
@server_option
@click.option("--verifier-key", help="The log's pinned verifier key; fetched from the server (trust on first use) when omitted.")
@click.option("--offline", is_flag=True, help="Do not contact the server: check the checkpoint signature and the proof only.")
@witness_policy_options
@click.argument("source", default="-")
@token_option
def verify_receipt_command(
    server: str, verifier_key: str | None, offline: bool, witnesses: tuple[str, ...], witnesses_needed: int | None, source: str, token: str | None
) -> None:
    """Verify a receipt: the checkpoint's signature, the inclusion proof and (online) the record's hash
    and that the log's latest checkpoint is consistent with the receipt's; with --witness, that the
    latest checkpoint is cosigned by enough of those witnesses."""
    from ledger.crypto.canonical import b64decode
    from ledger.crypto.checkpoint import verify_checkpoint
    from ledger.merkle.proofs import verify_consistency
    from ledger.verify.receipt import verify_receipt

    policy = witness_policy(witnesses, witnesses_needed)
    receipt = read_receipt(source)
    if offline:
        if verifier_key is None:
            fail("--offline needs --verifier-key", status=2)
        if policy is not None:
            fail("--witness needs the server's latest checkpoint: leave out --offline", status=2)
        try:
            verified = verify_receipt(receipt, verifier_key)
        except errors.LedgerError as exc:
            fail(f"verification failed: {exc.detail}")
        click.echo(f"entry {verified.index} is included in checkpoint of size {verified.checkpoint.tree_size}")
        click.echo("OK")
        return
    client = connect(server, token)
    try:
        if verifier_key is None:
            verifier_key = client.log_info()["verifier_key"]
            click.secho("warning: verifier key taken from the server, not pinned", fg="yellow", err=True)
        verified = verify_receipt(receipt, verifier_key, client.entry(receipt["index"])["record"])
        click.echo(f"entry {verified.index} is included in checkpoint of size {verified.checkpoint.tree_size}")
        latest_note = client.checkpoint()
        latest = verify_checkpoint(latest_note, verifier_key)
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
        if policy is not None:
            click.echo(f"the latest checkpoint is {check_cosigned(latest_note, policy)}")
    except errors.LedgerError as exc:
        fail(f"verification failed: {exc.detail}")
    except ClientError as exc:
        fail_client(exc)
    click.echo("OK")


#: A batch of a thousand entries can take the server a while under load.
IMPORT_TIMEOUT_SECONDS = 120.0


@audience.command("import", short_help="Sign and append every row of a spreadsheet (.xlsx, .csv).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "entry_type", required=True, help="Entry type of every row, e.g. loan.registered.")
@click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Your private key file.")
@click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the key's passphrase.")
@click.option("--signer", required=True, help="Your party id.")
@server_option
@token_option
@click.option("--dry-run", is_flag=True, help="Check every row locally and on the server; write nothing.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 1000), help="Entries per request (the server takes at most LEDGER_MAX_BATCH).")
@click.option("--sheet", help="The workbook's sheet to read (default: the first).")
def import_rows(file: Path, entry_type: str, key_path: Path, passphrase_env: str | None, signer: str, server: str, token: str | None, dry_run: bool, batch: int, sheet: str | None) -> None:
    """Sign every row of FILE (.xlsx or .csv, one entry a row, payload fields as columns) and append them.

    Every cell is checked first and every row in a server dry run; nothing is written unless all pass.
    Signed envelopes are kept in FILE.signed.jsonl and receipts written to FILE.receipts.jsonl, so a
    re-run after a failure sends the same envelopes and records nothing twice.
    """
    from ledger.spreadsheets.importing import Importer, ImportRefused

    try:
        key = read_private_key_file(key_path, passphrase(passphrase_env))
        importer = Importer(connect(server, token, timeout=IMPORT_TIMEOUT_SECONDS), entry_type=entry_type, signer=signer, key=key, batch=batch)
        outcome = importer.run(file, dry_run=dry_run, sheet=sheet)
    except ImportRefused as exc:
        for line in exc.lines:
            click.echo(line, err=True)
        fail(exc.summary)
    except errors.LedgerError as exc:
        fail(described(exc))
    except ClientError as exc:
        fail_client(exc)
    click.echo(outcome.summary())


@audience.command("export-table", short_help="Write your records of one type as .xlsx or .csv.")
@click.argument("entry_type", metavar="TYPE")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--signer", help="Only the records this party signed (default: all the token may read).")
@click.option("--field-names", is_flag=True, help="Name the columns by payload field (loan, principal) rather than in Chinese (贷款编号, 本金).")
@server_option
@token_option
def export_table_command(entry_type: str, out: Path, signer: str | None, field_names: bool, server: str, token: str | None) -> None:
    """Write the TYPE records the token may read to OUT (.xlsx or .csv), in the columns `import` reads."""
    from ledger.spreadsheets.exporting import export_table

    try:
        exported = export_table(connect(server, token, timeout=IMPORT_TIMEOUT_SECONDS), entry_type, out, signer=signer, field_names=field_names)
    except errors.LedgerError as exc:
        fail(described(exc))
    except ClientError as exc:
        fail_client(exc)
    click.echo(exported.summary())
