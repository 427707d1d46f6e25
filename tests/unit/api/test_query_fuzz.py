"""Fuzzing what reaches the database from a URL: no path or query string with U+0000 gets past the hook."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import errors
from ledger.api import _refuse_nul
from ledger.api.problems import ledger_error_response

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: No database: the hook runs before any view, and the problem renderer needs only the request.
APP = Flask("query-fuzz")
APP.before_request(_refuse_nul)
APP.register_error_handler(errors.LedgerError, ledger_error_response)
APP.add_url_rule("/v1/parks/<path:key>", "detail", lambda key: {"key": key})
APP.add_url_rule("/v1/parks", "list", lambda: {"ok": True})

texts = st.text(st.characters(codec="utf-8"), max_size=12)


@given(name=texts.filter(bool), value=texts)
@FUZZ
def test_query_values_with_nul_are_refused_with_a_422(name: str, value: str) -> None:
    response = APP.test_client().get(f"/v1/parks?{quote(name, safe='')}={quote(value, safe='')}")
    if "\x00" in name or "\x00" in value:
        assert response.status_code == 422 and response.content_type == "application/problem+json"
        assert response.get_json()["code"] == "invalid-input"
    else:
        assert response.status_code == 200


@given(key=texts.filter(lambda t: t.strip("/") != ""))
@FUZZ
def test_paths_with_nul_are_not_found(key: str) -> None:
    response = APP.test_client().get("/v1/parks/" + quote(key, safe=""))
    if "\x00" in key:
        assert response.status_code == 404 and response.get_json()["code"] == "not-found"
    else:
        assert response.status_code < 500  # routing may redirect or refuse odd keys; never fail on them
