"""The write forms in headless Chromium: a party loads its key file, signs in the browser, and the
receipt's proof is checked there; the private key never leaves the page."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Iterator

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import token_for
from tests.web.test_browser import LANGUAGES, WIDTHS, _fits, api, browser, browsing, sign_in  # noqa: F401  (browser is a fixture)


def _key_file(demo_app: Any, party: str) -> Path:
    return Path(demo_app.extensions["ledger_config"].home) / "demo-keys" / f"{party}.pem"


def _secrets(path: Path) -> list[str]:
    """Every form of the private key a request could carry: the PEM's body, and the raw seed in base64,
    base64url and hex."""
    pem = path.read_text()
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return [body, body[:40], base64.b64encode(seed).decode(), base64.urlsafe_b64encode(seed).decode().rstrip("="), seed.hex()]


class Traffic:
    """Every request a page sends, to check that none carries a secret, and to count the writes."""

    def __init__(self, page: Any) -> None:
        self.requests: list[tuple[str, str, str]] = []
        page.on("request", lambda r: self.requests.append((r.method, r.url, r.post_data or "")))

    def writes(self) -> list[str]:
        return [body for method, url, body in self.requests if method == "POST" and url.endswith("/v1/entries")]

    def assert_never_sent(self, secrets: list[str]) -> None:
        assert self.requests
        for method, url, body in self.requests:
            for secret in secrets:
                assert secret not in url and secret not in body, (method, url)


@pytest.fixture
def as_party(browser: Any, demo_url: str, demo_app: Any) -> Iterator[Any]:
    """A function opening a signed-in page for a party in a language; the pages are closed after the test."""
    opened: list[Any] = []

    def open_page(party: str, language: str) -> tuple[Any, Traffic]:
        manager = browsing(browser, demo_url, locale=LANGUAGES[language])
        page = manager.__enter__()
        opened.append(manager)
        traffic = Traffic(page)
        sign_in(page, token_for(demo_app, party))
        return page, traffic

    yield open_page
    for manager in opened:
        manager.__exit__(None, None, None)


def _load_key(page: Any, path: Path, *, keep: bool = False) -> None:
    if keep:
        page.get_by_test_id("key-keep").check()
    page.get_by_test_id("key-file").set_input_files(str(path))


def _fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.get_by_test_id(f"field-{name}")
        if field.locator("select").count():
            field.locator("select").select_option(value)
        else:
            field.locator("input, textarea").first.fill(value)


def _log_size(page: Any) -> int:
    return int(api(page, "/v1/log")["tree_size"])


def _sign_and_check_receipt(page: Any) -> int:
    """Submit the form; the receipt's proof must turn green (else fail with the problems the page shows)."""
    page.get_by_test_id("sign-submit").click()
    page.locator("[data-testid=receipt-status].ok, .problem:not(:empty)").first.wait_for()
    shown = [p.inner_text() for p in page.locator(".problem:not(:empty)").all()]
    assert not shown, shown
    return int(page.get_by_test_id("receipt-link").get_attribute("data-index"))


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_a_lender_registers_a_loan_and_disburses_it_from_the_forms(
    as_party: Any, demo_app: Any, screenshots: Path, language: str
) -> None:
    page, traffic = as_party("icbc-sichuan", language)
    key = _key_file(demo_app, "icbc-sichuan")
    project = api(page, "/v1/loans?lender=icbc-sichuan")["items"][0]["project_id"]
    loan = f"browser-loan-{language}"

    page.goto("/ui/sign")
    page.locator("[data-testid=forms] a[data-type='loan.registered']").click()
    page.wait_for_url("**/ui/sign/loan.registered")
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if language == "zh" else "en")
    _load_key(page, key, keep=True)
    page.locator("[data-testid=key-status].ok").wait_for()
    _fill(page, {"loan": loan, "project": project, "principal": "200000", "annual_rate_percent": "3.2", "term_months": "36"})
    page.screenshot(path=str(screenshots / f"sign-loan-{language}.png"), full_page=True)
    index = _sign_and_check_receipt(page)
    page.screenshot(path=str(screenshots / f"sign-loan-receipt-{language}.png"), full_page=True)

    record = api(page, f"/v1/entries/{index}")["record"]
    assert record["envelope"]["type"] == "loan.registered"
    assert record["envelope"]["signer"] == "icbc-sichuan"
    assert record["envelope"]["payload"]["principal"] == "200000.00"  # padded to the field's places before signing
    assert record["envelope"]["payload"]["annual_rate_percent"] == "3.2000"
    assert api(page, f"/v1/loans/{loan}")["principal"] == "200000.00"

    # The kept key signs the disbursement on the next form without loading the file again.
    page.goto("/ui/sign/loan.disbursed")
    page.locator("[data-testid=key-status].ok").wait_for()
    _fill(page, {"loan": loan, "amount": "150000.00", "value_date": "2026-11-20"})
    index = _sign_and_check_receipt(page)
    assert api(page, f"/v1/entries/{index}")["record"]["envelope"]["payload"]["value_date"] == "2026-11-20T00:00:00Z"
    assert api(page, f"/v1/loans/{loan}")["disbursed"] == "150000.00"

    # A rule breach: the server's problem is shown beside the amount, and the log is untouched.
    page.get_by_text("Sign another" if language == "en" else "再签一条").click()
    page.locator("[data-testid=key-status].ok").wait_for()
    size = _log_size(page)
    _fill(page, {"loan": loan, "amount": "60000.00", "value_date": "2026-11-21"})
    page.get_by_test_id("sign-submit").click()
    problem = page.get_by_test_id("problem-amount")
    problem.wait_for()
    assert "200000.00" in problem.inner_text()  # the principal it would pass
    assert page.get_by_test_id("problem-form").is_visible()
    assert page.get_by_test_id("receipt").is_hidden()
    assert _log_size(page) == size
    page.screenshot(path=str(screenshots / f"sign-rule-breach-{language}.png"), full_page=True)

    traffic.assert_never_sent(_secrets(key))
    assert len(traffic.writes()) == 3


#: What the page says, in each language, for another party's key, no key, and a file that is no key.
WRONG_KEY = {
    "en": ("not one of icbc-sichuan's keys", "load your private key file first", "this file is not a PEM key file"),
    "zh": ("不是登记簿中 icbc-sichuan 的密钥", "请先载入您的私钥文件", "该文件不是 PEM 密钥文件"),
}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_a_wrong_key_is_refused_beside_the_key_and_nothing_is_sent(as_party: Any, demo_app: Any, screenshots: Path, language: str) -> None:
    other_party, no_key, not_a_key = WRONG_KEY[language]
    page, traffic = as_party("icbc-sichuan", language)
    page.goto("/ui/sign/loan.repaid")
    size = _log_size(page)
    _load_key(page, _key_file(demo_app, "ccb-sichuan"))
    problem = page.get_by_test_id("problem-key")
    problem.wait_for()
    assert other_party in problem.inner_text()
    loan = api(page, "/v1/loans?lender=icbc-sichuan")["items"][0]["loan_id"]
    _fill(page, {"loan": loan, "amount": "1.00", "value_date": "2026-11-21"})
    page.get_by_test_id("sign-submit").click()
    assert no_key in problem.inner_text()
    page.get_by_test_id("key-file").set_input_files(str(Path(__file__)))  # not a key at all
    page.get_by_text(not_a_key).wait_for()
    assert traffic.writes() == []
    assert _log_size(page) == size
    page.screenshot(path=str(screenshots / f"sign-wrong-key-{language}.png"), full_page=True)


def test_the_forms_check_fields_before_signing(as_party: Any, demo_app: Any) -> None:
    page, traffic = as_party("icbc-sichuan", "zh")
    page.goto("/ui/sign/loan.registered")
    _load_key(page, _key_file(demo_app, "icbc-sichuan"))
    page.locator("[data-testid=key-status].ok").wait_for()
    _fill(page, {"loan": "bad id!", "principal": "1,500,000", "annual_rate_percent": "3.12345", "term_months": "0"})
    page.get_by_test_id("sign-submit").click()
    for name in ("loan", "project", "principal", "annual_rate_percent", "term_months"):
        assert page.get_by_test_id(f"problem-{name}").inner_text(), name
    assert "千位" in page.get_by_test_id("problem-principal").inner_text()  # in the page's language
    assert traffic.writes() == []


def _unpaid_verification(page: Any) -> tuple[str, str]:
    """A 2025 verification of a project the per-tonne fund has paid nothing yet: (project, verification)."""
    paid = {d["project_id"] for d in api(page, "/v1/reward-disbursements?program_id=nzc-rewards-2025&limit=1000")["items"]}
    for verification in api(page, "/v1/verifications?limit=1000")["items"]:
        if verification["vintage"] == 2025 and verification["project_id"] not in paid:
            return verification["project_id"], verification["verification_id"]
    raise AssertionError("the demo's fund has paid every verified project")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_department_pays_a_reward_from_the_form(as_party: Any, demo_app: Any, screenshots: Path, language: str) -> None:
    page, traffic = as_party("sc-dee", language)
    key = _key_file(demo_app, "sc-dee")
    project, verification = _unpaid_verification(page)
    page.goto("/ui/sign/reward.disbursed")
    _load_key(page, key)
    page.locator("[data-testid=key-status].ok").wait_for()
    values = {"disbursement": f"browser-reward-{language}", "program": "nzc-rewards-2025", "project": project, "amount": "1000", "verifications": verification}
    _fill(page, values)
    index = _sign_and_check_receipt(page)
    page.screenshot(path=str(screenshots / f"sign-reward-receipt-{language}.png"), full_page=True)
    payload = api(page, f"/v1/entries/{index}")["record"]["envelope"]["payload"]
    assert payload == {**values, "amount": "1000.00", "currency": "CNY", "verifications": [verification]}
    assert api(page, f"/v1/reward-disbursements/browser-reward-{language}")["amount"] == "1000.00"
    traffic.assert_never_sent(_secrets(key))


#: One demo party per role that signs, and the forms it is the first to open.
SIGNERS = ("icbc-sichuan", "sc-dee", "op-tianfu-hq", "scmrv", "expert-zhang", "operator")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_form_fits_a_desktop_and_a_phone(browser: Any, demo_url: str, demo_app: Any, screenshots: Path, language: str) -> None:
    from ledger.web import forms

    shown: set[str] = set()
    for party in SIGNERS:
        runtime = demo_app.extensions["ledger"]
        party_roles = frozenset(api_roles(runtime, party))
        todo = [t for t in forms.signable_types(party_roles) if t not in shown]
        shown.update(todo)
        for width in WIDTHS:
            folder = screenshots / language / str(width)
            folder.mkdir(parents=True, exist_ok=True)
            with browsing(browser, demo_url, locale=LANGUAGES[language], width=width) as page:
                sign_in(page, token_for(demo_app, party), start="/ui/sign")
                _fits(page, f"the sign page of {party} ({language}) at {width}px")
                page.screenshot(path=str(folder / f"sign-{party}.png"), full_page=True)
                for entry_type in todo:
                    page.goto(f"/ui/sign/{entry_type}")
                    page.get_by_test_id("sign-submit").click()  # no key yet: the problems show, and must fit too
                    page.get_by_test_id("problem-key").wait_for()
                    _fits(page, f"the {entry_type} form ({language}) at {width}px")
                    page.screenshot(path=str(folder / f"sign-{entry_type}.png"), full_page=True)
    assert shown == set(forms.ORDER)


def api_roles(runtime: Any, party: str) -> tuple[str, ...]:
    from ledger.domain.entities import Party
    from ledger.services import reads

    return reads.get_entity(runtime, Party, party).roles


def test_a_kept_key_is_forgotten_at_sign_out(as_party: Any, demo_app: Any) -> None:
    page, _ = as_party("ccb-sichuan", "en")
    page.goto("/ui/sign/loan.repaid")
    _load_key(page, _key_file(demo_app, "ccb-sichuan"), keep=True)
    page.locator("[data-testid=key-status].ok").wait_for()
    page.goto("/ui/sign/loan.disbursed")
    page.locator("[data-testid=key-status].ok").wait_for()  # kept across pages
    assert page.evaluate("indexedDB.databases().then((dbs) => dbs.map((d) => d.name))") == ["greenledger-keys"]
    page.locator("[data-testid=account] button").click()
    page.wait_for_url("**/ui/sign-in**")
    page.wait_for_function("indexedDB.databases().then((dbs) => dbs.length === 0)")
    sign_in(page, token_for(demo_app, "ccb-sichuan"), start="/ui/sign/loan.disbursed")
    page.locator("[data-kept-key-checked=true]").wait_for(state="attached")
    assert page.get_by_test_id("key-status").get_attribute("class") == "status pending"
