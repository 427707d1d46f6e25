"""Bearer-token authentication and the route-level access table; object-level rules live in domain.access.

Every endpoint is in ``ACCESS`` (a test checks it): ``PUBLIC`` needs no token, ``TOKEN`` any valid token
(the view may narrow further by the principal's read scope), ``FULL`` a party that reads everything.
Pages of the web blueprint authenticate the same way (or by the server-side session the cookie names)
and send a visitor without a principal to the sign-in page themselves.
"""

from __future__ import annotations

from typing import Mapping

from flask import Flask, g, request, session
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from ledger import errors
from ledger.api.body import runtime
from ledger.domain import access
from ledger.domain.access import Principal
from ledger.services import reads
from ledger.services.sessions import resume_session
from ledger.services.tokens import authenticate

PUBLIC = "public"
TOKEN = "token"
FULL = "full"

ACCESS: dict[str, str] = {
    "health.Health": PUBLIC,
    "health.Ready": PUBLIC,
    "log.CheckpointView": PUBLIC,
    "tiles.Checkpoint": PUBLIC,
    "tiles.TileView": FULL,  # the tiles hold every record
    "api-docs.openapi_json": PUBLIC,
    "static": PUBLIC,
    "entries.Entries": TOKEN,  # writes: the token's party must sign; reads: scoped to own records
    "entries.Batch": TOKEN,
    "entries.Entry": TOKEN,
    "entries.InclusionProof": TOKEN,
    "log.LogView": TOKEN,
    "log.ConsistencyProofView": TOKEN,
    "log.ExportView": FULL,
    "registry.Parties": TOKEN,
    "registry.PartyView": TOKEN,
    "registry.KeyView": TOKEN,
    "programme.parks-list": TOKEN,
    "programme.parks-detail": TOKEN,
    "programme.park-statistics-list": TOKEN,
    "programme.park-statistics-detail": TOKEN,
    "programme.projects-list": TOKEN,
    "programme.projects-detail": TOKEN,
    "programme.loans-list": TOKEN,  # scoped in the view
    "programme.loans-detail": TOKEN,
    "programme.verifications-list": TOKEN,
    "programme.verifications-detail": TOKEN,
    "programme.programme-targets-list": TOKEN,
    "programme.programme-targets-detail": TOKEN,
    "programme.park-targets-list": TOKEN,
    "programme.park-targets-detail": TOKEN,
    "programme.park-assessments-list": TOKEN,
    "programme.park-assessments-detail": TOKEN,
    "programme.reward-programs-list": TOKEN,
    "programme.reward-programs-detail": TOKEN,
    "programme.reward-disbursements-list": TOKEN,
    "programme.reward-disbursements-detail": TOKEN,
    "programme.credit-blocks-list": TOKEN,
    "programme.credit-blocks-detail": TOKEN,
    "programme.NextSerial": TOKEN,
    "programme.Holdings": TOKEN,
    "reports.Summary": TOKEN,
    "reports.Programme": TOKEN,
    "reports.project-report": TOKEN,  # scoped in the view
    "reports.lender-report": TOKEN,
    "reports.park-report": TOKEN,
    "reports.reward-program-report": TOKEN,
}

#: Blueprints whose views handle a missing principal themselves (a redirect to sign in, not a 401).
SELF_GUARDED_BLUEPRINTS = frozenset({"web"})

#: The key of the server-side session's id in the (signed) session cookie (services.sessions).
SESSION_ID = "sid"

#: The writes a page may send with its session instead of a bearer token: the same signed envelopes,
#: with the session's form token in this header (a cross-site page can neither read nor send it).
SESSION_WRITE_ENDPOINTS = frozenset({"entries.Entries"})
FORM_TOKEN_HEADER = "X-CSRFToken"


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def _identify() -> None:
    """Who the request stands for: its bearer token's party, or for reads its web session's; None when
    there is none or it is unknown, expired, ended or revoked. Runs first, so the rate limit can count
    per verified token."""
    g.token_sent = token = _bearer()
    if token:
        g.principal = authenticate(runtime(), token)
    elif SESSION_ID in session and (request.method in ("GET", "HEAD") or _signed_form_write()):
        g.principal = resume_session(runtime(), session[SESSION_ID])
    else:
        g.principal = None


def _signed_form_write() -> bool:
    """Whether this is a page's write sent with its session: only to ``SESSION_WRITE_ENDPOINTS``, and
    only with the session's form token, so a cross-site form can never write with a visitor's cookie.

    :raises FormTokenInvalid: for such a write without the token, or with another session's or a stale one.
    """
    if request.method != "POST" or request.endpoint not in SESSION_WRITE_ENDPOINTS:
        return False
    try:
        validate_csrf(request.headers.get(FORM_TOKEN_HEADER))
    except ValidationError as exc:
        raise errors.FormTokenInvalid(
            f"a write sent with the pages' session needs the page's form token in {FORM_TOKEN_HEADER} ({exc}); reload the page",
            field=FORM_TOKEN_HEADER,
        ) from None
    return True


def _gate() -> None:
    """Refuse what the endpoint's access level does not allow (after the rate limit has counted)."""
    endpoint = request.endpoint
    if endpoint is None:  # 404 and 405: let routing answer
        return
    blueprint = endpoint.partition(".")[0] if "." in endpoint else ""
    if blueprint in SELF_GUARDED_BLUEPRINTS:
        return
    level = ACCESS.get(endpoint, FULL)  # an endpoint nobody classified is closed, not open
    if level == PUBLIC:
        return
    if g.principal is None:
        if g.token_sent:
            raise errors.Unauthenticated("the API token is unknown, expired or revoked", field="Authorization")
        raise errors.Unauthenticated("send an API token: Authorization: Bearer <token>", field="Authorization")
    if level == FULL and not g.principal.reads_everything:
        raise errors.Forbidden("only admins, auditors and the department may do this")


def install_identification(app: Flask) -> None:
    """Register ``_identify``: before the rate limit's hook, which keys on its answer."""
    app.before_request(_identify)


def install_gate(app: Flask) -> None:
    """Register ``_gate``: after the rate limit's hook, so refused guesses are counted too."""
    app.before_request(_gate)


def verified_token_id() -> str | None:
    """The id of the request's token once it has been verified (the rate limit's key), else None."""
    who = current_principal()
    return who.token_id if who is not None else None


def current_principal() -> Principal | None:
    return getattr(g, "principal", None)


def principal() -> Principal:
    """The authenticated principal (the gate guarantees one outside public endpoints)."""
    found = current_principal()
    if found is None:
        raise errors.Unauthenticated("send an API token: Authorization: Bearer <token>", field="Authorization")
    return found


def require_signers(signers: Mapping[str, str]) -> None:
    """A write must be signed by the party the token was issued to (``signers``: field -> signer)."""
    party = principal().party_id
    for field, signer in signers.items():
        if signer != party:
            raise errors.TokenPartyMismatch(f"the token is {party!r}'s but the envelope is signed by {signer!r}", field=field)


def entry_signer_scope(entry_type: str | None = None) -> str | None:
    """None when the principal may see every log record (of ``entry_type``), else the party whose
    records it may see."""
    who = principal()
    return None if who.reads_everything or entry_type in access.PUBLIC_RECORD_TYPES else who.party_id


def require_record_access(signer: str, entry_type: str) -> None:
    if not access.may_read_record(principal(), signer, entry_type):
        raise errors.Forbidden("this record was signed by another party; only its signer and full readers may read it")


def require_report_access(kind: str, subject: str | None) -> None:
    who = principal()
    operator = reads.park_operator_of_project(runtime(), subject) if kind == "project" and subject else None
    if not access.may_read_report(who, kind, subject, park_operator=operator):
        raise errors.Forbidden(f"{who.party_id!r} may not read the {kind} report on {subject!r}")
