"""Parties, their roles and keys, as the log's registry entries define them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol


@dataclass(frozen=True)
class Party:
    party_id: str
    legal_name: str
    unified_social_credit_code: str
    roles: frozenset[str]
    registered_index: int


@dataclass(frozen=True)
class PartyKey:
    key_id: str
    party_id: str
    public_key: bytes
    added_index: int
    revoked_index: int | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_index is not None

    def revoke(self, index: int) -> "PartyKey":
        return replace(self, revoked_index=index)


class RegistryView(Protocol):
    """Read access to the registry as it stands before the entry being checked."""

    def party(self, party_id: str) -> Party | None: ...

    def key(self, key_id: str) -> PartyKey | None: ...
