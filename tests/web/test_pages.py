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
