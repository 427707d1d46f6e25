"""The query-string check on its own (no database): a route takes exactly the parameters its query
schema declares, each once unless the field takes many, and a route without a schema takes none."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask
from flask.views import MethodView
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

from ledger import errors
from ledger.api import Api, problems
from ledger.api.query import Blueprint

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

blp = Blueprint("fuzz", __name__, url_prefix="/t")


class Filters(Schema):
    after = fields.Integer(load_default=None)
    from_ = fields.String(data_key="from", load_default=None)
    tags = fields.List(fields.String(), load_default=None)


@blp.route("/listed")
class Listed(MethodView):
    @blp.arguments(Filters, location="query", as_kwargs=True)
    @blp.response(200)
    def get(self, **given: Any) -> dict[str, Any]:
        return {"ok": True}


@blp.route("/plain")
class Plain(MethodView):
    @blp.response(200)
    def get(self) -> dict[str, Any]:
        return {"ok": True}

    @blp.response(201)
    def post(self) -> tuple[dict[str, Any], int]:
        return {"ok": True}, 201


def _app() -> tuple[Flask, Api]:
    app = Flask("query-check")
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    api = Api(app)
    api.register_blueprint(blp)
    app.register_error_handler(errors.LedgerError, problems.ledger_error_response)
    return app, api


APP, API = _app()
DECLARED = {"after", "from", "tags"}
names = st.sampled_from(["after", "from", "from_", "tags", "After", "x", "", "limit", "tags[]", "after "])
pairs = st.lists(st.tuples(names, st.sampled_from(["1", "", "a", "-1"])), max_size=5)


@given(pairs)
@FUZZ
def test_a_listed_route_takes_its_declared_parameters_once_and_only_them(query: list[tuple[str, str]]) -> None:
    response = APP.test_client().get("/t/listed?" + urlencode(query))
    given_names = [n for n, _ in query]
    unknown = [n for n in given_names if n not in DECLARED]
    repeated = [n for n in given_names if n in DECLARED - {"tags"} and given_names.count(n) > 1]
    body = response.get_json()
    if unknown:
        assert response.status_code == 422 and body["code"] == "unknown-query-parameter" and body["errors"].keys() == set(unknown)
        assert body["allowed"] == ["after", "from", "tags"]
    elif repeated:
        assert response.status_code == 422 and body["code"] == "repeated-query-parameter" and body["errors"].keys() == set(repeated)
    else:
        assert response.status_code in (200, 422)  # 422: a value the schema refuses ("a" for after)
        if response.status_code == 422:
            assert body["code"] == "invalid-input"


@given(pairs.filter(bool))
@FUZZ
def test_a_route_without_a_query_schema_takes_no_parameter(query: list[tuple[str, str]]) -> None:
    for method in ("get", "post", "head"):
        response = getattr(APP.test_client(), method)("/t/plain?" + urlencode(query))
        assert response.status_code == 422, (method, query)
    assert APP.test_client().get("/t/plain").status_code == 200


def test_the_document_says_every_operation_may_refuse_its_query_string() -> None:
    paths = API.spec.to_dict()["paths"]
    assert "unknown-query-parameter" in paths["/t/listed"]["get"]["responses"]["422"]["description"]
    assert "invalid-input" in paths["/t/listed"]["get"]["responses"]["422"]["description"]
    for method in ("get", "post"):
        answer = paths["/t/plain"][method]["responses"]["422"]
        assert "does not take" in answer["description"] and "application/problem+json" in answer["content"]
