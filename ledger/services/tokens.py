"""API tokens: issue, list, revoke, and authenticate a bearer token to the party it was issued to.

A token reads ``glt_<token id>_<secret>``. Only SHA-256(secret) is stored, so a copy of the database
gives no usable credential. Authentication is cached per process for ``CACHE_SECONDS``: a revocation
takes effect within that time on every server.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from ledger import errors
from ledger.domain.access import Principal
from ledger.domain.entities import Party
from ledger.services.runtime import LedgerRuntime

PREFIX = "glt_"
CACHE_SECONDS = 30.0
MAX_LIFETIME = timedelta(days=3650)


@dataclass(frozen=True)
class StoredToken:
    token_id: str
    party_id: str
    secret_hash: bytes
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def live_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    token: str
    stored: StoredToken


def secret_digest(secret: str) -> bytes:
    """What is stored of a secret (a token's, a web session's id): its SHA-256, never the text."""
    return hashlib.sha256(secret.encode()).digest()


#: What ``issue_token`` makes: 16 hex digits of id, then url-safe base64 (which may hold "_" itself).
#: Anything else is refused before a lookup, so junk never reaches the database.
_TOKEN_SHAPE = re.compile(r"glt_([0-9a-f]{16})_([A-Za-z0-9_-]{16,128})")


def _split(token: str) -> tuple[str, str] | None:
    """(token id, secret) of a well-formed token, else None."""
    match = _TOKEN_SHAPE.fullmatch(token)
    return (match.group(1), match.group(2)) if match else None


def issue_token(runtime: LedgerRuntime, party_id: str, *, lifetime: timedelta, label: str = "") -> IssuedToken:
    """Issue a token to a registered party.

    :raises UnknownReference: when the party is not registered.
    :raises InvalidInput: when the lifetime is not positive or longer than ten years.
    """
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise errors.InvalidInput("a token's lifetime must be positive and at most ten years", field="lifetime")
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = runtime.clock.now()
    stored = StoredToken(token_id, party_id, secret_digest(secret), label, now, now + lifetime, None)
    with runtime.uow_factory() as uow:
        if not uow.projections.get_many(Party, [party_id]):
            raise errors.UnknownReference(f"no registered party {party_id!r}", field="party_id")
        uow.tokens.add(stored)
        uow.commit()
    return IssuedToken(f"{PREFIX}{token_id}_{secret}", stored)


def list_tokens(runtime: LedgerRuntime, party_id: str | None = None) -> list[StoredToken]:
    with runtime.uow_factory() as uow:
        return uow.tokens.list(party_id)


def revoke_token(runtime: LedgerRuntime, token_id: str) -> None:
    """Revoke a token and end every web session signed in with it.

    :raises NotFound: when there is no live token with this id.
    """
    now = runtime.clock.now()
    with runtime.uow_factory() as uow:
        if not uow.tokens.revoke(token_id, now):
            raise errors.NotFound(f"no unrevoked token {token_id!r}", field="token_id")
        uow.sessions.end_for_token(token_id, now)
        uow.commit()
    runtime.token_cache.forget(token_id)


class TokenCache:
    """token id -> (when fetched, the stored token, the party's roles); bounded, thread-safe."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: dict[str, tuple[float, StoredToken, frozenset[str]]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, token_id: str) -> tuple[StoredToken, frozenset[str]] | None:
        with self._lock:
            hit = self._entries.get(token_id)
        if hit is None or time.monotonic() - hit[0] > CACHE_SECONDS:
            return None
        return hit[1], hit[2]

    def put(self, token: StoredToken, roles: frozenset[str]) -> None:
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[token.token_id] = (time.monotonic(), token, roles)

    def forget(self, token_id: str) -> None:
        with self._lock:
            self._entries.pop(token_id, None)


def _stored_with_roles(runtime: LedgerRuntime, token_id: str) -> tuple[StoredToken, frozenset[str]] | None:
    """The stored token and its party's roles, through the cache."""
    cached = runtime.token_cache.get(token_id)
    if cached is None:
        with runtime.uow_factory() as uow:
            stored = uow.tokens.get(token_id)
            party = uow.projections.get_many(Party, [stored.party_id]).get(stored.party_id) if stored else None
        if stored is None or party is None:
            return None
        cached = (stored, frozenset(party.roles))
        runtime.token_cache.put(*cached)
    return cached


def authenticate(runtime: LedgerRuntime, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None for an unknown, revoked or expired token."""
    parts = _split(token)
    if parts is None:
        return None
    token_id, secret = parts
    found = _stored_with_roles(runtime, token_id)
    if found is None:
        return None
    stored, roles = found
    if not hmac.compare_digest(stored.secret_hash, secret_digest(secret)) or not stored.live_at(runtime.clock.now()):
        return None
    return Principal(stored.party_id, roles, stored.token_id)


def principal_of_token(runtime: LedgerRuntime, token_id: str) -> Principal | None:
    """The principal of a token verified before (a web session's), while it is live; no secret needed."""
    found = _stored_with_roles(runtime, token_id)
    if found is None or not found[0].live_at(runtime.clock.now()):
        return None
    stored, roles = found
    return Principal(stored.party_id, roles, stored.token_id)
