"""The pages in headless Chromium (Debian's, driven by Playwright) against a real server with the demo."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
#: The machine's network is closed: these flags keep Chromium from calling home at start.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def browsing(browser: Any, demo_url: str, *, locale: str = "en-GB", width: int = 1400) -> Iterator[Any]:
    """A fresh browser context (its Accept-Language from ``locale``), signed in as nobody, whose every
    request must go to the test server."""
    context = browser.new_context(base_url=demo_url, viewport={"width": width, "height": 900}, locale=locale)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(demo_url) else outside.append(request.url))
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()
    assert not outside, f"the page fetched from outside the machine: {outside}"


@pytest.fixture
def visitor(browser: Any, demo_url: str) -> Iterator[Any]:
    with browsing(browser, demo_url) as page:
        yield page


def sign_in(page: Any, token: str, start: str = "/ui/") -> None:
    page.goto(start)
    page.wait_for_url("**/ui/sign-in**")
    page.fill("input[name=token]", token)
    page.locator("[data-testid=sign-in] button").click()
    page.wait_for_url(f"**{start}")


@pytest.fixture
def page(visitor: Any, auditor_token: str) -> Any:
    """Signed in as the demo's auditor, who reads everything."""
    sign_in(visitor, auditor_token)
    return visitor


def api(page: Any, path: str) -> Any:
    response = page.request.get(path)
    assert response.ok, (path, response.status)
    return response.json()


def test_the_dashboard_shows_the_17_parks_with_charts(page: Any, screenshots: Path) -> None:
    page.goto("/ui/")
    rows = page.locator("table[data-testid=parks] tbody tr")
    assert rows.count() == 17
    assert page.get_by_test_id("park-count-figure").inner_text() == "17"
    assert page.locator("[data-testid=financing-chart] svg").is_visible()
    assert page.locator("[data-testid=intensity-chart] [data-testid=panel] svg").count() == 17
    summary = api(page, "/v1/reports/summary")["report"]["figures"]["parks"]
    shown = [row.get_attribute("data-park") for row in rows.all()]
    assert shown == [p["park_id"] for p in summary]
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)


def test_clicking_a_park_shows_its_chart_and_the_apis_figures(page: Any, screenshots: Path) -> None:
    page.goto("/ui/")
    link = page.locator("table[data-testid=parks] tbody tr[data-park=yibin-sanjiang-east] a.park-link")
    link.click()
    page.wait_for_url("**/ui/parks/yibin-sanjiang-east")
    assert page.locator("[data-testid=park-intensity-chart] svg").is_visible()
    assert page.locator("[data-testid=park-emissions-chart] svg .series").count() >= 1
    report = api(page, "/v1/reports/parks/yibin-sanjiang-east")["report"]
    totals = report["figures"]["projects"]
    for key in ("total_investment", "loan_principal", "disbursed", "outstanding", "verified_reductions", "rewards_received"):
        cell = page.locator(f"[data-testid=totals] td[data-key={key}] .fig")
        assert cell.get_attribute("data-value") == totals[key], key
    shown = [c.get_attribute("data-value") for c in page.locator("[data-testid=periods] tbody tr td:nth-child(5) .fig").all()]
    assert shown == [p["intensity"] for p in report["figures"]["periods"]]
    assert page.get_by_test_id("tree-size").inner_text() == str(report["tree_size"])
    page.screenshot(path=str(screenshots / "park.png"), full_page=True)

    # A figure links to the signed entries behind it.
    page.locator("[data-testid=totals] td[data-key=loan_principal] a.fig").click()
    page.wait_for_url("**/ui/log/**")
    types = {t.inner_text() for t in page.locator("[data-testid=entries] [data-testid=entry-type]").all()}
    assert types == {"loan.registered"}


def test_project_lender_and_programme_pages_show_the_apis_figures(page: Any, screenshots: Path) -> None:
    project = api(page, "/v1/loans?lender=icbc-sichuan")["items"][0]["project_id"]
    page.goto(f"/ui/projects/{project}")
    report = api(page, f"/v1/reports/projects/{project}")["report"]
    shown = [c.get_attribute("data-value") for c in page.locator("[data-testid=lenders] tbody tr td:nth-child(3) .fig").all()]
    assert shown == [line["principal"] for line in report["figures"]["financing"]["lenders"]]
    assert page.locator("[data-testid=project-financing-chart] svg").is_visible()
    page.screenshot(path=str(screenshots / "project.png"), full_page=True)

    page.goto("/ui/lenders/icbc-sichuan")
    loans = api(page, "/v1/reports/lenders/icbc-sichuan")["report"]["figures"]["loans"]
    shown = [r.get_attribute("data-loan") for r in page.locator("[data-testid=loans] tbody tr").all()]
    assert shown == [loan["loan_id"] for loan in loans]
    page.screenshot(path=str(screenshots / "lender.png"), full_page=True)

    page.goto("/ui/reward-programs/nzc-rewards-2025")
    figures = api(page, "/v1/reports/reward-programs/nzc-rewards-2025")["report"]["figures"]
    assert page.locator("[data-testid=totals] td[data-key=disbursed] .fig").get_attribute("data-value") == figures["disbursed"]
    programme = api(page, "/v1/reward-programs/nzc-rewards-2025")
    assert page.locator("[data-testid=cap] .fig").get_attribute("data-value") == programme["cap_per_project"]
    csv = page.request.get(page.get_by_test_id("csv").get_attribute("href"))
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    page.screenshot(path=str(screenshots / "programme.png"), full_page=True)


def test_the_dashboard_leads_to_the_progress_against_the_targets(page: Any, screenshots: Path) -> None:
    year = api(page, "/v1/reports/programme")["report"]["figures"]["years"][-1]
    page.goto("/ui/")
    bar = page.locator("[data-testid=dashboard-progress] [data-testid=output-progress]")
    assert bar.locator(".fig").get_attribute("data-value") == year["output_value"]
    fill = bar.locator(".fill").evaluate("(el) => el.getBoundingClientRect().width / el.parentElement.getBoundingClientRect().width")
    assert abs(fill * 100 - float(year["output_value_percent_of_target"])) < 1  # the bar is drawn to the share reached
    page.get_by_test_id("programme-link").click()
    page.wait_for_url("**/ui/programme")
    statuses = {r.get_attribute("data-park"): r.locator("[data-status]").get_attribute("data-status") for r in page.locator("[data-testid=park-targets] tbody tr").all()}
    assert statuses == {row["park_id"]: row["status"] for row in api(page, "/v1/reports/programme")["report"]["figures"]["parks"]}
    page.screenshot(path=str(screenshots / "targets.png"), full_page=True)


def test_the_explorer_lists_newest_first_and_filters(page: Any, screenshots: Path) -> None:
    size = api(page, "/v1/log")["tree_size"]
    page.goto("/ui/log/")
    first = page.locator("[data-testid=entries] tbody tr").first.get_attribute("data-index")
    assert first == str(size - 1)
    page.select_option("select[name=type]", "reduction.verified")
    page.locator("[data-testid=filters] button").click()
    page.wait_for_url("**type=reduction.verified**")
    indices = [int(r.get_attribute("data-index")) for r in page.locator("[data-testid=entries] tbody tr").all()]
    assert indices and indices == sorted(indices, reverse=True)
    assert {t.inner_text() for t in page.locator("[data-testid=entries] [data-testid=entry-type]").all()} == {"reduction.verified"}
    page.screenshot(path=str(screenshots / "log.png"), full_page=True)


def proof_outcome(page: Any) -> tuple[str, str]:
    """Wait for the in-browser check to finish; its status and explanation."""
    page.locator("#proof-status.ok, #proof-status.bad").wait_for()
    return page.get_by_test_id("proof-status").inner_text(), page.locator("#proof-detail").inner_text()


def _an_entry(page: Any) -> int:
    return int(api(page, "/v1/entries?type=loan.disbursed&limit=1")["items"][0]["record"]["index"])


def test_the_proof_check_turns_green_for_a_real_entry(page: Any, screenshots: Path) -> None:
    index = _an_entry(page)
    page.goto(f"/ui/log/entries/{index}")
    status, detail = proof_outcome(page)
    assert status == "verified", detail
    assert "signature verifies" in detail
    assert page.evaluate("getComputedStyle(document.getElementById('proof-status')).backgroundColor") == "rgb(46, 125, 79)"
    assert page.get_by_test_id("signature-status").inner_text() == "valid"
    assert page.locator("#proof-path li.ok").count() == 2  # the leaf and the root
    page.screenshot(path=str(screenshots / "entry-verified.png"), full_page=True)


def test_the_proof_check_turns_red_for_a_tampered_proof(page: Any, screenshots: Path) -> None:
    index = _an_entry(page)

    def tamper(route: Any) -> None:
        response = route.fetch()
        proof = response.json()
        first = bytearray(base64.b64decode(proof["audit_path"][0]))
        first[0] ^= 0x01
        proof["audit_path"][0] = base64.b64encode(bytes(first)).decode()
        route.fulfill(response=response, body=json.dumps(proof))

    page.route("**/inclusion-proof?*", tamper)
    page.goto(f"/ui/log/entries/{index}")
    status, detail = proof_outcome(page)
    assert status == "FAILED"
    assert "does not lead to the checkpoint's root" in detail
    assert page.evaluate("getComputedStyle(document.getElementById('proof-status')).backgroundColor") == "rgb(179, 38, 30)"
    page.screenshot(path=str(screenshots / "entry-tampered.png"), full_page=True)


def test_checkpoints_and_api_pages(page: Any, screenshots: Path) -> None:
    page.goto("/ui/log/entries/3")  # the browser keeps this checkpoint
    page.locator("#proof-status.ok").wait_for()
    page.goto("/ui/log/checkpoints")
    page.locator("[data-testid=latest-status].ok").wait_for()
    page.locator("#history-rows .status.ok").first.wait_for()
    assert page.locator("#history-rows .status.bad").count() == 0
    page.screenshot(path=str(screenshots / "checkpoints.png"), full_page=True)

    page.goto("/ui/api")
    assert page.get_by_test_id("operation").count() >= 20
    assert page.locator("#schema-Receipt").is_visible()
    page.screenshot(path=str(screenshots / "api.png"), full_page=False)


def test_a_lenders_token_does_not_see_another_lenders_loans(visitor: Any, demo_app: Any, screenshots: Path) -> None:
    from tests.conftest import token_for

    page = visitor
    page.goto("/ui/log/")  # without a principal: the sign-in form, then back
    page.screenshot(path=str(screenshots / "sign-in.png"))
    sign_in(page, token_for(demo_app, "icbc-sichuan"), "/ui/lenders/")
    assert page.get_by_test_id("account").inner_text().startswith("icbc-sichuan")
    listed = [a.get_attribute("href") for a in page.locator("[data-testid=lenders] a[href^='/ui/lenders/']").all()]
    assert listed == ["/ui/lenders/icbc-sichuan"]

    page.goto("/ui/lenders/icbc-sichuan")
    own = [r.get_attribute("data-loan") for r in page.locator("[data-testid=loans] tbody tr").all()]
    assert own and all(loan.startswith("icbc-sichuan/") for loan in own)
    page.screenshot(path=str(screenshots / "lender-signed-in-as-icbc.png"), full_page=True)

    response = page.goto("/ui/lenders/ccb-sichuan")
    assert response.status == 403
    assert "ccb-sichuan/" not in page.content()
    page.screenshot(path=str(screenshots / "other-lender-forbidden.png"))

    page.goto("/ui/log/?type=loan.registered&signer=ccb-sichuan")
    signers = {t.inner_text() for t in page.locator("[data-testid=entries] [data-testid=signer]").all()}
    assert signers == {"icbc-sichuan"}
    assert page.request.get("/v1/loans?lender=ccb-sichuan").json().get("items", []) == []


def test_kept_checkpoints_turn_red_when_the_log_does_not_extend_them(page: Any, screenshots: Path) -> None:
    note = page.request.get("/v1/checkpoint").text()
    origin = note.split("\n")[0]
    genesis_leaf = page.request.get("/v1/entries/0").json()["leaf_hash"]  # the root of the tree of size 1
    forged_root = base64.b64encode(bytes(32)).decode()
    kept = [
        {"size": 1, "root": genesis_leaf, "seen": "2026-11-01T00:00:00Z", "note": ""},
        {"size": 2, "root": forged_root, "seen": "2026-11-02T00:00:00Z", "note": ""},
    ]
    page.goto("/ui/log/checkpoints")
    page.evaluate("([key, kept]) => localStorage.setItem(key, JSON.stringify(kept))", [f"greenledger:checkpoints:{origin}", kept])
    page.reload()
    rows = page.locator("#history-rows tr")
    page.locator("#history-rows tr:last-child .status.ok, #history-rows tr:last-child .status.bad").wait_for()
    outcome = {r.locator("td").first.inner_text(): r.locator(".status").inner_text() for r in rows.all()}
    assert outcome["1"] == "consistent" and outcome["2"] == "NOT CONSISTENT"

    page.fill("#kept-form textarea", note)
    page.locator("#kept-form button").click()
    page.locator("#kept-status.ok, #kept-status.bad").wait_for()
    assert page.get_by_test_id("kept-status").inner_text() == "consistent"
    lines = note.split("\n")
    lines[2] = forged_root
    page.fill("#kept-form textarea", "\n".join(lines))
    page.locator("#kept-form button").click()
    page.locator("#kept-status.bad").wait_for()
    assert "signature does not verify" in page.locator("#kept-detail").inner_text()
    page.screenshot(path=str(screenshots / "checkpoints-tampered.png"), full_page=True)


def test_the_proof_check_holds_the_checkpoint_to_the_readers_witness_policy(page: Any, demo_app: Any, screenshots: Path, tmp_path: Path) -> None:
    import threading

    from ledger.crypto.checkpoint import verifier_key
    from ledger.crypto.cosignature import cosigner_vkey
    from ledger.crypto.signing import private_key_from_seed, raw_public_key
    from ledger.verify.witness_protocol import Witness, http_server
    from tests.conftest import CHECKPOINT_KEY, ORIGIN

    keys = {f"witness.example/w{n}": private_key_from_seed(bytes([60 + n]) * 32) for n in (1, 2, 3)}
    vkeys = {name: cosigner_vkey(name, raw_public_key(key)) for name, key in keys.items()}
    servers, lines = [], []
    for name in list(keys)[:2]:  # two of the three cosign; w3 is never asked
        witness = Witness(tmp_path / name.replace("/", "_"), name=name, key=keys[name], logs=[verifier_key(ORIGIN, raw_public_key(CHECKPOINT_KEY))], now=lambda: 1_790_000_000)
        server = http_server(witness, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        lines.append(f"{vkeys[name]} http://127.0.0.1:{server.server_port}/add-checkpoint\n")
    (tmp_path / "witnesses.txt").write_text("".join(lines))
    try:
        result = demo_app.test_cli_runner().invoke(args=["ledger", "witnesses", "sync", "--witnesses", str(tmp_path / "witnesses.txt")])
        assert result.exit_code == 0, result.output
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()

    page.goto("/ui/log/checkpoints")
    page.get_by_test_id("witness-status").and_(page.locator(".pending")).wait_for()  # no policy yet
    page.fill("#witness-form textarea", "\n".join(vkeys.values()))
    page.fill("#witness-form input[name=needed]", "2")
    page.locator("#witness-form button").click()
    page.locator("[data-testid=witness-status].ok").wait_for()
    assert "(2 of 3; 2 needed)" in page.get_by_test_id("witness-status").inner_text()
    page.screenshot(path=str(screenshots / "checkpoints-witness-policy.png"), full_page=True)
    page.goto(f"/ui/log/entries/{_an_entry(page)}")
    page.locator("#proof-status.ok").wait_for()
    assert "cosigned by witness.example/w1, witness.example/w2 (2 of 3; 2 needed)" in page.locator("#proof-detail").inner_text()

    page.goto("/ui/log/checkpoints")
    page.fill("#witness-form input[name=needed]", "3")
    page.locator("#witness-form button").click()
    page.locator("[data-testid=witness-status].bad").wait_for()
    page.goto(f"/ui/log/entries/{_an_entry(page)}")
    page.locator("#proof-status.bad").wait_for()
    assert "does not meet your witness policy" in page.locator("#proof-detail").inner_text()
    page.evaluate("() => localStorage.clear()")


# --- every page in both languages, at a desktop's width and a phone's -----------------------------

LANGUAGES = {"en": "en-GB", "zh": "zh-CN"}
WIDTHS = (1400, 390)
#: What sticks out of the page at a width (for the failure message): elements wider than the viewport
#: that no scrolling box holds.
OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth;
  const inScroller = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p).overflowX; if (s === "auto" || s === "scroll" || s === "hidden") return true; } return false; };
  return [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > limit + 1 && !inScroller(el))
    .slice(0, 8).map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}px`);
}"""


def _page_urls(page: Any) -> list[tuple[str, str]]:
    project = api(page, "/v1/loans?lender=icbc-sichuan")["items"][0]["project_id"]
    return [
        ("dashboard", "/ui/"),
        ("park", "/ui/parks/yibin-sanjiang-east"),
        ("project", f"/ui/projects/{project}"),
        ("lenders", "/ui/lenders/"),
        ("lender", "/ui/lenders/icbc-sichuan"),
        ("programme", "/ui/reward-programs/nzc-rewards-2025"),
        ("targets", "/ui/programme"),
        ("park-success-fund", "/ui/reward-programs/nzc-park-success-2025"),
        ("park-not-successful", "/ui/parks/panzhihua-vanadium#targets"),
        ("log", "/ui/log/?type=loan.registered"),
        ("entry", f"/ui/log/entries/{_an_entry(page)}"),
        ("checkpoints", "/ui/log/checkpoints"),
        ("api", "/ui/api"),
        ("not-found", "/ui/parks/nope"),
        ("bad-input", "/ui/?tree_size=x"),
    ]


def _fits(page: Any, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{what} is {width}px wide in a {viewport}px viewport: {page.evaluate(OVERFLOWING)}"


def _cards_keep_figures_whole(page: Any, what: str) -> None:
    """No card's figure wraps, nor sticks out of its card (its unit may go beneath it)."""
    for big in page.locator(".card .big .fig").all():
        assert big.evaluate("(el) => el.getClientRects().length") == 1, (what, big.inner_text())  # one line box
        assert big.evaluate("(el) => el.getBoundingClientRect().right <= el.closest('.card').getBoundingClientRect().right"), (what, big.inner_text())


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_page_in_both_languages_fits_a_desktop_and_a_phone(browser: Any, demo_url: str, auditor_token: str, screenshots: Path, language: str) -> None:
    for width in WIDTHS:
        folder = screenshots / language / str(width)
        folder.mkdir(parents=True, exist_ok=True)
        with browsing(browser, demo_url, locale=LANGUAGES[language], width=width) as page:
            page.goto("/ui/sign-in?next=/ui/")
            assert page.locator("html").get_attribute("lang") == ("zh-CN" if language == "zh" else "en")
            _fits(page, f"sign-in at {width}px")
            page.screenshot(path=str(folder / "sign-in.png"), full_page=True)
            sign_in(page, auditor_token)
            for name, url in _page_urls(page):
                page.goto(url)
                if name == "entry":
                    page.locator("#proof-status.ok").wait_for()
                if name == "checkpoints":
                    page.locator("[data-testid=latest-status].ok").wait_for()
                what = f"{name} ({language}) at {width}px"
                _fits(page, what)
                _cards_keep_figures_whole(page, what)
                page.screenshot(path=str(folder / f"{name}.png"), full_page=name != "api")


def test_the_language_switch_is_on_every_page_and_remembered(browser: Any, demo_url: str, auditor_token: str, screenshots: Path) -> None:
    with browsing(browser, demo_url, locale="en-GB") as page:
        sign_in(page, auditor_token)
        assert page.locator("html").get_attribute("lang") == "en"
        page.goto("/ui/parks/tianfu-hq")
        page.locator("[data-testid=language] button[data-lang=zh-CN]").click()
        page.wait_for_url("**/ui/parks/tianfu-hq")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.get_by_test_id("park-name").inner_text().startswith("天府总部商务区")
        for url in ("/ui/", "/ui/log/", "/ui/lenders/"):
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == "zh-CN", url
            assert page.locator("[data-testid=language] button[data-lang=en]").is_visible(), url
        page.locator("[data-testid=account] button").click()  # signing out keeps the choice
        page.wait_for_url("**/ui/sign-in**")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.screenshot(path=str(screenshots / "sign-in-after-switching-to-chinese.png"))
        other = page.context.new_page()
        other.goto("/ui/sign-in")
        assert other.locator("html").get_attribute("lang") == "zh-CN"


def test_a_report_prints_without_the_controls_and_with_its_tables(page: Any, screenshots: Path) -> None:
    page.goto("/ui/parks/yibin-sanjiang-east")
    page.emulate_media(media="print")
    assert not page.locator("header.top nav").is_visible()
    assert not page.locator("[data-testid=language]").is_visible()
    assert page.locator("[data-testid=park-emissions-chart-table]").is_visible()  # the table behind a chart prints open
    assert page.get_by_test_id("tree-size").is_visible()
    page.screenshot(path=str(screenshots / "park-print.png"), full_page=True)
    page.pdf(path=str(screenshots.parent / "park-report.pdf"), format="A4")
