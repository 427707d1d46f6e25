"""The log's identity, its latest checkpoint and consistency proofs."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ledger.api import schemas
from ledger.api.body import runtime
from ledger.api.problems import problem_doc
from ledger.services import reads
from ledger.services.export import export_bundle

blp = Blueprint("log", __name__, url_prefix="/v1", description="Checkpoints and proofs")


@blp.route("/checkpoint")
class CheckpointView(MethodView):
    @blp.response(200, {"type": "string"}, content_type="text/plain; charset=utf-8", description="C2SP signed checkpoint note")
    @blp.alt_response(503, **problem_doc("The log has no genesis entry yet"))
    def get(self) -> Response:
        """The latest signed checkpoint"""
        note = reads.latest_checkpoint(runtime()).note
        return Response(note, content_type="text/plain; charset=utf-8")


@blp.route("/log")
class LogView(MethodView):
    @blp.response(200, schemas.LogInfoSchema)
    def get(self) -> dict[str, Any]:
        """The log's origin, checkpoint verifier key and size"""
        info = reads.log_info(runtime())
        return {"origin": info.identity.origin, "verifier_key": info.identity.verifier_key, "tree_size": info.tree_size}


@blp.route("/consistency-proof")
class ConsistencyProofView(MethodView):
    @blp.arguments(schemas.ConsistencyQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, schemas.ConsistencyProofSchema)
    @blp.alt_response(400, **problem_doc("Sizes out of range"))
    def get(self, first: int, second: int) -> dict[str, Any]:
        """RFC 9162 consistency proof between two tree sizes"""
        return {"first": first, "second": second, "proof": reads.prove_consistency(runtime(), first, second)}


class ExportQuerySchema(Schema):
    tree_size = fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={"description": "export the first tree_size entries (default: up to the latest checkpoint)"})


@blp.route("/export")
class ExportView(MethodView):
    @blp.arguments(ExportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, {"type": "string"}, content_type="application/x-ndjson", description="manifest line, records in index order, checkpoint line")
    @blp.alt_response(400, **problem_doc("tree_size out of range"))
    def get(self, tree_size: int | None) -> Response:
        """Stream an export bundle for offline verification"""
        lines = export_bundle(runtime(), tree_size=tree_size)
        first = next(lines)  # fails here, before the 200 is sent, when tree_size is out of range
        return Response(stream_with_context(itertools.chain([first], lines)), content_type="application/x-ndjson")
