"""The naive peer: what a minimal Flask + SQLAlchemy + marshmallow append endpoint costs.

It validates the same JSON shape as ``POST /v1/entries`` (envelope fields and the
``party.registered`` payload fields) with a marshmallow schema and inserts one row per request
(``bigserial`` id, ``jsonb`` body) into its own PostgreSQL database. No signature check, no
canonical JSON, no lock, no Merkle tree, no checkpoint, no receipt: the floor a signed ledger is
measured against. Run under gunicorn with the settings ``greenledger serve`` uses::

    NAIVE_DATABASE_URL=postgresql+psycopg://... gunicorn --worker-class gthread --workers 2 --threads 8 bench.naive_app:app
"""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

TABLE_DDL = "CREATE TABLE IF NOT EXISTS naive_entries (id bigserial PRIMARY KEY, body jsonb NOT NULL)"


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class PayloadSchema(_Strict):
    party = fields.String(required=True, validate=validate.Length(min=1, max=64))
    legal_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unified_social_credit_code = fields.String(required=True, validate=validate.Length(equal=18))
    roles = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    public_key = fields.String(required=True)


class EnvelopeSchema(_Strict):
    v = fields.Integer(required=True, strict=True)
    type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    signer = fields.String(required=True, validate=validate.Length(min=1, max=64))
    key = fields.String(required=True, validate=validate.Length(equal=32))
    signed_at = fields.String(required=True)
    nonce = fields.String(required=True, validate=validate.Length(min=1, max=64))
    payload = fields.Nested(PayloadSchema, required=True)


class SubmissionSchema(_Strict):
    envelope = fields.Nested(EnvelopeSchema, required=True)
    signature = fields.String(required=True)


def _engine_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_schema(url: str) -> None:
    """Create the table once, before the workers start."""
    engine = create_engine(_engine_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text(TABLE_DDL))
    finally:
        engine.dispose()


def create_app(url: str | None = None) -> Flask:
    app = Flask("naive")
    # The same pool as greenledger's engine (ledger/__init__.py).
    engine: Engine = create_engine(
        _engine_url(url or os.environ["NAIVE_DATABASE_URL"]), pool_size=10, max_overflow=20, pool_pre_ping=True
    )
    schema = SubmissionSchema()
    insert = text("INSERT INTO naive_entries (body) VALUES (CAST(:body AS jsonb)) RETURNING id")

    @app.post("/v1/entries")
    def append() -> Any:
        body = request.get_json(silent=True)
        if body is None:
            return jsonify({"detail": "body must be JSON"}), 400
        try:
            schema.load(body)
        except ValidationError as exc:
            return jsonify({"detail": "invalid", "errors": exc.messages}), 422
        with engine.begin() as conn:
            index = conn.execute(insert, {"body": json.dumps(body)}).scalar_one()
        return jsonify({"index": index}), 201

    @app.get("/healthz")
    def health() -> Any:
        return jsonify({"status": "ok"})

    return app


app = create_app() if os.environ.get("NAIVE_DATABASE_URL") else None
