"""Query strings hold only what a route declares: an unknown or repeated parameter is a 422 problem.

webargs drops query parameters its schema does not name, and takes the first of a repeated one. So
``/v1/park-statistics?park=tianfu-hq`` answered every park's statistics (the filter is ``park_id``), and
``?limit=1&limit=2`` one of two meanings silently. Every API blueprint is this module's ``Blueprint``:
before a view runs (after the token is checked, like the rest of the query's validation) it compares
the query string with the query schema the route declares to flask-smorest, which is also what the
OpenAPI document lists, so the two cannot disagree. A route without a query schema takes none.
"""

from __future__ import annotations

import functools
from typing import Any

import flask_smorest
from flask import request
from flask_smorest.utils import prepare_response
from marshmallow import fields

from ledger import errors
from ledger.api.problems import PROBLEM_CONTENT_TYPE
from ledger.api.schemas import ProblemSchema

#: webargs' names for the query string.
QUERY_LOCATIONS = frozenset({"query", "querystring"})
#: Fields whose parameter may be given more than once (webargs collects every value into them).
MULTIPLE_FIELDS = (fields.List, fields.Tuple)


class QueryParameters:
    """What one operation takes in its query string: every name, and those that may repeat."""

    def __init__(self, schemas: list[Any]) -> None:
        names: dict[str, bool] = {}
        for schema in schemas:
            instance = schema() if isinstance(schema, type) else schema
            for attr_name, field in instance.load_fields.items():
                names[field.data_key or attr_name] = _is_multiple(field)
        self.names = tuple(names)  # in the order the schema, and so the OpenAPI document, lists them
        self.repeatable = frozenset(name for name, multiple in names.items() if multiple)

    def describe(self) -> str:
        return f"this route takes {', '.join(self.names)}" if self.names else "this route takes no query parameters"

    def check(self, given: Any) -> None:
        """Refuse ``given`` (a MultiDict) when it names a parameter the operation does not take, or
        repeats one that takes a single value.

        :raises UnknownQueryParameter, RepeatedQueryParameter:
        """
        unknown = [name for name in given.keys() if name not in self.names]
        if unknown:
            raise errors.UnknownQueryParameter(
                f"unknown query parameter {unknown[0]!r}; {self.describe()}",
                field=unknown[0],
                errors={name: ["unknown query parameter"] for name in unknown},
                allowed=list(self.names),
            )
        repeated = [name for name, values in given.lists() if len(values) > 1 and name not in self.repeatable]
        if repeated:
            raise errors.RepeatedQueryParameter(
                f"query parameter {repeated[0]!r} is given {len(given.getlist(repeated[0]))} times; give it once ({self.describe()})",
                field=repeated[0],
                errors={name: ["given more than once"] for name in repeated},
                allowed=list(self.names),
            )


def _is_multiple(field: fields.Field) -> bool:
    declared = getattr(field, "is_multiple", None)  # webargs' DelimitedList says False: one value, split
    return bool(declared) if declared is not None else isinstance(field, MULTIPLE_FIELDS)


NO_PARAMETERS = QueryParameters([])


def refuse_any_query() -> None:
    """A ``before_request`` hook for routes outside these blueprints that take no query parameters."""
    if request.method != "OPTIONS":
        NO_PARAMETERS.check(request.args)


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """flask-smorest's Blueprint, whose routes refuse query parameters they do not declare, and whose
    operations each document that 422 answer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_request(self._check_query)
        self._prepare_doc_cbks.append(self._document_query_refusal)

    @functools.cache  # noqa: B019 - one per blueprint, endpoint and method, as long as the blueprint lives
    def query_parameters(self, endpoint: str, method: str) -> QueryParameters:
        """The query parameters ``method`` on ``endpoint`` (this blueprint's own name for it) declares."""
        operation = self._docs.get(endpoint, {}).get(method.lower(), {})
        declared = operation.get("arguments", {}).get("parameters", [])
        return QueryParameters([p["schema"] for p in declared if isinstance(p, dict) and p.get("in") in QUERY_LOCATIONS])

    def _check_query(self) -> None:
        if request.method == "OPTIONS" or request.endpoint is None:  # OPTIONS runs no view and reads nothing
            return
        method = "GET" if request.method == "HEAD" else request.method
        self.query_parameters(request.endpoint.partition(".")[2], method).check(request.args)

    @staticmethod
    def _document_query_refusal(doc: dict[str, Any], doc_info: dict[str, Any], *, spec: Any, **kwargs: Any) -> dict[str, Any]:
        """Every operation may answer 422 for its query string: say so, in the operation's own 422 if it
        has one (a refused body, say), else in one of its own."""
        declared = doc_info.get("arguments", {}).get("parameters", [])
        if any(isinstance(p, dict) and p.get("in") in QUERY_LOCATIONS for p in declared):
            refusal = "an invalid query parameter value (invalid-input), an unknown query parameter (unknown-query-parameter) or a repeated one (repeated-query-parameter)"
        else:
            refusal = "a query parameter, which this route does not take (unknown-query-parameter)"
        responses = doc.setdefault("responses", {})
        key = next((k for k in responses if str(k) == "422"), 422)
        existing = responses.get(key)
        if isinstance(existing, dict) and existing.get("description"):
            existing["description"] = f"{existing['description']}, or {refusal}"
            return doc
        response: dict[str, Any] = {"description": refusal[0].upper() + refusal[1:], "schema": ProblemSchema}
        prepare_response(response, spec, PROBLEM_CONTENT_TYPE)
        responses[key] = response
        return doc
