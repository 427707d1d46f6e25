"""Rotate the checkpoint key: a checkpoint.key.rotated entry endorsed by the key in force."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.client import make_envelope
from ledger.crypto.canonical import b64encode
from ledger.crypto.checkpoint import rotation_statement
from ledger.crypto.signing import raw_public_key
from ledger.domain.types.checkpoint_keys import ROTATED
from ledger.services.entries import Receipt, submit_entries
from ledger.services.runtime import LedgerRuntime


def rotate_checkpoint_key(runtime: LedgerRuntime, *, admin_id: str, admin_key: Ed25519PrivateKey, new_key: Ed25519PrivateKey) -> Receipt:
    """Append the rotation, signed by ``admin_id``; checkpoints after it are signed by ``new_key``.

    :raises ServiceUnavailable: when this server does not hold the key in force (it must endorse).
    :raises RuleViolation, NotAuthorized: as the entry's rules decide (e.g. the signer is no admin).
    """
    with runtime.uow_factory() as uow:
        identity = runtime.current_identity(uow)
    old_key = runtime.signing_key(identity.checkpoint_public_key)
    new_public = raw_public_key(new_key)
    statement = rotation_statement(identity.origin, identity.checkpoint_public_key, new_public)
    payload = {
        "new_key": b64encode(new_public),
        "endorsement": b64encode(old_key.sign(statement)),
        "acceptance": b64encode(new_key.sign(statement)),
    }
    runtime.checkpoint_keyring[new_public] = new_key
    signed = make_envelope(entry_type=ROTATED, signer=admin_id, key=admin_key, payload=payload, signed_at=runtime.clock.now())
    return submit_entries(runtime, [signed], batch=False).receipts[0]
