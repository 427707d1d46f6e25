"""?format=xlsx on the programme's lists and on reports: the same content as a workbook, every text cell
a string (never a formula), figures as numbers, and the read scope of JSON."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from ledger.tabular import neutralize
from ledger.tabular_xlsx import XLSX_CONTENT_TYPE
from tests.api.test_report_csv import HOSTILE_PARKS
from tests.conftest import bearer, token_for
from tests.helpers import T_2024, T_2025, Programme


@pytest.fixture
def prog(client, sign) -> Programme:
    programme = Programme(client, sign)
    for park_id, name, city in HOSTILE_PARKS:
        programme.ok("dept", "park.registered", programme.park(park_id, name=name, city=city))
    programme.ok("op-tianfu", "park.statistics.reported", {
        "park": "park-eq", "period_start": T_2024, "period_end": T_2025, "output_value": "90000000000.00",
        "currency": "CNY", "energy_use_tce": "1000.000", "total_emissions": "405500.000",
    })  # fmt: skip
    programme.ok("op-tianfu", "project.registered", programme.project(park="park-eq"))
    programme.ok("bank-a", "loan.registered", programme.loan())
    programme.ok("bank-a", "loan.disbursed", programme.movement("L1", "120.50"))
    return programme


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.content_type == XLSX_CONTENT_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows()]
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
    return rows


def test_a_list_page_as_a_workbook_has_the_json_items_fields(client, prog):
    rows = _sheet(client.get("/v1/parks?format=xlsx"))
    header = [c.value for c in rows[0]]
    items = client.get("/v1/parks").get_json()["items"]
    assert sorted(header) == sorted(items[0]) and header[0] == "park_id"  # the dataclass order, the key first
    assert len(rows) == 1 + len(items)
    by_id = {row[0].value: {h: c for h, c in zip(header, row, strict=False)} for row in rows[1:]}
    for park_id, name, city in HOSTILE_PARKS:
        assert by_id[park_id]["name"].value == neutralize(name)
        assert by_id[park_id]["name"].data_type == "s"
    assert by_id["park-eq"]["baseline_year"].value == 2020
    assert by_id["park-eq"]["baseline_emissions"].data_type == "n"
    assert Decimal(repr(by_id["park-eq"]["baseline_emissions"].value)) == Decimal("500000.000")
    assert by_id["park-eq"]["leading_industries"].value == "headquarters economy;digital services"


def test_a_workbook_page_links_to_the_next_one(client, prog):
    first = client.get("/v1/parks?format=xlsx&limit=2")
    page = _sheet(first)
    assert len(page) == 3
    link = first.headers["Link"]
    assert link.startswith("</v1/parks?") and link.endswith('>; rel="next"') and "format=xlsx" in link and "after=" in link
    second = _sheet(client.get(link[1 : link.index(">")]))
    json_second = client.get(f"/v1/parks?limit=2&after={client.get('/v1/parks?limit=2').get_json()['next']}").get_json()["items"]
    assert [row[0].value for row in second[1:]] == [item["park_id"] for item in json_second]
    assert second[1][0].value > page[2][0].value
    last = client.get("/v1/parks?format=xlsx&limit=1000")
    assert "Link" not in last.headers
    assert 'filename="parks.xlsx"' in last.headers["Content-Disposition"]


def test_money_and_times_are_numbers_and_dates(client, prog):
    rows = _sheet(client.get("/v1/loans?format=xlsx"))
    loan = {h.value: c for h, c in zip(rows[0], rows[1], strict=True)}
    assert loan["principal"].data_type == "n" and loan["principal"].value == 500
    assert loan["disbursed"].value == 120.5 and loan["disbursed"].number_format == "0.00"
    assert loan["outstanding"].value == 120.5
    assert loan["first_disbursed_at"].is_date
    assert loan["loan_id"].value == "L1" and loan["exceeds_investment"].value is False


def test_a_workbook_keeps_the_read_scope_of_json(app, client, prog):
    other = client.get("/v1/loans?format=xlsx&lender=bank-a", headers=bearer(token_for(app, "bank-b")))
    assert other.status_code == 403
    own = _sheet(client.get("/v1/loans?format=xlsx", headers=bearer(token_for(app, "bank-b"))))
    assert len(own) == 1  # only the header: bank-b has no loans
    assert client.get("/v1/loans?format=pdf").status_code == 422


def test_a_report_as_a_workbook_is_its_csv_table_with_numbers_typed(client, prog):
    response = client.get("/v1/reports/summary?format=xlsx")
    rows = _sheet(response)
    csv = client.get("/v1/reports/summary?format=csv").get_data(as_text=True).splitlines()
    assert rows[0][0].value == csv[0]
    header = [c.value for c in rows[1]]
    assert ",".join(header) == csv[1]
    for row in rows[2:]:
        for name, cell in zip(header, row, strict=False):
            if cell.data_type == "n":
                assert isinstance(cell.value, (int, float)), name
    names = {row[header.index("name")].value for row in rows[2:] if "name" in header}
    assert neutralize(HOSTILE_PARKS[0][1]) in names
    assert 'filename="summary-' in response.headers["Content-Disposition"]
    park = _sheet(client.get("/v1/reports/parks/park-eq?format=xlsx&tree_size=12"))
    assert park[0][0].value.startswith("# park park-eq at tree size 12")
