"""Onboarding a party: register it, signed by the registry operator, and issue its first API token.

This is what `greenledger parties add` runs on the server. The party.registered entry goes through
the normal write path (``submit_entries``): the same checks, rules and receipt as any other entry.
Only the party's public key is used; when the operator makes a key for a trial, the private key goes
to a new file (mode 0600) and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Sequence

from ledger import errors
from ledger.client import make_envelope
from ledger.crypto.canonical import b64decode
from ledger.crypto.signing import (
    generate_private_key,
    key_id,
    public_key_from_pem,
    raw_public_key,
    read_private_key_file,
    write_private_key_file,
)
from ledger.domain.entities import Party
from ledger.domain.registration import party_registered_payload, registration_problems
from ledger.services import reads
from ledger.services.entries import submit_entries
from ledger.services.runtime import LedgerRuntime
from ledger.services.tokens import IssuedToken, issue_token

PARTY_REGISTERED = "party.registered"


class PartyAlreadyRegistered(errors.DuplicateId):
    """Onboarding a party the log already holds: nothing is signed, written or issued."""


@dataclass(frozen=True)
class PublicKeyFile:
    """The party's PEM file: its public key, or its private key of which only the public half is read."""

    path: Path


@dataclass(frozen=True)
class PublicKeyText:
    """The party's public key as `greenledger keys generate` printed it (standard base64 of 32 bytes)."""

    text: str


@dataclass(frozen=True)
class NewKeyFile:
    """Make a new key for the party (a demo or a first trial) and write it here, never over a file."""

    path: Path


KeySource = PublicKeyFile | PublicKeyText | NewKeyFile


def _given_public_key(source: PublicKeyFile | PublicKeyText) -> tuple[bytes, Path | None]:
    """(the raw public key, where the private key is when that is known).

    :raises InvalidKey, InvalidInput: when the file or the text holds no usable Ed25519 public key.
    """
    if isinstance(source, PublicKeyText):
        try:
            return b64decode(source.text.strip(), field="public_key", length=32), None
        except errors.InvalidInput as exc:
            raise errors.InvalidInput(f"the public key is not base64 of 32 bytes: {exc.detail}", field="public_key") from None
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        raise errors.InvalidKey(f"cannot read key file {source.path}: {exc.strerror}") from None
    return public_key_from_pem(data), source.path if b"PRIVATE KEY-----" in data else None


def _new_key_file(path: Path) -> bytes:
    """Write a new private key to ``path`` (mode 0600 from creation, never over a file); its public key.

    :raises InvalidKey: when ``path`` exists or cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise errors.InvalidKey(f"cannot create the folder of {path}: {exc.strerror}") from None
    private = generate_private_key()
    write_private_key_file(path, private)
    return raw_public_key(private)


@dataclass(frozen=True)
class Onboarded:
    party_id: str
    roles: tuple[str, ...]
    key_id: str
    #: Where the party's private key is, when known (the new file, or the private key file given).
    key_file: Path | None
    #: Index of its party.registered entry.
    index: int
    token: IssuedToken


def registered_index(runtime: LedgerRuntime, party_id: str) -> int | None:
    """The index of the entry that registered ``party_id``, or None when it is not registered."""
    try:
        return reads.get_entity(runtime, Party, party_id).registered_index
    except errors.NotFound:
        return None


def _already(party_id: str, index: int) -> PartyAlreadyRegistered:
    return PartyAlreadyRegistered(
        f"party {party_id!r} is already registered (index {index}); nothing was signed or issued. "
        f"Another token: `greenledger tokens issue {party_id}`; another key: a key.added entry (`greenledger template key.added`)",
        field="party",
    )


def onboard(
    runtime: LedgerRuntime,
    *,
    party_id: str,
    legal_name: str,
    uscc: str,
    roles: Sequence[str],
    key: KeySource,
    operator_id: str,
    operator_key_file: Path,
    operator_key_passphrase: bytes | None,
    token_lifetime: timedelta,
) -> Onboarded:
    """Check the registration, append party.registered signed by the operator, issue the party's token.

    Everything that can be checked is checked before anything is written: the fields, that the party
    is new, the party's public key, the operator's key.

    :raises InvalidInput: naming every wrong field (``errors``: field -> why).
    :raises PartyAlreadyRegistered: when the log holds the party already.
    :raises InvalidKey: for an unusable key file, or a new key file's path that exists.
    :raises LedgerError: as the write path refuses the entry (e.g. the public key is another party's);
        a key file made for it is removed again.
    """
    problems = registration_problems(party_id, legal_name, uscc, roles)
    if problems:
        raise errors.InvalidInput("; ".join(problems.values()), field=next(iter(problems)), errors=problems)
    index = registered_index(runtime, party_id)
    if index is not None:
        raise _already(party_id, index)
    operator_key = read_private_key_file(operator_key_file, operator_key_passphrase)
    made: Path | None = None
    if isinstance(key, NewKeyFile):
        public_key, key_file = _new_key_file(key.path), key.path
        made = key.path
    else:
        public_key, key_file = _given_public_key(key)
    payload = party_registered_payload(party_id, legal_name, uscc, roles, public_key)
    signed = make_envelope(entry_type=PARTY_REGISTERED, signer=operator_id, key=operator_key, payload=payload, signed_at=runtime.clock.now())
    try:
        receipt = submit_entries(runtime, [signed], batch=False).receipts[0]
    except errors.LedgerError as exc:
        if made is not None:
            made.unlink(missing_ok=True)  # a key nobody registered would only mislead its holder
        if isinstance(exc, errors.DuplicateId) and exc.field == "envelope.payload.party":
            raise _already(party_id, registered_index(runtime, party_id) or 0) from None  # registered meanwhile
        raise
    token = issue_token(runtime, party_id, lifetime=token_lifetime, label="onboarding")
    return Onboarded(party_id, tuple(roles), key_id(public_key), key_file, receipt.index, token)
