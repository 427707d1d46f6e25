"""The pages render from the services, with the same figures as the API (no browser needed)."""

from __future__ import annotations

import re
from typing import Any

import pytest


@pytest.fixture(scope="module")
def client(demo_app: Any) -> Any:
    return demo_app.test_client()


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


def test_the_explorer_pages_backwards_through_filtered_entries(demo_app: Any) -> None:
    from ledger.web.explorer import newest_entries

    runtime = demo_app.extensions["ledger"]
    client = demo_app.test_client()
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
