"""Starting a log: the key files under LEDGER_HOME and the genesis entry (`init`, and `serve` on an empty log)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.client import make_envelope
from ledger.config import Config
from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import generate_private_key, raw_public_key, read_private_key_file, write_private_key_file
from ledger.services.runtime import LedgerRuntime

DEFAULT_OPERATOR_NAME = "Sichuan Near-Zero-Carbon Park Registry Operator (illustrative)"
DEFAULT_OPERATOR_USCC = "12510000MB1C2D3E42"


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
