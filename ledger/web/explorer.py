"""What the log explorer shows: entries newest first, and an entry's signature status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ledger import errors
from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import verify_envelope
from ledger.domain.entities import PartyKey
from ledger.domain.log import StoredEntry
from ledger.services import reads
from ledger.services.runtime import LedgerRuntime


@dataclass(frozen=True)
class NewestPage:
    items: list[StoredEntry]
    older: int | None  # pass as ``before`` for the next (older) page


def newest_entries(runtime: LedgerRuntime, *, before: int | None, limit: int, entry_type: str | None, signer: str | None) -> NewestPage:
    """The ``limit`` newest entries below ``before`` that match the filters, newest first.

    ``list_entries`` reads in index order, so this widens a window backwards from ``before``
    (doubling it) until it holds enough matches or reaches index 0: O(log n) reads.
    """
    size = reads.log_info(runtime).tree_size
    top = size if before is None else min(before, size)
    window = max(limit * 4, 64)
    while True:
        start = max(0, top - window)
        found = reads.list_entries(runtime, after=start - 1 if start > 0 else None, before=top, limit=window, entry_type=entry_type, signer=signer).items
        if len(found) >= limit or start == 0:
            break
        window *= 2
    newest = list(reversed(found[-limit:]))
    # Older matches may exist when the window held more than a page or stopped short of index 0.
    older = newest[-1].index if newest and (len(found) > limit or start > 0) else None
    return NewestPage(newest, older)


@dataclass(frozen=True)
class SignatureStatus:
    ok: bool
    detail: str
    key: PartyKey | None


def signature_status(runtime: LedgerRuntime, entry: StoredEntry) -> SignatureStatus:
    """Whether the envelope's signature verifies under its key, and the key was in force at this index.

    A key signs from the entry after the one that registers it (genesis registers its own) until
    the entry that revokes it.
    """
    record = entry.record_json()
    try:
        key = reads.get_entity(runtime, PartyKey, entry.key_id)
    except errors.NotFound:
        return SignatureStatus(False, _("key %(key)s is not registered in the log", key=entry.key_id), None)
    if key.party_id != entry.signer:
        return SignatureStatus(False, _("key %(key)s belongs to %(owner)s, not %(signer)s", key=key.key_id, owner=key.party_id, signer=entry.signer), key)
    try:
        verify_envelope(record["envelope"], record["signature"], key.public_key)
    except errors.LedgerError as exc:
        return SignatureStatus(False, _("the signature does not verify: %(reason)s", reason=exc.detail), key)
    if not (key.added_index < entry.index or entry.index == key.added_index == 0):
        return SignatureStatus(False, _("the key was registered at index %(index)s, after this entry", index=key.added_index), key)
    if key.revoked_index is not None and key.revoked_index <= entry.index:
        return SignatureStatus(False, _("the key was revoked at index %(index)s", index=key.revoked_index), key)
    return SignatureStatus(True, _("Ed25519 signature over JCS(envelope) verifies under the signer's key, in force at this index"), key)


def proof_view(runtime: LedgerRuntime, entry: StoredEntry) -> dict[str, Any]:
    """The entry's inclusion proof at the latest checkpoint, for the page without JavaScript."""
    checkpoint = reads.latest_checkpoint(runtime)
    proof = reads.prove_inclusion(runtime, entry.index, checkpoint.tree_size)
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": b64encode(checkpoint.root_hash),
        "note": checkpoint.note,
        "audit_path": [b64encode(h) for h in proof.audit_path],
    }
