"""The log's identity, its latest checkpoint and consistency proofs."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from ledger.api import schemas
from ledger.api.problems import problem_doc
from ledger.api.body import runtime
from ledger.services import reads

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
