"""The pages in Simplified Chinese and English: chosen by Accept-Language, switched and remembered, and
with no English left on a Chinese page beyond names, codes and the API's own reference."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.conftest import token_for
from tests.web.test_pages import client_as

ENGLISH_TITLE = "Near-zero-carbon pilot parks"
CHINESE_TITLE = "近零碳排放园区试点"
#: Words a Chinese page may show as they are: acronyms, formats and the product's name.
ALLOWED_WORDS = {"API", "CSV", "JSON", "UTC", "RFC", "ID", "JavaScript", "SHA", "JCS", "OpenAPI", "GET", "POST", "greenledger"}
#: Elements whose text is code, data for scripts, or a chart's tooltip data; and the document's title,
#: which on a subject's page is the subject's own name (a park's, a lender's, a project's).
CODE_TAGS = {"code", "pre", "script", "style", "desc", "title"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Attributes a person reads.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The text a person reads on a page, without what is marked as not the page's language: code,
    ``translate="no"`` (proper names), and ``lang`` other than Chinese (signed English text, the API's
    own reference)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return self.stack[-1][1] if self.stack else False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        lang = found.get("lang")
        skip = self._skipping()
        if lang is not None:
            skip = not lang.startswith("zh")
        skip = skip or tag in CODE_TAGS or found.get("translate") == "no"
        if not skip:
            self.texts += [value for name in READ_ATTRIBUTES if (value := found.get(name))]
        if tag not in VOID_TAGS:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping() and dict(attrs).get("translate") != "no":
            self.texts += [value for name in READ_ATTRIBUTES if (value := dict(attrs).get(name))]

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.texts.append(data)


def english_words(html: str) -> list[str]:
    """Words of Latin letters a person would read on the page, less codes, numbers and allowed words."""
    parser = VisibleText()
    parser.feed(html)
    words = []
    for text in parser.texts:
        for token in text.split():
            token = token.strip("()[]{},.;:!?\"'“”‘’·…–—")
            if re.search(r"[\d._/@#:\-=&$()+<>]", token):
                continue  # an identifier, a number, a path, a hash
            words += [word for word in re.findall(r"[A-Za-z]{2,}", token) if word not in ALLOWED_WORDS]
    return words


@pytest.fixture(scope="module")
def client(demo_app: Any, auditor_token: str) -> Any:
    return client_as(demo_app, auditor_token)


def _pages(client: Any) -> list[str]:
    summary = client.get("/v1/reports/summary").get_json()["report"]
    park = summary["figures"]["parks"][0]["park_id"]
    project = client.get(f"/v1/projects?park_id={park}").get_json()["items"][0]["project_id"]
    return [
        "/ui/", f"/ui/parks/{park}", "/ui/parks/tianfu-hq", f"/ui/projects/{project}", "/ui/lenders/", "/ui/lenders/icbc-sichuan",
        "/ui/reward-programs/nzc-rewards-2025", "/ui/log/", "/ui/log/?type=loan.registered&signer=icbc-sichuan",
        "/ui/log/entries/0", "/ui/log/entries/5", "/ui/log/checkpoints", "/ui/api", "/ui/log/?indices=1,2,3",
        "/ui/parks/nope", "/ui/log/entries/99999", "/ui/?tree_size=x", "/ui/no-such-page",
    ]


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, html[:200]
    return found.group(1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN", "zh-CN"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("zh-Hans-CN", "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, zh-CN;q=0.5", "zh-CN"),
        ("de, en;q=0.8, zh;q=0.9", "zh-CN"),
        ("fr", "en"),
        ("*", "en"),
        (None, "en"),
    ],
)
def test_accept_language_chooses_the_language(client: Any, header: str | None, expected: str) -> None:
    response = client.get("/ui/", headers={"Accept-Language": header} if header else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _lang(html) == expected
    assert (CHINESE_TITLE if expected == "zh-CN" else ENGLISH_TITLE) in html
    assert "Accept-Language" in response.headers.get("Vary", "")


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_switch_remembers_the_choice(demo_app: Any, auditor_token: str) -> None:
    browser = client_as(demo_app, auditor_token)
    english = {"Accept-Language": "en"}
    page = browser.get("/ui/log/", headers=english).get_data(as_text=True)
    assert _lang(page) == "en" and 'data-testid="language"' in page
    switched = browser.post("/ui/language", data={"lang": "zh-CN", "next": "/ui/log/?type=loan.registered", "csrf": _form_token(page)}, headers=english)
    assert switched.status_code == 302 and switched.headers["Location"] == "/ui/log/?type=loan.registered"
    cookie = browser.get_cookie("lang")
    assert cookie is not None and cookie.value == "zh-CN" and cookie.http_only
    for url in ("/ui/log/?type=loan.registered", "/ui/", "/ui/parks/tianfu-hq", "/ui/nowhere"):
        assert _lang(browser.get(url, headers=english).get_data(as_text=True)) == "zh-CN", url  # the choice beats the header
    page = browser.get("/ui/", headers=english).get_data(as_text=True)
    back = browser.post("/ui/language", data={"lang": "en", "next": "/ui/", "csrf": _form_token(page)})
    assert back.status_code == 302
    assert _lang(browser.get("/ui/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)) == "en"


def test_the_choice_made_before_sign_in_survives_it(demo_app: Any) -> None:
    browser = demo_app.test_client()
    form = browser.get("/ui/sign-in?next=/ui/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang(form) == "en"
    switched = browser.post("/ui/language", data={"lang": "zh-CN", "next": "/ui/sign-in?next=/ui/", "csrf": _form_token(form)})
    assert switched.headers["Location"] == "/ui/sign-in?next=/ui/"
    form = browser.get("/ui/sign-in?next=/ui/").get_data(as_text=True)
    assert _lang(form) == "zh-CN" and "登录" in form
    signed_in = browser.post("/ui/sign-in", data={"token": token_for(demo_app, "provincial-audit"), "csrf": _form_token(form), "next": "/ui/"})
    assert signed_in.status_code == 302
    assert CHINESE_TITLE in browser.get("/ui/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "location"),
    [
        ({"lang": "xx", "next": "/ui/log/"}, "/ui/log/"),
        ({"lang": "zh-CN", "next": "//evil.example/ui/"}, "/ui/"),
        ({"lang": "zh-CN", "next": "https://evil.example/"}, "/ui/"),
        ({"lang": "zh-CN"}, "/ui/"),
    ],
)
def test_the_switch_stays_on_the_site_and_sets_only_a_language_it_has(demo_app: Any, form: dict[str, str], location: str) -> None:
    browser = demo_app.test_client()
    token = _form_token(browser.get("/ui/sign-in").get_data(as_text=True))
    response = browser.post("/ui/language", data={**form, "csrf": token})
    assert response.status_code == 302 and response.headers["Location"] == location
    cookie = browser.get_cookie("lang")
    assert (cookie.value if cookie else None) == (form["lang"] if form["lang"] in ("zh-CN", "en") else None)


def test_the_switch_needs_this_browsers_form_token(demo_app: Any) -> None:
    response = demo_app.test_client().post("/ui/language", data={"lang": "zh-CN", "next": "/ui/"})
    assert response.status_code == 400 and response.content_type.startswith("text/html")


def test_a_cookie_naming_no_language_we_have_is_ignored(client: Any) -> None:
    client.set_cookie("lang", "klingon")
    try:
        assert _lang(client.get("/ui/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)) == "zh-CN"
    finally:
        client.delete_cookie("lang")


def test_a_chinese_page_has_no_english_beyond_names_and_codes(client: Any) -> None:
    found = {}
    for url in _pages(client):
        response = client.get(url, headers={"Accept-Language": "zh-CN"})
        assert response.status_code < 500, url
        html = response.get_data(as_text=True)
        assert _lang(html) == "zh-CN", url
        words = english_words(html)
        if words:
            found[url] = sorted(set(words))
    assert not found, f"English on Chinese pages: {found}"


def test_the_check_finds_english_where_there_is_some() -> None:
    assert english_words("<p>年 Loan principal <code>loan.registered</code> <span translate=no>ICBC Sichuan</span></p>") == ["Loan", "principal"]
    assert english_words('<div lang="en">Signed text <p lang="zh-CN">中文 Leftover</p></div>') == ["Leftover"]
    assert english_words('<a title="Open the park">园区</a>') == ["Open", "the", "park"]


def test_an_english_page_is_english(client: Any) -> None:
    html = client.get("/ui/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    html = re.sub(r'<form class="language".*?</form>', "", html, flags=re.S)  # the switch names 中文 in Chinese
    parser = VisibleText()
    parser.feed(html)
    visible = " ".join(parser.texts)
    assert not re.search(r"[\u4e00-\u9fff]", visible), re.findall(r"[^\s]*[\u4e00-\u9fff][^\s]*", visible)[:10]


def test_figures_dates_and_money_follow_the_locale(client: Any) -> None:
    totals = client.get("/v1/reports/summary").get_json()["report"]["figures"]["totals"]
    zh = client.get("/ui/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    en = client.get("/ui/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # The headline: compact in the locale's units (亿 and 万; billion and million), the exact figure beneath.
    principal = totals["loan_principal"]
    whole, _, cents = principal.partition(".")
    exact = f"{int(whole):,}.{cents}"
    assert re.search(r"\d+(\.\d+)?亿</span> <span class=\"unit\">元", zh)
    assert re.search(r"\d+(\.\d+)? (billion|million)</span> <span class=\"unit\">yuan", en)
    assert exact in zh and exact in en
    # Dates: 2026年11月24日 and Nov 24, 2026 (the tests' fixed clock), in UTC, saying so.
    assert "2026年11月24日" in zh and "（UTC）" in zh
    assert "Nov 24, 2026" in en and " UTC" in en


def test_error_pages_are_in_the_visitors_language(client: Any) -> None:
    zh = client.get("/ui/parks/nope", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 404 and "未知的报告对象" in zh.get_data(as_text=True)
    zh = client.get("/ui/?tree_size=x", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 422 and "tree_size 必须是 0 到" in zh.get_data(as_text=True)
    zh = client.get("/ui/nothing", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 404 and "日志中没有这个页面" in zh.get_data(as_text=True)
    en = client.get("/ui/parks/nope", headers={"Accept-Language": "en"})
    assert "Unknown report subject" in en.get_data(as_text=True)


def test_the_json_api_and_its_problem_codes_stay_english(client: Any) -> None:
    response = client.get("/v1/reports/parks/nope", headers={"Accept-Language": "zh-CN"})
    body = response.get_json()
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert body["code"] == "unknown-subject" and body["type"].endswith("/unknown-subject")
    assert body["title"] == "Unknown report subject"
    report = client.get("/v1/reports/summary", headers={"Accept-Language": "zh-CN"}).get_json()
    assert not re.search(r"[\u4e00-\u9fff]", str(report))
