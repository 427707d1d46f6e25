"""Submit, list and read log entries, and prove their inclusion."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from flask.views import MethodView

from ledger import errors
from ledger.api import auth, schemas
from ledger.api.body import json_body, page_limit, runtime
from ledger.api.problems import ledger_error_body, problem_doc
from ledger.api.query import Blueprint
from ledger.domain.log import StoredEntry
from ledger.services import entries as entry_service
from ledger.services import reads

blp = Blueprint("entries", __name__, url_prefix="/v1/entries", description="The signed, append-only log")


def entry_view(entry: StoredEntry) -> dict[str, Any]:
    return {"record": entry.record_json(), "leaf_hash": entry.leaf_hash}


def _signers(submissions: list[Any], *, batch: bool = False) -> dict[str, str]:
    """field -> the signer each well-formed submission names (malformed ones are left to the submit service)."""
    found = {}
    for position, submission in enumerate(submissions):
        envelope = submission.get("envelope") if isinstance(submission, dict) else None
        signer = envelope.get("signer") if isinstance(envelope, dict) else None
        if isinstance(signer, str):
            found[f"entries[{position}].envelope.signer" if batch else "envelope.signer"] = signer
    return found


@blp.route("")
class Entries(MethodView):
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": schemas.SubmissionSchema}}})
    @blp.response(201, schemas.ReceiptSchema, description="Appended; the receipt proves it")
    @blp.alt_response(200, schema=schemas.ReceiptSchema, description="An identical retry: the first receipt again")
    @blp.alt_response(401, **problem_doc("No valid API token"))
    @blp.alt_response(403, **problem_doc("Key revoked, the signer lacks the role, the token is another party's, or a page's session sent no form token (form-token-invalid)"))
    @blp.alt_response(409, **problem_doc("The nonce was used for other content, or an id exists"))
    @blp.alt_response(413, **problem_doc("Body too large"))
    @blp.alt_response(422, **problem_doc("Invalid envelope, payload, signature or rule"))
    @blp.alt_response(503, **problem_doc("Database unavailable: retry with the same nonce"))
    def post(self) -> tuple[entry_service.Receipt, int]:
        """Submit one signed entry (the token's party must be the signer)

        The pages' write forms send the same signed envelope with the signed-in session's cookie instead
        of a token, and the page's form token in the X-CSRFToken header.
        """
        body = json_body()
        auth.require_signers(_signers([body]))
        result = entry_service.submit_entries(runtime(), [body], batch=False)
        return result.receipts[0], 201 if result.created else 200

    @blp.arguments(schemas.EntryQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, schemas.EntryPageSchema)
    def get(self, after: int | None, before: int | None, limit: int | None, type: str | None, signer: str | None) -> dict[str, Any]:
        """List entries in index order, with a cursor (parties other than full readers: their own, and the registry's)"""
        scope = auth.entry_signer_scope(type)
        if scope is not None:
            if signer not in (None, scope):
                raise errors.Forbidden(f"you may list only the records you signed (signer={scope!r})", field="signer")
            signer = scope
        page = reads.list_entries(runtime(), after=after, before=before, limit=page_limit(limit), entry_type=type, signer=signer)
        return {"items": [entry_view(e) for e in page.items], "next": page.next}


#: A batch answers 200 when every entry had been recorded before, and 200 with a result per entry for
#: ``?dry_run=true``: one response, two bodies (a manual doc replaces the generated response).
BATCH_200_DOC = {
    "responses": {
        "200": {
            "description": "Every entry had been recorded before (receipts), or, with dry_run=true, what an append would do with each entry (results); nothing was written",
            "content": {"application/json": {"schema": {"oneOf": [schemas.BatchReceiptsSchema, schemas.DryRunResultsSchema]}}},
        }
    }
}


def check_view(check: entry_service.EntryCheck) -> dict[str, Any]:
    view: dict[str, Any] = {"index_in_batch": check.index_in_batch, "ok": check.ok}
    if check.recorded_index is not None:
        view["index"] = check.recorded_index
    if check.problem is not None:
        view["problem"] = ledger_error_body(check.problem)
    return view


@blp.route("/batch")
class Batch(MethodView):
    @blp.arguments(schemas.BatchQuerySchema, location="query", as_kwargs=True)
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": schemas.BatchSchema}}})
    @blp.response(201, schemas.BatchReceiptsSchema, description="All appended (or retried), in order")
    @blp.doc(**BATCH_200_DOC)
    @blp.alt_response(401, **problem_doc("No valid API token"))
    @blp.alt_response(403, **problem_doc("Key revoked, a signer lacks the role, or the token is another party's"))
    @blp.alt_response(409, **problem_doc("A nonce was used for other content, or an id exists"))
    @blp.alt_response(413, **problem_doc("Too many entries or body too large"))
    @blp.alt_response(422, **problem_doc("An entry is invalid; nothing was written"))
    @blp.alt_response(503, **problem_doc("Database unavailable: retry with the same nonces"))
    def post(self, dry_run: bool) -> tuple[dict[str, Any], int] | Response:
        """Submit a batch of signed entries, all or nothing; or, with dry_run=true, check each without writing"""
        body = json_body()
        if not isinstance(body, dict) or set(body) != {"entries"} or not isinstance(body["entries"], list):
            raise errors.InvalidInput('body must be {"entries": [...]}', field="entries")
        auth.require_signers(_signers(body["entries"], batch=True))
        if dry_run:
            checks = entry_service.validate_entries(runtime(), body["entries"])
            return Response(json.dumps({"results": [check_view(c) for c in checks]}), status=200, content_type="application/json")
        result = entry_service.submit_entries(runtime(), body["entries"], batch=True)
        return {"receipts": result.receipts}, 201 if result.created else 200


@blp.route(f"/<{schemas.INT_CONVERTER}:index>")
class Entry(MethodView):
    @blp.response(200, schemas.EntrySchema)
    @blp.alt_response(404, **problem_doc())
    def get(self, index: int) -> dict[str, Any]:
        """Read one entry and its leaf hash (its signer's and full readers' only)"""
        entry = reads.get_entry(runtime(), index)
        auth.require_record_access(entry.signer, entry.entry_type)
        return entry_view(entry)


@blp.route(f"/<{schemas.INT_CONVERTER}:index>/inclusion-proof")
class InclusionProof(MethodView):
    @blp.arguments(schemas.InclusionQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, schemas.InclusionProofSchema)
    @blp.alt_response(400, **problem_doc("Index or tree size out of range"))
    def get(self, index: int, tree_size: int) -> reads.InclusionProof:
        """RFC 9162 inclusion proof of an entry in the tree of a given size"""
        return reads.prove_inclusion(runtime(), index, tree_size)
