"""Web sessions kept on the server: the browser's cookie holds only a random session id.

A session stands for one API token, verified at sign-in; it never holds the token itself. It ends at
sign-out, after ``runtime.session_idle`` without a request, ``runtime.session_absolute`` after
sign-in, or when its token is revoked or expires. Only SHA-256(session id) is stored, so a copy of the database opens no session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ledger.domain.access import Principal
from ledger.services.runtime import LedgerRuntime
from ledger.services.tokens import principal_of_token, secret_digest

#: How stale ``last_used_at`` may get before a request writes it again: idle expiry is exact to this.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class StoredSession:
    session_hash: bytes
    token_id: str
    party_id: str
    created_at: datetime
    last_used_at: datetime
    ended_at: datetime | None

    def live_at(self, now: datetime, *, idle: timedelta, absolute: timedelta) -> bool:
        return self.ended_at is None and now < self.created_at + absolute and now < self.last_used_at + idle


def start_session(runtime: LedgerRuntime, principal: Principal) -> str:
    """A new session for a principal whose token was just verified; returns its id (for the cookie only).

    Sessions past their absolute lifetime are deleted on the way: none of them can open anything.
    """
    assert principal.token_id  # a principal from a token
    session_id = secrets.token_urlsafe(32)
    now = runtime.clock.now()
    with runtime.uow_factory() as uow:
        uow.sessions.purge(now - runtime.session_absolute)
        uow.sessions.add(StoredSession(secret_digest(session_id), principal.token_id, principal.party_id, now, now, None))
        uow.commit()
    return session_id


def resume_session(runtime: LedgerRuntime, session_id: object) -> Principal | None:
    """The principal of a live session, else None (unknown, ended, idle or too old, or its token is no
    longer live: then the session is ended for good)."""
    if not isinstance(session_id, str) or not 20 <= len(session_id) <= 100:
        return None
    now = runtime.clock.now()
    digest = secret_digest(session_id)
    with runtime.uow_factory() as uow:
        stored = uow.sessions.get(digest)
        if stored is None or not stored.live_at(now, idle=runtime.session_idle, absolute=runtime.session_absolute):
            return None
        principal = principal_of_token(runtime, stored.token_id)
        if principal is None:
            uow.sessions.end(digest, now)
            uow.commit()
            return None
        if now - stored.last_used_at >= TOUCH_EVERY:
            uow.sessions.touch(digest, now)
            uow.commit()
    return principal


def end_session(runtime: LedgerRuntime, session_id: object) -> None:
    """Sign-out: the session opens nothing any more, whoever holds a copy of its cookie."""
    if not isinstance(session_id, str) or not session_id:
        return
    with runtime.uow_factory() as uow:
        uow.sessions.end(secret_digest(session_id), runtime.clock.now())
        uow.commit()
