"""Value types of the log as stored: entries, checkpoints and the head the next append builds on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.domain.state import EntryView


@dataclass(frozen=True)
class StoredEntry:
    index: int
    recorded_at: datetime
    entry_type: str
    signer: str
    key_id: str
    nonce: str
    envelope_digest: bytes
    record: bytes  # the exact RFC 8785 bytes whose leaf hash is in the tree
    leaf_hash: bytes

    def record_json(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.record)
        return value

    def view(self) -> EntryView:
        """The entry as corrections see it (the payload as signed, before any correction)."""
        envelope = self.record_json()["envelope"]
        return EntryView(self.index, envelope["type"], envelope["signer"], envelope["payload"])


@dataclass(frozen=True)
class StoredCheckpoint:
    tree_size: int
    root_hash: bytes
    note: str
    created_at: datetime


@dataclass(frozen=True)
class LogHead:
    """The log's size and last ``recorded_at`` under the append lock."""

    size: int
    last_recorded_at: datetime | None
