"""The HTTP API: an flask-smorest Api whose every error is problem+json."""

from __future__ import annotations

import http
from typing import Any

from flask import Flask, Response, request
from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from ledger import errors
from ledger.api import (
    entries,
    health,
    log,
    problems,
    programme,
    query,
    registry,
    reports,
    schemas,
    tiles,
)
from ledger.domain.catalog import ENTRY_TYPES


class Api(SmorestApi):  # type: ignore[misc]
    ERROR_SCHEMA = schemas.ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        return problems.http_error_response(error)

    def _register_responses(self) -> None:
        """Document the shared error responses as problem+json, which is what the handlers send."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def register_api(app: Flask) -> Api:
    """Attach the blueprints, the problem+json handlers and the OpenAPI settings."""
    app.config.setdefault("API_TITLE", "greenledger")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api(
        app,
        spec_kwargs={
            "info": {
                "description": "Signed, append-only ledger of green loans, rewards, verified reductions and "
                "carbon credits for Sichuan's near-zero-carbon pilot parks. Every error is RFC 9457 problem+json."
            }
        },
    )
    for payload_schema in sorted({t.schema for t in ENTRY_TYPES.values()}, key=lambda cls: cls.__name__):
        api.spec.components.schema(payload_schema.__name__, schema=payload_schema)
    api.spec.components.schema("Record", schema=schemas.RecordSchema)
    for blueprint in (entries.blp, log.blp, registry.blp, programme.blp, reports.blp, tiles.blp, health.blp):
        # Its routes refuse query parameters they do not declare; flask-smorest's own would take any.
        if not isinstance(blueprint, query.Blueprint):
            raise TypeError(f"blueprint {blueprint.name!r} must be a ledger.api.query.Blueprint")
        api.register_blueprint(blueprint)
    # The OpenAPI document's own route (flask-smorest's blueprint) takes no query parameters either.
    app.before_request_funcs.setdefault("api-docs", []).append(query.refuse_any_query)
    app.before_request(_refuse_nul)
    app.register_error_handler(errors.LedgerError, problems.ledger_error_response)
    app.register_error_handler(Exception, _unexpected)
    return api


def _refuse_nul() -> None:
    """No id or filter value holds U+0000 (PostgreSQL text cannot store it), and the driver would refuse
    to send it in a query: answer for the client's mistake here instead of with a 500 later."""
    if "\x00" in request.path:
        raise errors.NotFound("no resource has U+0000 in its path")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise errors.InvalidInput("query parameters must not contain U+0000", field=name.replace("\x00", "\\x00"))


def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return problems.http_error_response(exc)
    return problems.unexpected_error_response(exc)
