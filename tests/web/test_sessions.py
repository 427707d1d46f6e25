"""Web sessions live on the server: the cookie names a random session id, never a credential."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from ledger.services.tokens import issue_token, revoke_token
from tests.conftest import OPERATOR_ID, token_for

IDLE, ABSOLUTE = 600, 3600


@pytest.fixture
def pages(make_app: Any, database_url: str) -> Any:
    return make_app(database_url, session_idle_seconds=IDLE, session_absolute_seconds=ABSOLUTE)


def _form_token(browser: Any, url: str = "/ui/sign-in") -> str:
    html = browser.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _sign_in(browser: Any, token: str) -> Any:
    response = browser.post("/ui/sign-in", data={"token": token, "csrf": _form_token(browser), "next": "/ui/log/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ui/log/"), response.get_data(as_text=True)
    return response


def _signed_in(browser: Any) -> bool:
    response = browser.get("/ui/log/checkpoints")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _cookie(browser: Any) -> str:
    cookie = browser.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def test_the_cookie_carries_a_random_session_id_and_no_token(pages: Any) -> None:
    token = token_for(pages, OPERATOR_ID)
    browser = pages.test_client()
    _sign_in(browser, token)
    assert _signed_in(browser)
    raw = _cookie(browser)
    secret = token.split("_", 2)[2]
    assert token not in raw and secret not in raw
    content = pages.session_interface.get_signing_serializer(pages).loads(raw)
    assert set(content) <= {"sid", "csrf"} and "sid" in content
    assert all(secret not in str(value) and token not in str(value) for value in content.values())
    # Only the session id's hash is stored: a copy of the table opens no session.
    engine = pages.extensions["ledger_engine"]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT session_hash, token_id FROM web_sessions").all()
    assert len(rows) == 1 and rows[0].token_id == token.split("_")[1]
    assert content["sid"].encode() not in bytes(rows[0].session_hash)


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(pages: Any) -> None:
    browser = pages.test_client()
    _sign_in(browser, token_for(pages, OPERATOR_ID))
    copied = _cookie(browser)
    signed_out = browser.post("/ui/sign-out", data={"csrf": _form_token(browser, "/ui/log/")})
    assert signed_out.status_code == 302 and "/ui/sign-in" in signed_out.headers["Location"]
    replay = FlaskClient(pages)  # a plain client: no token of its own, only the copied cookie
    replay.set_cookie("session", copied)
    assert not _signed_in(replay)
    assert replay.get("/v1/log").status_code == 401  # nor does the API read it
    # The token itself stays valid for the API: signing out ends the session, not the party's token.
    assert pages.test_client().get("/v1/log", headers={"Authorization": f"Bearer {token_for(pages, OPERATOR_ID)}"}).status_code == 200


def test_a_session_expires_when_idle_and_after_its_absolute_lifetime(pages: Any, clock: Any) -> None:
    browser = pages.test_client()
    _sign_in(browser, token_for(pages, OPERATOR_ID))
    clock.advance(seconds=IDLE - 5)
    assert _signed_in(browser)  # used in time: the idle timer starts again
    clock.advance(seconds=IDLE - 5)
    assert _signed_in(browser)
    clock.advance(seconds=IDLE + 1)
    assert not _signed_in(browser)

    _sign_in(browser, token_for(pages, OPERATOR_ID))
    for _ in range(ABSOLUTE // (IDLE - 60)):
        clock.advance(seconds=IDLE - 60)
        assert _signed_in(browser)
    clock.advance(seconds=ABSOLUTE % (IDLE - 60) + 1)
    assert not _signed_in(browser)  # never idle, but signed in longer than the absolute lifetime


def test_revoking_a_token_ends_its_sessions_at_once(pages: Any) -> None:
    runtime = pages.extensions["ledger"]
    issued = issue_token(runtime, OPERATOR_ID, lifetime=timedelta(days=1))
    browsers = [pages.test_client() for _ in range(2)]
    for browser in browsers:
        _sign_in(browser, issued.token)
        assert _signed_in(browser)
    revoke_token(runtime, issued.stored.token_id)
    assert not any(_signed_in(browser) for browser in browsers)


def test_the_cookie_is_secure_over_https_or_when_configured(make_app: Any, database_url: str) -> None:
    plain = make_app(database_url)
    token = token_for(plain, OPERATOR_ID)
    for base_url, expect_secure in (("http://localhost", False), ("https://localhost", True)):
        browser = plain.test_client()
        csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/ui/sign-in", base_url=base_url).get_data(as_text=True)).group(1)
        response = browser.post("/ui/sign-in", base_url=base_url, data={"token": token, "csrf": csrf})
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert ("; Secure" in cookie) is expect_secure, cookie
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    forced = make_app(database_url, cookie_secure=True)
    assert "; Secure" in forced.test_client().get("/ui/sign-in").headers["Set-Cookie"]


def test_behind_a_trusted_tls_proxy_the_cookie_is_secure(make_app: Any, database_url: str) -> None:
    proxied = make_app(database_url, trusted_proxies=1)
    response = proxied.test_client().get("/ui/sign-in", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "; Secure" in response.headers["Set-Cookie"]
    untrusted = make_app(database_url)
    response = untrusted.test_client().get("/ui/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "; Secure" not in response.headers["Set-Cookie"]


@pytest.mark.parametrize("form", [{}, {"csrf": "forged"}, {"csrf": ""}])
def test_every_page_post_needs_this_sessions_form_token(pages: Any, form: dict[str, str]) -> None:
    browser = pages.test_client()
    token = token_for(pages, OPERATOR_ID)
    refused = browser.post("/ui/sign-in", data={"token": token, **form})
    assert refused.status_code == 400 and refused.content_type.startswith("text/html")
    assert "sid" not in pages.session_interface.get_signing_serializer(pages).loads(_cookie(browser))
    _sign_in(browser, token)
    assert browser.post("/ui/sign-out", data=form).status_code == 400
    assert _signed_in(browser)  # a forged sign-out changes nothing
    other = pages.test_client()
    other_token = _form_token(other)  # another browser's token is no good here
    assert browser.post("/ui/sign-out", data={"csrf": other_token}).status_code == 400
    assert _signed_in(browser)


def test_a_new_sign_in_ends_the_session_it_replaces(pages: Any) -> None:
    browser = pages.test_client()
    _sign_in(browser, token_for(pages, OPERATOR_ID))
    first = _cookie(browser)
    _sign_in(browser, token_for(pages, OPERATOR_ID))
    assert _cookie(browser) != first
    replay = pages.test_client()
    replay.set_cookie("session", first)
    assert not _signed_in(replay)
