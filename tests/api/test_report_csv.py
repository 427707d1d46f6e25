"""Reports as CSV: a park's name or city that reads like a formula reaches a spreadsheet as text, while
figures, negative percentages included, stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from ledger.tabular import FORMULA_STARTS, PLAIN_NUMBER, neutralize
from tests.helpers import T_2024, T_2025, Programme, tree_size

#: (park id, name, city): each name and city would run in a spreadsheet if written as it is.
HOSTILE_PARKS = [
    ("park-eq", '=HYPERLINK("http://evil.example","x")', "+Chengdu"),
    ("park-minus", "-2+3+cmd|' /C calc'!A0", "@Mianyang"),
    ("park-tab", "\t=1+1", "\r=1+1"),
    ("park-lf", "\n=1+1", "Deyang\n=2+2"),
    ("park-wide", "＝1+1", "＠SUM(A1)"),
    ("park-semi", "Yibin;=1+1", "Luzhou,-1+1"),
]


def _cells(document: str) -> list[list[str]]:
    """The CSV's rows after its comment line, as a spreadsheet's CSV reader splits them."""
    comment, _, table = document.partition("\n")
    assert comment.startswith("# ")
    return list(csv.reader(io.StringIO(table, newline="")))


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert PLAIN_NUMBER.fullmatch(cell) or cell[:1] not in FORMULA_STARTS, cell


@pytest.fixture
def hostile(client, sign) -> Programme:
    prog = Programme(client, sign)
    for park_id, name, city in HOSTILE_PARKS:
        prog.ok("dept", "park.registered", prog.park(park_id, name=name, city=city))
    # Output grows and emissions fall against the baseline: a negative percent change in the summary.
    prog.ok("op-tianfu", "park.statistics.reported", {
        "park": "park-eq", "period_start": T_2024, "period_end": T_2025, "output_value": "90000000000.00",
        "currency": "CNY", "energy_use_tce": "1000.000", "total_emissions": "405500.000",
    })  # fmt: skip
    return prog


def test_hostile_park_names_and_cities_reach_the_csv_as_text(hostile):
    response = hostile.client.get("/v1/reports/summary?format=csv")
    assert response.status_code == 200 and response.content_type == "text/csv; charset=utf-8"
    header, *rows = _cells(response.get_data(as_text=True))
    _assert_no_formula([header, *rows])
    by_park = {row[header.index("park_id")]: row for row in rows}
    for park_id, name, city in HOSTILE_PARKS:
        assert (by_park[park_id][header.index("name")], by_park[park_id][header.index("city")]) == (neutralize(name), neutralize(city))
    assert by_park["park-eq"][header.index("name")] == "'" + '=HYPERLINK("http://evil.example","x")'
    assert by_park["park-eq"][header.index("city")] == "'+Chengdu"
    assert by_park["park-semi"][header.index("name")] == "Yibin;'=1+1"
    assert by_park["park-semi"][header.index("city")] == "Luzhou,'-1+1"
    assert by_park["park-lf"][header.index("name")] == "'\n=1+1"
    assert by_park["park-lf"][header.index("city")] == "Deyang\n'=2+2"
    # 405,500 / 9,000,000 against 500,000 / 8,000,000: -27.91 %, still a number
    assert by_park["park-eq"][header.index("latest_intensity_change_percent")] == "-27.91"


def test_the_csv_of_a_report_as_of_a_tree_size_is_neutralized_the_same_way(hostile):
    size = tree_size(hostile.client)
    live = hostile.client.get("/v1/reports/summary?format=csv").get_data(as_text=True)
    hostile.ok("dept", "park.registered", hostile.park("park-later", name="@later"))
    replayed = hostile.client.get(f"/v1/reports/summary?format=csv&tree_size={size}").get_data(as_text=True)
    assert replayed == live


def test_the_comment_line_stays_one_line(hostile):
    document = hostile.client.get("/v1/reports/parks/park-lf?format=csv").get_data(as_text=True)
    assert document.splitlines()[0].startswith("# park park-lf at tree size ")
    assert document.splitlines()[1] == "period_start,period_end,output_value,energy_use_tce,total_emissions,intensity,intensity_change_percent"
