"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ledger import errors
from ledger.api import schemas
from ledger.api.body import runtime
from ledger.api.problems import problem_doc
from ledger.api.query import Blueprint
from ledger.services import reads

blp = Blueprint("health", __name__, url_prefix="", description="Probes")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, schemas.HealthSchema)
    def get(self) -> dict[str, Any]:
        """The process is up"""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, schemas.HealthSchema)
    @blp.alt_response(503, **problem_doc())
    def get(self) -> dict[str, Any]:
        """The database answers and the log has its genesis entry"""
        if not reads.is_ready(runtime()):
            raise errors.LedgerNotInitialized("the log is empty; run `greenledger init` first")
        return {"status": "ready"}
