"""The log's identity, its latest checkpoint and consistency proofs."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ledger.api import schemas
from ledger.api.body import runtime
from ledger.api.problems import problem_doc
from ledger.api.query import Blueprint
from ledger.services import reads
from ledger.services.export import export_bundle
from ledger.services.witnessing import cosigned_checkpoint

blp = Blueprint("log", __name__, url_prefix="/v1", description="Checkpoints and proofs")


def checkpoint_response() -> Response:
    """The latest checkpoint note with its cosignatures, as text (here and at the tiles' /checkpoint)."""
    return Response(cosigned_checkpoint(runtime()), content_type="text/plain; charset=utf-8")


@blp.route("/checkpoint")
class CheckpointView(MethodView):
    @blp.response(200, {"type": "string"}, content_type="text/plain; charset=utf-8", description="C2SP signed checkpoint note")
    @blp.alt_response(503, **problem_doc("The log has no genesis entry yet"))
    def get(self) -> Response:
        """The latest signed checkpoint, with the cosignatures its witnesses have given it"""
        return checkpoint_response()


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
    from_ = fields.Integer(
        data_key="from",
        load_default=0,
        validate=validate.Range(min=0),
        metadata={"description": "first index to export: above 0, a range bundle whose manifest carries the frontier of the tree of that size"},
    )
    to = fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={"description": "export up to (not including) this index: the bundle's tree size"})
    tree_size = fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={"description": "the same as to (kept for prefix bundles)"})

    @validates_schema
    def _one_size(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("to") is not None and data.get("tree_size") is not None and data["to"] != data["tree_size"]:
            raise ValidationError("give to or tree_size, not two different sizes", field_name="to")


@blp.route("/export")
class ExportView(MethodView):
    @blp.arguments(ExportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, {"type": "string"}, content_type="application/x-ndjson", description="manifest line, records in index order, checkpoint line")
    @blp.alt_response(400, **problem_doc("from or to out of range"))
    def get(self, from_: int, to: int | None, tree_size: int | None) -> Response:
        """Stream an export bundle for offline verification: the first entries, or the range [from, to)"""
        lines = export_bundle(runtime(), tree_size=to or tree_size, start=from_, size_field="tree_size" if to is None else "to")
        first = next(lines)  # fails here, before the 200 is sent, when from or to is out of range
        return Response(stream_with_context(itertools.chain([first], lines)), content_type="application/x-ndjson")
