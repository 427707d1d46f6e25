"""RFC 9457 problem+json for every non-2xx answer: one table maps exceptions to statuses."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

from ledger import errors
from ledger.api.schemas import ProblemSchema
from ledger.domain.rules import flatten_messages
from ledger.operations.request_log import note_problem, request_id

PROBLEM_BASE = "https://greenledger.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

logger = logging.getLogger("ledger.api")

#: Exception class -> HTTP status; the most specific class in the MRO wins.
STATUS_BY_ERROR: dict[type[errors.LedgerError], int] = {
    errors.LedgerError: 400,
    errors.MalformedJson: 400,
    errors.InvalidInput: 422,
    errors.InvalidSignature: 422,
    errors.InvalidKey: 422,
    errors.UnknownKey: 422,
    errors.KeyRevoked: 403,
    errors.SignedInFuture: 422,
    errors.SignedTooOld: 422,
    errors.SignedBeforeKeyRegistration: 422,
    errors.RuleViolation: 422,
    errors.NotAuthorized: 403,
    errors.DuplicateId: 409,
    errors.UnknownReference: 422,
    errors.IdempotencyConflict: 409,
    errors.LedgerNotInitialized: 503,
    errors.LedgerAlreadyInitialized: 409,
    errors.BatchTooLarge: 413,
    errors.EntryNotFound: 404,
    errors.NotFound: 404,
    errors.TreeSizeOutOfRange: 400,
    errors.ProofMismatch: 422,
    errors.InvalidCheckpoint: 422,
    errors.ServiceUnavailable: 503,
    errors.RateLimited: 429,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
}

#: Werkzeug's HTTP errors get slugs of their own.
CODE_BY_STATUS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    414: "uri-too-long",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "too-many-requests",
    431: "request-header-fields-too-large",
}


def problem_doc(description: str = "") -> dict[str, Any]:
    """``alt_response`` keywords documenting a problem+json answer."""
    doc: dict[str, Any] = {"schema": ProblemSchema, "content_type": PROBLEM_CONTENT_TYPE}
    if description:
        doc["description"] = description
    return doc


def status_for(exc: errors.LedgerError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]  # type: ignore[index]
    return 400


def problem_body(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    field: str | None = None,
    errors_by_field: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The RFC 9457 body of a problem with the request's path as its instance."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        "code": code,
    }
    if field:
        body["field"] = field
    if errors_by_field:
        body["errors"] = errors_by_field
    if extra:
        body.update(extra)
    return body


def ledger_error_body(exc: errors.LedgerError) -> dict[str, Any]:
    """The problem+json body ``ledger_error_response`` answers ``exc`` with (a dry run's per-entry problem)."""
    extra = dict(exc.extra)
    by_field = extra.pop("errors", None)
    if by_field is None and exc.field:
        by_field = {exc.field: [exc.detail]}
    return problem_body(status_for(exc), exc.code, exc.title, exc.detail, field=exc.field, errors_by_field=by_field, extra=extra)


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    field: str | None = None,
    errors_by_field: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return _respond(problem_body(status, code, title, detail, field=field, errors_by_field=errors_by_field, extra=extra), headers)


def _respond(body: dict[str, Any], headers: dict[str, str] | None) -> Response:
    # Every answered problem names the request, as its X-Request-ID header and its log line do.
    body.setdefault("request_id", request_id())
    note_problem(body["code"])
    response = Response(json.dumps(body), status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def ledger_error_response(exc: errors.LedgerError) -> Response:
    body = ledger_error_body(exc)
    status = body["status"]
    # A 503 is temporary: tell clients when to retry (with the same nonce, which makes it safe).
    headers = {"Retry-After": "1"} if status == 503 else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="greenledger"'}
    if isinstance(exc, errors.RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    return _respond(body, headers)


def http_error_response(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = CODE_BY_STATUS.get(status, "http-error")
    data = getattr(exc, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    by_field = None
    if messages:
        # webargs nests by location ({"query": {"limit": [...]}}); the location is not part of the field name.
        by_field = flatten_messages({k: v for loc in messages.values() for k, v in loc.items()} if all(isinstance(v, dict) for v in messages.values()) else messages)
    field = next(iter(by_field)) if by_field else None
    detail = data.get("message") or exc.description or exc.name
    if by_field and field:
        detail = f"{field}: {'; '.join(by_field[field])}"
    return problem(status, code, exc.name, str(detail), field=field, errors_by_field=by_field, headers=dict(data.get("headers") or {}))


def unexpected_error_response(exc: Exception) -> Response:
    rid = request_id()
    logger.exception("unhandled error, request id %s", rid)
    return problem(
        500,
        "internal-error",
        "Internal server error",
        f"the server failed to answer; quote request id {rid} to its operator",
    )
