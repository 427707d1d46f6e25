"""Response hardening and request limits: security headers, a per-token rate limit, the session cookie and its secret."""

from __future__ import annotations

import math
import os
import secrets
import time
from pathlib import Path

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from ledger import errors
from ledger.api import auth

#: Sent on every response. The pages use only same-origin scripts and styles (inline styles are
#: allowed for server-rendered SVG charts); nothing may frame them.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

#: Probes are exempt from the rate limit: orchestrators poll them.
UNLIMITED_ENDPOINTS = frozenset({"health.Health", "health.Ready", "static"})


def _add_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.headers.get("Authorization") or request.cookies:
        # What an authenticated party reads must not stay in shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _rate_limit_key() -> str:
    """The verified token's id; without a valid token, the client's address (so guesses are limited per
    address, whatever token ids they rotate through). Behind ``LEDGER_TRUSTED_PROXIES`` proxies the
    address is the one they put in X-Forwarded-For (ProxyFix rewrites ``remote_addr``)."""
    token_id = auth.verified_token_id()
    return f"token:{token_id}" if token_id else f"ip:{request.remote_addr}"


class RequestBudget:
    """Requests allowed per key, counted with ``limits``' sliding-window counter (O(1) per request
    whatever the limit; in memory per process, or shared in Redis).

    ``limits`` is the library flask-limiter is built on; used directly, a request costs one counter
    update instead of flask-limiter's per-request resolution of every limit, exemption and header
    (about 250 µs of CPU a request, measured by ``python -m bench --only limiter``).
    """

    def __init__(self, rate_limit: str, storage_uri: str) -> None:
        self.items = parse_many(rate_limit)
        self.counter = SlidingWindowCounterRateLimiter(storage_from_string(storage_uri))

    def spend(self) -> None:
        """Count this request against its key; RateLimited once a limit is spent."""
        if request.endpoint in UNLIMITED_ENDPOINTS:
            return
        key = _rate_limit_key()
        for item in self.items:
            if not self.counter.hit(item, key):
                reset = self.counter.get_window_stats(item, key).reset_time
                raise errors.RateLimited(
                    f"more than {item} from this {'token' if key.startswith('token:') else 'address'}",
                    retry_after=max(1, math.ceil(reset - time.time())),
                )


def trust_proxies(app: Flask, hops: int) -> None:
    """Take the client's address and scheme from the ``hops`` reverse proxies in front (0: trust no header).

    Only the last ``hops`` X-Forwarded-For entries are read, those our own proxies appended, so a client
    cannot choose the address it is limited by.
    """
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def install_limits(app: Flask, *, rate_limit: str, storage_uri: str) -> RequestBudget | None:
    """A rate limit per verified API token (per client address without one); None when ``rate_limit`` is empty.

    Its check runs between ``auth.install_identification`` and ``auth.install_gate``: the key is the
    verified token, and a request the gate refuses has been counted.
    """
    app.after_request(_add_headers)
    if not rate_limit:
        return None
    budget = RequestBudget(rate_limit, storage_uri)
    app.before_request(budget.spend)
    return budget


class _SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, holding only a random server-side session id and the form token; Secure
    whenever the request came over HTTPS (as ProxyFix reports it behind a TLS proxy), or always when
    ``LEDGER_COOKIE_SECURE`` is on."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def harden_session_cookie(app: Flask, *, secure: bool) -> None:
    app.session_interface = _SessionCookie()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_SECURE=secure)


def session_secret(configured: str | None, path: Path) -> str:
    """The key signing session cookies: configured, else kept in a 0600 file every worker shares."""
    if configured:
        return configured
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked into place: a worker racing us reads
        # either nothing or the complete secret, and the first link wins.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
