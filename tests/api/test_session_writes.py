"""The pages' session may post a signed entry to POST /v1/entries, but only with its own form token:
a cross-site form (which can send the cookie but not read the token) writes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import OPERATOR_ID, token_for
from tests.helpers import party_key, party_payload, tree_size


def _signed_in(app: Any) -> tuple[Any, str]:
    """A client signed in to the pages as the operator (a browser: no bearer token), and its session's form token."""
    browser = FlaskClient(app, app.response_class)
    html = browser.get("/ui/sign-in").get_data(as_text=True)
    form_token = re.search(r'name="csrf" value="([^"]+)"', html)
    assert form_token
    response = browser.post("/ui/sign-in", data={"token": token_for(app, OPERATOR_ID), "csrf": form_token.group(1), "next": "/ui/sign"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = browser.get("/ui/sign/party.registered").get_data(as_text=True)
    found = re.search(r'data-form-token="([^"]+)"', page)
    assert found, page
    return browser, found.group(1)


def _registration(sign: Any, party: str, **kwargs: Any) -> dict[str, Any]:
    return sign("party.registered", party_payload(party, ["lender"], party_key(party)), **kwargs)  # type: ignore[no-any-return]


def _refused(response: Any, status: int, code: str) -> dict[str, Any]:
    body: dict[str, Any] = response.get_json()
    assert response.status_code == status, body
    assert response.content_type == "application/problem+json"
    assert body["code"] == code, body
    return body


def test_a_session_with_its_form_token_writes_the_same_signed_entry(app: Any, sign: Any) -> None:
    browser, form_token = _signed_in(app)
    before = tree_size(browser)
    response = browser.post("/v1/entries", json=_registration(sign, "bank-from-page"), headers={"X-CSRFToken": form_token})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["index"] == before
    assert browser.get("/v1/parties/bank-from-page").status_code == 200


@pytest.mark.parametrize("header", [None, "", "not-a-token"])
def test_a_session_without_its_form_token_writes_nothing(app: Any, sign: Any, header: str | None) -> None:
    browser, _ = _signed_in(app)
    before = tree_size(browser)
    headers = {} if header is None else {"X-CSRFToken": header}
    body = _refused(browser.post("/v1/entries", json=_registration(sign, "bank-cross-site"), headers=headers), 403, "form-token-invalid")
    assert body["field"] == "X-CSRFToken"
    assert tree_size(browser) == before


def test_another_sessions_form_token_writes_nothing(app: Any, sign: Any) -> None:
    browser, _ = _signed_in(app)
    _, other_token = _signed_in(app)
    before = tree_size(browser)
    _refused(browser.post("/v1/entries", json=_registration(sign, "bank-other"), headers={"X-CSRFToken": other_token}), 403, "form-token-invalid")
    assert tree_size(browser) == before


def test_a_session_write_keeps_every_rule(app: Any, sign: Any) -> None:
    browser, form_token = _signed_in(app)
    before = tree_size(browser)
    # Signed by another party than the session's: refused as for a token.
    foreign = _registration(sign, "bank-foreign", signer="someone-else", key=party_key("someone-else"))
    _refused(browser.post("/v1/entries", json=foreign, headers={"X-CSRFToken": form_token}), 403, "token-party-mismatch")
    # A batch is the command line's: a session never writes one.
    batch = {"entries": [_registration(sign, "bank-batch")]}
    _refused(browser.post("/v1/entries/batch", json=batch, headers={"X-CSRFToken": form_token}), 401, "unauthenticated")
    assert tree_size(browser) == before


def test_after_sign_out_the_form_token_opens_nothing(app: Any, sign: Any) -> None:
    browser, form_token = _signed_in(app)
    html = browser.get("/ui/sign").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert csrf
    assert browser.post("/ui/sign-out", data={"csrf": csrf.group(1)}).status_code == 302
    reader = app.test_client()
    reader.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(app, OPERATOR_ID)}"
    before = tree_size(reader)
    response = browser.post("/v1/entries", json=_registration(sign, "bank-late"), headers={"X-CSRFToken": form_token})
    assert response.status_code in (401, 403), response.get_json()
    assert tree_size(reader) == before
