"""The programme's progress against its targets on the pages: the dashboard's bars toward the 2025 goals,
the targets page's figures and statuses, a park's targets, and the park-success fund (no browser)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.test_pages import client_as


@pytest.fixture(scope="module")
def client(demo_app: Any, auditor_token: str) -> Any:
    return client_as(demo_app, auditor_token)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_dashboard_shows_the_way_to_the_2025_goals(client):
    year = client.get("/v1/reports/programme").get_json()["report"]["figures"]["years"][-1]
    html = client.get("/ui/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    section = html[html.index('data-testid="dashboard-progress"'):]
    section = section[: section.index("</section>")]
    assert f'data-value="{year["output_value"]}"' in section and f'data-value="{year["green_output_value"]}"' in section
    share = float(year["output_value_percent_of_target"])
    assert f"width: {share}%" in section  # the bar is the share reached, nothing else
    assert f"{year['parks_meeting_targets']} of {year['parks_with_targets']} parks with targets meet them" in _text(section)


def test_the_targets_page_lists_every_park_with_its_status(client):
    report = client.get("/v1/reports/programme").get_json()["report"]
    html = client.get("/ui/programme", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-park="([^"]+)">.*?data-status="([^"]+)"', html, flags=re.S))
    assert rows == {row["park_id"]: row["status"] for row in report["figures"]["parks"]}
    assert rows["luzhou-food"] == "statistics-incomplete" and rows["panzhihua-vanadium"] == "assessed-not-successful"
    assert "coal cap" in _text(html)


def test_the_pages_name_statuses_in_chinese(client):
    html = client.get("/ui/programme", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "评估为成功" in html and "统计数据不完整" in html and "目标年度" in html


def test_a_park_page_shows_its_targets_figures_and_assessment(client):
    park = client.get("/v1/reports/parks/panzhihua-vanadium").get_json()["report"]["figures"]
    (target,) = park["targets"]
    html = client.get("/ui/parks/panzhihua-vanadium", headers={"Accept-Language": "en"}).get_data(as_text=True)
    section = _text(html[html.index('data-testid="park-target-2025"'):])
    assert "Missed: coal cap." in section and "Assessed assessed not successful" not in section
    assert f'data-value="{target["figures"]["coal_consumption_tce"]}"' in html
    assert "assessed not successful" in section


def test_a_half_year_is_not_set_against_the_annual_baseline_on_the_park_page(client):
    park = client.get("/v1/reports/parks/luzhou-food").get_json()["report"]["figures"]
    half = [p for p in park["periods"] if p["period_end"].startswith("2025-07-01")]
    assert half and half[0]["emissions_change_percent"] is None and half[0]["intensity_change_percent"] is not None
    html = client.get("/ui/parks/luzhou-food", headers={"Accept-Language": "en"}).get_data(as_text=True)
    table = html[html.index('data-testid="park-emissions-chart-table"'):]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    whole_years = [p for p in park["periods"] if p["emissions_change_percent"] is not None]
    assert body.count("<tr>") == len(whole_years) == len(park["periods"]) - 1


def test_the_park_success_fund_lists_the_parks_it_paid(client):
    report = client.get("/v1/reports/reward-programs/nzc-park-success-2025").get_json()["report"]
    html = client.get("/ui/reward-programs/nzc-park-success-2025", headers={"Accept-Language": "en"}).get_data(as_text=True)
    paid = re.findall(r'href="/ui/parks/([^"#]+)#targets"><code>', html)
    assert paid == [d["park_id"] for d in report["figures"]["disbursements"]] and len(paid) == 12
    assert 'data-testid="award"' in html and "5,000,000.00" in html
