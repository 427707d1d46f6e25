"""The pages render from the services, with the same figures as the API (no browser needed)."""

from __future__ import annotations

import re
from typing import Any

import pytest


def client_as(app: Any, token: str) -> Any:
    """A client sending ``token`` as a bearer token: pages take it as well as the signed-in session's."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture(scope="module")
def client(demo_app: Any, auditor_token: str) -> Any:
    return client_as(demo_app, auditor_token)


def test_every_page_renders(client: Any) -> None:
    summary = client.get("/v1/reports/summary").get_json()["report"]
    park = summary["figures"]["parks"][0]["park_id"]
    project = client.get(f"/v1/projects?park_id={park}").get_json()["items"][0]["project_id"]
    pages = [
        "/ui/", f"/ui/parks/{park}", f"/ui/projects/{project}", "/ui/lenders/", "/ui/lenders/icbc-sichuan",
        "/ui/reward-programs/nzc-rewards-2025", "/ui/log/", "/ui/log/?type=loan.registered", "/ui/log/entries/0",
        "/ui/log/entries/5", "/ui/log/checkpoints", "/ui/api", "/ui/log/?indices=1,2,3",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])
        assert response.content_type.startswith("text/html")
        html = response.get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', html), url  # nothing from outside the machine


def test_the_explorer_pages_backwards_through_filtered_entries(demo_app: Any, client: Any) -> None:
    from ledger.web.explorer import newest_entries

    runtime = demo_app.extensions["ledger"]
    everything = client.get("/v1/entries?type=loan.disbursed&limit=1000").get_json()["items"]
    expected = [item["record"]["index"] for item in reversed(everything)]
    seen: list[int] = []
    before = None
    while True:
        page = newest_entries(runtime, before=before, limit=7, entry_type="loan.disbursed", signer=None)
        seen += [e.index for e in page.items]
        if page.older is None:
            break
        before = page.older
    assert seen == expected


def test_a_figure_links_to_the_entries_it_sums(client: Any) -> None:
    report = client.get("/v1/reports/lenders/icbc-sichuan").get_json()["report"]
    html = client.get("/ui/lenders/icbc-sichuan").get_data(as_text=True)
    loan = report["figures"]["loans"][0]
    assert f'data-value="{loan["principal"]}" href="/ui/log/entries/{loan["registered_index"]}"' in html


def test_an_unknown_subject_is_an_html_404(client: Any) -> None:
    response = client.get("/ui/parks/no-such-park")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
    assert "no park" in response.get_data(as_text=True)


def test_without_a_principal_pages_send_the_visitor_to_sign_in(demo_app: Any) -> None:
    anonymous = demo_app.test_client()
    for url in ("/", "/ui/", "/ui/parks/tianfu-hq", "/ui/log/entries/3", "/ui/api"):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert "/ui/sign-in" in response.headers["Location"], url
    response = anonymous.get("/ui/", headers={"Authorization": "Bearer glt_nosuch_token"})
    assert response.status_code == 302
    assert anonymous.get("/ui/sign-in").status_code == 200
    with anonymous.get("/ui/static/web/proof.js") as script:
        assert script.status_code == 200
    assert anonymous.get("/v1/reports/summary").status_code == 401  # the API still answers 401


def test_sign_in_opens_a_session_and_refuses_a_bad_token_or_form(demo_app: Any, auditor_token: str) -> None:
    browser = demo_app.test_client()
    form = browser.get("/ui/sign-in?next=/ui/log/").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    refused = browser.post("/ui/sign-in", data={"token": "glt_wrong_token", "csrf": csrf, "next": "/ui/log/"})
    assert refused.status_code == 401
    assert browser.post("/ui/sign-in", data={"token": auditor_token, "csrf": "forged", "next": "/ui/log/"}).status_code == 400
    signed_in = browser.post("/ui/sign-in", data={"token": auditor_token, "csrf": csrf, "next": "/ui/log/"})
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/ui/log/")
    assert browser.get("/ui/log/").status_code == 200
    assert browser.get("/v1/reports/summary").status_code == 200  # the API reads the session's token too
    csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/ui/sign-in").get_data(as_text=True)).group(1)
    elsewhere = browser.post("/ui/sign-in", data={"token": auditor_token, "csrf": csrf, "next": "//example.org/ui/"})
    assert elsewhere.status_code == 302 and elsewhere.headers["Location"] == "/ui/"  # never off the site


def test_a_lender_sees_its_own_loans_and_records_only(demo_app: Any) -> None:
    from tests.conftest import token_for

    lender = client_as(demo_app, token_for(demo_app, "icbc-sichuan"))
    assert lender.get("/ui/lenders/icbc-sichuan").status_code == 200
    forbidden = lender.get("/ui/lenders/ccb-sichuan")
    assert forbidden.status_code == 403 and forbidden.content_type.startswith("text/html")
    listed = lender.get("/ui/lenders/").get_data(as_text=True)
    assert "/ui/lenders/icbc-sichuan" in listed and "/ui/lenders/ccb-sichuan" not in listed
    log = lender.get("/ui/log/?signer=ccb-sichuan").get_data(as_text=True)
    assert 'data-testid="signer">ccb-sichuan<' not in log and 'data-testid="signer">icbc-sichuan<' in log
    other = lender.get("/v1/entries?signer=ccb-sichuan&limit=1").get_json()
    if other.get("items"):
        index = other["items"][0]["record"]["index"]
        assert lender.get(f"/ui/log/entries/{index}").status_code == 403
    assert lender.get("/ui/").status_code == 200  # the programme's aggregates are public to any party


def test_the_checkpoint_history_lists_what_the_log_signed_newest_first(demo_app: Any, client: Any) -> None:
    from ledger.services.reads import checkpoint_history

    runtime = demo_app.extensions["ledger"]
    sizes: list[int] = []
    before = None
    while True:
        page = checkpoint_history(runtime, before=before, limit=1)
        sizes += [c.tree_size for c in page.items]
        if page.next is None:
            break
        before = page.next
    assert len(sizes) >= 2 and sizes == sorted(sizes, reverse=True)
    assert sizes[0] == client.get("/v1/log").get_json()["tree_size"]
    html = client.get("/ui/log/checkpoints").get_data(as_text=True)
    table = html.split('data-testid="server-history"')[1].split("</table>")[0]
    assert [int(size) for size in re.findall(r"<tr><td>(\d+)</td>", table)] == sizes
