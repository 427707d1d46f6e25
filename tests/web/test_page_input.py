"""Whatever a URL or a form carries, a page answers it: a 4xx page for a bad value, never a 500."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.test_pages import client_as

#: Text as a browser or an attacker may send it: any code point but lone surrogates (not UTF-8).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
NUMBERISH = st.one_of(
    st.integers(min_value=0, max_value=600).map(str),  # inside the demo log: reports early in its history
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(["", "-1", "0", "²", "٣", "1e3", " 7", "0x10", "9" * 20, "1,2", "NaN", "+5", "1_000"]),
    ANY_TEXT,
)
PATH_PAGES = ["/ui/parks/{}", "/ui/projects/{}", "/ui/lenders/{}", "/ui/reward-programs/{}", "/ui/log/entries/{}"]
QUERY_PAGES = {
    "/ui/": ["tree_size"],
    "/ui/parks/tianfu-hq": ["tree_size"],
    "/ui/lenders/icbc-sichuan": ["tree_size"],
    "/ui/reward-programs/nzc-rewards-2025": ["tree_size"],
    "/ui/log/": ["before", "indices", "type", "signer"],
    "/ui/log/checkpoints": ["before"],
    "/ui/sign-in": ["next"],
}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def client(demo_app: Any, auditor_token: str) -> Any:
    return client_as(demo_app, auditor_token)


def _answered(response: Any, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.get_data(as_text=True)[:500])
    if response.status_code >= 400:
        assert response.content_type.startswith(("text/html", "application/problem+json")), what


@pytest.mark.parametrize(
    "url",
    [
        "/ui/log/entries/" + "9" * 20,
        "/ui/log/entries/9223372036854775808",
        "/ui/log/?indices=-1," + "9" * 20,
        "/ui/log/?indices=1,x",
        "/ui/log/?before=" + "9" * 20,
        "/ui/log/?before=%C2%B2",
        "/ui/log/checkpoints?before=-5",
        "/ui/log/checkpoints?before=" + "9" * 20,
        "/ui/?tree_size=%C2%B2",
        "/ui/?tree_size=" + "9" * 20,
        "/ui/parks/tianfu-hq?tree_size=0",
        "/ui/parks/%00",
    ],
)
def test_the_values_that_once_answered_500_get_a_4xx_page(client: Any, url: str) -> None:
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    assert response.content_type.startswith("text/html"), url


@pytest.mark.parametrize("target", ["/ui/log/\r\nSet-Cookie: x=1", "/ui/\n", "/ui/\t", "/ui/ x", "/ui/\x7f", "/ui/é", "//evil.example/ui/"])
def test_sign_in_never_redirects_to_a_next_a_header_cannot_carry(demo_app: Any, auditor_token: str, target: str) -> None:
    browser = demo_app.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/ui/sign-in").get_data(as_text=True)).group(1)
    response = browser.post("/ui/sign-in", data={"token": auditor_token, "csrf": csrf, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ui/"


@FUZZ
@given(page=st.sampled_from(PATH_PAGES), value=ANY_TEXT)
def test_any_path_value_gets_an_answer(client: Any, page: str, value: str) -> None:
    url = page.format(quote(value, safe=""))
    _answered(client.get(url), url)


@FUZZ
@given(page=st.sampled_from(sorted(QUERY_PAGES)), data=st.data())
def test_any_query_value_gets_an_answer(client: Any, page: str, data: st.DataObject) -> None:
    names = QUERY_PAGES[page]
    query = {name: data.draw(NUMBERISH, label=name) for name in data.draw(st.lists(st.sampled_from(names), unique=True, min_size=1))}
    _answered(client.get(page, query_string=query), f"{page} {query!r}")


@FUZZ
@given(token=ANY_TEXT, next_=ANY_TEXT, csrf=st.one_of(st.none(), ANY_TEXT))
def test_any_sign_in_form_gets_an_answer(demo_app: Any, token: str, next_: str, csrf: str | None) -> None:
    browser = demo_app.test_client()
    form = {"token": token, "next": next_}
    if csrf is not None:
        form["csrf"] = csrf
    _answered(browser.post("/ui/sign-in", data=form), f"sign-in {form!r}")
    real = re.search(r'name="csrf" value="([^"]+)"', browser.get("/ui/sign-in").get_data(as_text=True)).group(1)
    _answered(browser.post("/ui/sign-in", data={**form, "csrf": real}), f"sign-in with a real form token {form!r}")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "POST"])
@pytest.mark.parametrize("url", ["/ui/", "/ui/log/", "/ui/parks/tianfu-hq", "/ui/nothing-here", "/ui/language", "/"])
def test_other_methods_get_a_4xx_page(client: Any, method: str, url: str) -> None:
    response = client.open(url, method=method)
    assert 400 <= response.status_code < 500, (method, url, response.status_code)
    assert response.content_type.startswith("text/html") or url == "/", (method, url, response.content_type)


@pytest.mark.parametrize(
    "body",
    [
        {"data": b"\xff\xfe\x00", "content_type": "application/x-www-form-urlencoded"},
        {"data": b'{"token": "x"}', "content_type": "application/json"},
        {"data": b"token=" + b"a" * 100_000, "content_type": "application/x-www-form-urlencoded"},
        {"data": b"--x\r\nbroken", "content_type": "multipart/form-data; boundary=x"},
    ],
)
def test_a_malformed_sign_in_body_gets_a_4xx_page(demo_app: Any, body: dict[str, Any]) -> None:
    response = demo_app.test_client().post("/ui/sign-in", **body)
    assert 400 <= response.status_code < 500, response.status_code


#: What a header or a cookie can carry: printable ASCII.
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@FUZZ
@given(accept=HEADER_TEXT, cookie=HEADER_TEXT, page=st.sampled_from(["/ui/", "/ui/log/", "/ui/parks/tianfu-hq", "/ui/nowhere"]))
def test_any_accept_language_or_language_cookie_gets_a_page(client: Any, accept: str, cookie: str, page: str) -> None:
    client.set_cookie("lang", cookie)
    try:
        response = client.get(page, headers={"Accept-Language": accept})
    finally:
        client.delete_cookie("lang")
    _answered(response, f"{page} Accept-Language={accept!r} lang={cookie!r}")
    assert re.search(r'<html lang="(zh-CN|en)">', response.get_data(as_text=True))


@FUZZ
@given(lang=ANY_TEXT, next_=ANY_TEXT, csrf=st.one_of(st.none(), ANY_TEXT))
def test_any_language_switch_form_gets_an_answer(demo_app: Any, lang: str, next_: str, csrf: str | None) -> None:
    browser = demo_app.test_client()
    form = {"lang": lang, "next": next_}
    if csrf is not None:
        form["csrf"] = csrf
    _answered(browser.post("/ui/language", data=form), f"language {form!r}")
    real = re.search(r'name="csrf" value="([^"]+)"', browser.get("/ui/sign-in").get_data(as_text=True)).group(1)
    response = browser.post("/ui/language", data={**form, "csrf": real})
    assert response.status_code == 302, form
    location = response.headers["Location"]
    assert location.startswith("/ui/") and "\n" not in location and "\r" not in location
