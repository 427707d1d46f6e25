"""A page on a subject the log does not know is a 404 page, for every report page, live and as of an
earlier tree size; a party that may not read the page gets 403 whether the subject exists or not."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import token_for

UNKNOWN_PAGES = [
    "/ui/lenders/nope",
    "/ui/lenders/icbc-sichaun",
    "/ui/lenders/provincial-audit",  # a party, but no lender
    "/ui/lenders/scmrv",
    "/ui/parks/nope",
    "/ui/parks/tianfu",
    "/ui/projects/nope",
    "/ui/projects/tianfu-hq/p9999",
    "/ui/reward-programs/nope",
    "/ui/reward-programs/nzc-rewards-2024",
]


def _client(app: Any, token: str) -> Any:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture(scope="module")
def auditor(demo_app: Any, auditor_token: str) -> Any:
    return _client(demo_app, auditor_token)


@pytest.mark.parametrize("page", UNKNOWN_PAGES)
def test_a_page_on_an_unknown_subject_is_a_404_page(auditor: Any, page: str) -> None:
    for query in ("", "?tree_size=2"):
        response = auditor.get(page + query)
        assert response.status_code == 404, (page, query, response.status_code)
        assert response.content_type.startswith("text/html")
        html = response.get_data(as_text=True)
        assert "404" in html and "Unknown report subject" in html, html[:2000]


def test_a_subject_that_exists_only_later_is_a_404_page_as_of_an_earlier_tree_size(auditor: Any) -> None:
    assert auditor.get("/ui/lenders/icbc-sichuan").status_code == 200
    assert auditor.get("/ui/reward-programs/nzc-rewards-2025").status_code == 200
    assert auditor.get("/ui/lenders/icbc-sichuan?tree_size=1").status_code == 404  # only the genesis entry
    assert auditor.get("/ui/reward-programs/nzc-rewards-2025?tree_size=1").status_code == 404


def test_a_lender_gets_the_same_403_page_for_another_lender_that_exists_or_not(demo_app: Any) -> None:
    lender = _client(demo_app, token_for(demo_app, "icbc-sichuan"))
    assert lender.get("/ui/lenders/icbc-sichuan").status_code == 200
    for page in ("/ui/lenders/ccb-sichuan", "/ui/lenders/nope"):
        assert lender.get(page).status_code == 403, page
    assert lender.get("/ui/parks/nope").status_code == 404  # an aggregate page: open to every party
