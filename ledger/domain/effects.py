"""What an accepted entry changes in the projections; applied in log order."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.registry import Party, PartyKey


@dataclass(frozen=True)
class PartyRegistered:
    party: Party


@dataclass(frozen=True)
class KeyAdded:
    key: PartyKey


@dataclass(frozen=True)
class KeyRevoked:
    key_id: str
    index: int


Effect = PartyRegistered | KeyAdded | KeyRevoked
