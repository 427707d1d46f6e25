"""Honest charts: one unit each, round ticks from zero, every bar labelled by its own row, every value
visible or stated, accessible colours, and a table behind every chart; units on every headline card."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import parse_decimal

from ledger.web import charts
from tests.web.test_pages import client_as

SVG = "{http://www.w3.org/2000/svg}"
ROUND_STEPS = {Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)}
LOCALES = {"en": "en", "zh-CN": "zh_Hans_CN"}


@pytest.fixture(scope="module")
def client(demo_app: Any, auditor_token: str) -> Any:
    return client_as(demo_app, auditor_token)


def _page(client: Any, url: str, language: str = "en") -> str:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, url
    return str(response.get_data(as_text=True))


def _figures(html: str) -> dict[str, str]:
    """Each chart's figure element (its HTML), by data-testid."""
    return dict(re.findall(r'<figure class="(?:chart|multiples)" data-testid="([^"]+)">(.*?)</figure>', html, re.S))


def _svgs(figure: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", figure, re.S)]


def _groups(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if set(cls.split()) <= set(g.get("class", "").split())]


def _text(element: ET.Element) -> str:
    return "".join(element.itertext()).strip()


def _value_axis(svg: ET.Element) -> ET.Element:
    """The axis of values: x on horizontal bars, y otherwise."""
    horizontal = any("horizontal" in g.get("class", "") for g in _groups(svg, "graph"))
    return _groups(svg, "axis x" if horizontal else "axis y")[0]


def _ticks(svg: ET.Element, locale: str) -> list[Decimal]:
    labels = [_text(t) for g in _groups(_value_axis(svg), "guides") for t in g.findall(f"{SVG}text")]
    return [parse_decimal(label.rstrip("%").strip(), locale=locale) for label in labels]


def _is_round(ticks: list[Decimal], *, last_may_be: Decimal | None = None) -> bool:
    if last_may_be is not None and ticks and ticks[-1] == last_may_be:
        ticks = ticks[:-1]
    if len(ticks) < 2:
        return True
    step = ticks[1] - ticks[0]
    mantissa = step.scaleb(-step.adjusted()).normalize()
    evenly = all(b - a == step for a, b in zip(ticks, ticks[1:]))
    return evenly and mantissa in ROUND_STEPS and all((t / step) == (t / step).to_integral_value() for t in ticks)


# --- the scale -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high"),
    [("0", "1362.3"), ("0", "17793"), ("0", "35586.4"), ("-45.32", "-8.1"), ("0", "0"), ("0", "0.004"), ("-3", "250"), ("0", "299.9")],
)
def test_ticks_are_round_and_cover_the_values_from_zero(low: str, high: str) -> None:
    ticks = charts.nice_ticks(Decimal(low), Decimal(high))
    assert ticks[0] <= min(Decimal(low), 0) and ticks[-1] >= max(Decimal(high), 0)
    assert 0 in ticks and 2 <= len(ticks) <= 7
    assert _is_round(ticks), ticks


def test_the_old_dashboards_ticks_would_fail_the_check() -> None:
    assert not _is_round([Decimal(0), Decimal(17793), Decimal(35586), Decimal(53379)])


def test_a_long_label_is_set_on_two_lines_at_a_space_or_a_bracket() -> None:
    assert charts.label_lines("天府总部商务区") == ["天府总部商务区"]
    assert charts.label_lines("Chengdu Unicorn Island") == ["Chengdu Unicorn", "Island"]
    assert charts.label_lines("nanchong-logistics/p0015") == ["nanchong-logistics/p0015"]  # an id stays whole
    first, second = charts.label_lines("Qingbaijiang Advanced Materials Park (illustrative)")
    assert f"{first} {second}" == "Qingbaijiang Advanced Materials Park (illustrative)"
    assert charts.label_lines("德阳清洁能源装备产业园（示例）") == ["德阳清洁能源装备产业园", "（示例）"]


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("colour", [*charts.SERIES_COLOURS, charts.GREY])
def test_chart_colours_keep_3_to_1_against_white(colour: str) -> None:
    assert (1.05) / (_luminance(colour) + 0.05) >= 3.0, colour  # WCAG 1.4.11, non-text contrast


# --- the pages' charts -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_every_chart_has_one_unit_round_ticks_and_a_table(client: Any, language: str) -> None:
    summary = client.get("/v1/reports/summary").get_json()["report"]
    project = client.get("/v1/loans?lender=icbc-sichuan").get_json()["items"][0]["project_id"]
    cap = Decimal(client.get("/v1/reward-programs/nzc-rewards-2025").get_json()["cap_per_project"]) / 10_000
    pages = ["/ui/", "/ui/parks/tianfu-hq", f"/ui/projects/{project}", "/ui/lenders/icbc-sichuan", "/ui/reward-programs/nzc-rewards-2025"]
    seen = 0
    for url in pages:
        figures = _figures(_page(client, url, language))
        assert figures, url
        for testid, figure in figures.items():
            assert re.search(r'data-testid="chart-unit">[^<]+<', figure), (url, testid)  # its one unit, in the caption
            assert f'data-testid="{testid}-table"' in figure, (url, testid)  # the table behind it
            for svg in _svgs(figure):
                assert not _groups(svg, "axis y2") and "secondary" not in ET.tostring(svg, encoding="unicode"), (url, testid)
                ticks = _ticks(svg, LOCALES[language])
                assert _is_round(ticks, last_may_be=cap if testid == "paid-per-project-chart" else None), (url, testid, ticks)
                seen += 1
    assert seen >= 25  # 3 + 17 panels on the dashboard, 2 on each other page


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_each_bar_is_labelled_by_its_park_and_states_its_value(client: Any, language: str) -> None:
    parks = client.get("/v1/reports/summary").get_json()["report"]["figures"]["parks"]
    html = _page(client, "/ui/", language)
    names = re.findall(r'<a href="/ui/parks/[^"]+" class="park-link" translate="no">([^<]+)</a>', html)
    assert len(names) == len(parks) == 17
    if language == "zh-CN":
        assert "天府总部商务区" in names
    for testid, series in (("financing-chart", 2), ("rewards-chart", 1), ("reductions-chart", 1)):
        (svg,) = _svgs(_figures(html)[testid])
        labels = []  # the category axis, top down, with where each label sits
        for text in _groups(svg, "axis y")[0].iter(f"{SVG}text"):
            labels.append((float(text.get("y", "0")), _text(text).replace("\n", "")))
        labels.sort()
        assert [re.sub(r"\s+", "", label) for _, label in labels] == [re.sub(r"\s+", "", n) for n in names], testid
        bars = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "bar"]
        assert len(bars) == series * 17, testid
        for bar in bars:
            rect = next(bar.iter(f"{SVG}rect"))
            middle = float(rect.get("y", "0")) + float(rect.get("height", "0")) / 2
            nearest = min(labels, key=lambda label: abs(label[0] - middle))[1]
            named = next(d for d in bar.iter(f"{SVG}desc") if d.get("class") == "x_label").text
            assert re.sub(r"\s+", "", nearest) == re.sub(r"\s+", "", named or ""), (testid, named, nearest)
        printed = [t for g in _groups(svg, "text-overlay") for t in g.iter(f"{SVG}text") if "value" in t.get("class", "")]
        assert len(printed) == len(bars), testid  # every bar prints its value, a zero too
    rewards = [p["rewards_received"] for p in parks]
    (svg,) = _svgs(_figures(html)["rewards-chart"])
    printed = [_text(t) for g in _groups(svg, "text-overlay") for t in g.iter(f"{SVG}text")]
    assert printed.count("0.0") == sum(1 for r in rewards if Decimal(r) == 0) > 0


def test_the_intensity_chart_is_small_multiples_on_one_scale(client: Any) -> None:
    figure = _figures(_page(client, "/ui/"))["intensity-chart"]
    panels = _svgs(figure)
    assert len(panels) == 17
    scales = {tuple(_ticks(svg, "en")) for svg in panels}
    assert len(scales) == 1  # one shared scale
    for svg in panels:
        series = [g for g in _groups(svg, "series") if _groups(svg, "plot") and g.find(f".//{SVG}path") is not None]
        assert len(series) == 2  # the park and the programme's median, nothing else
    assert "Programme median" in figure


def test_the_reward_page_shows_the_cap_per_project(client: Any) -> None:
    programme = client.get("/v1/reward-programs/nzc-rewards-2025").get_json()
    html = _page(client, "/ui/reward-programs/nzc-rewards-2025")
    assert re.search(rf'data-testid="cap">\s*<a class="fig" data-value="{programme["cap_per_project"]}"', html)
    figure = _figures(html)["paid-per-project-chart"]
    (svg,) = _svgs(figure)
    assert _ticks(svg, "en")[-1] == Decimal(programme["cap_per_project"]) / 10_000  # the axis ends at the cap
    zh = _page(client, "/ui/reward-programs/nzc-rewards-2025", "zh-CN")
    assert "单个项目奖励上限" in zh


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_every_headline_card_has_a_unit(client: Any, language: str) -> None:
    html = _page(client, "/ui/", language)
    cards = re.findall(r'<div class="card"[^>]*>(.*?)</div>', html, re.S)
    assert len(cards) == 9
    for card in cards:
        unit = re.search(r'<span class="big">.*?<span class="unit">([^<]+)</span></span>', card, re.S)
        assert unit and unit.group(1).strip(), card


def test_a_bar_of_zero_says_so_in_every_kind_of_bar_chart() -> None:
    from flask import Flask

    from ledger.web import i18n

    app = Flask("charts-test")
    i18n.init_babel(app)
    with app.test_request_context("/"):
        common = {"testid": "t", "title": "t", "unit": "u", "table_unit": "u", "label_heading": "l", "labels": ["a", "b"], "links": [None, None]}
        series = [(charts.Series("s", charts.BLUE), ["0.00", "1500000.00"])]
        for chart in (charts.vertical_bars(**common, series=series), charts.horizontal_bars(**common, series=series)):
            svg = ET.fromstring(str(chart.svg))
            printed = [_text(t) for g in _groups(svg, "text-overlay") for t in g.iter(f"{SVG}text")]
            assert "0" in printed, printed
