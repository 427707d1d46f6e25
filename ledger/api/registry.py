"""Parties and their keys, as the log's registry entries made them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ledger.api import schemas
from ledger.api.body import page_limit, runtime
from ledger.api.problems import problem_doc
from ledger.api.query import Blueprint
from ledger.domain.entities import Party, PartyKey
from ledger.services import reads

blp = Blueprint("registry", __name__, url_prefix="/v1", description="Parties, roles and keys")


@blp.route("/parties")
class Parties(MethodView):
    @blp.arguments(schemas.PartyQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, schemas.PartyPageSchema)
    def get(self, after: str | None, limit: int | None) -> dict[str, Any]:
        """List registered parties"""
        page = reads.list_entities(runtime(), Party, after=after, limit=page_limit(limit))
        return {"items": page.items, "next": page.next}


@blp.route("/parties/<party_id>")
class PartyView(MethodView):
    @blp.response(200, schemas.PartyDetailSchema)
    @blp.alt_response(404, **problem_doc())
    def get(self, party_id: str) -> dict[str, Any]:
        """One party with its keys"""
        party = reads.get_entity(runtime(), Party, party_id)
        return {**schemas.PartySchema().dump(party), "keys": reads.keys_of(runtime(), party_id)}


@blp.route("/keys/<key_id>")
class KeyView(MethodView):
    @blp.response(200, schemas.KeySchema)
    @blp.alt_response(404, **problem_doc())
    def get(self, key_id: str) -> PartyKey:
        """One key: its party, public key, and the indices that added and revoked it"""
        return reads.get_entity(runtime(), PartyKey, key_id)
