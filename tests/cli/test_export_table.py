"""``greenledger export-table``: a party's records in the import's columns, formula-safe, and read back by
the import as exactly the payloads that were signed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.spreadsheets import reader, rows
from tests.conftest import token_for
from tests.helpers import Programme

HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def prog(app: Any, sign: Any) -> Programme:
    programme = Programme(app.test_client(), sign)
    programme.ok("dept", "park.registered", programme.park(name=HOSTILE, city="+Chengdu", leading_industries=["@cloud", "new energy; storage"]))
    programme.ok("dept", "park.registered", programme.park("yibin-east", operator="op-yibin", city="宜宾"))
    programme.ok("op-tianfu", "project.registered", programme.project(equity="90000000000000.00"))
    for n, principal in enumerate(["500.00", "12345678901234567.89", "0.01"]):
        programme.ok("bank-a", "loan.registered", programme.loan(f"L{n}", principal=principal, exceeds_investment=n >= 1))
    programme.ok("bank-a", "loan.disbursed", programme.movement("L0", "100.00"))
    return programme


def _export(app: Any, live_url: str, party: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["export-table", *args, "--server", live_url, "--token", token_for(app, party)])


def _signed(app: Any, entry_type: str, signer: str) -> list[dict[str, Any]]:
    client = app.test_client()
    page = client.get(f"/v1/entries?type={entry_type}&signer={signer}&limit=1000").get_json()
    return [item["record"]["envelope"]["payload"] for item in page["items"]]


def _read_back(path: Path, entry_type: str) -> list[dict[str, Any]]:
    converted = rows.convert(entry_type, reader.read_rows(path.name, path.read_bytes()))
    assert converted.ok, [str(p) for p in converted.problems]
    return [row.payload for row in converted.rows]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_partys_records_round_trip_through_its_own_sheet(app, live_url, prog, tmp_path, suffix):
    out = tmp_path / f"parks{suffix}"
    result = _export(app, live_url, "dept", "park.registered", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 2 rows (entries " in result.output
    signed = _signed(app, "park.registered", "dept")
    read = _read_back(out, "park.registered")
    # a list item holding the separator is the one thing a sheet cannot carry: it reads as two items
    assert read[0]["leading_industries"] == ["@cloud", "new energy", "storage"]
    read[0]["leading_industries"] = signed[0]["leading_industries"]
    assert read == signed

    loans = tmp_path / f"loans{suffix}"
    assert _export(app, live_url, "bank-a", "loan.registered", str(loans), "--field-names").exit_code == 0
    assert _read_back(loans, "loan.registered") == _signed(app, "loan.registered", "bank-a")


def test_a_hostile_park_name_is_a_string_cell_not_a_formula(app, live_url, prog, tmp_path):
    out = tmp_path / "parks.xlsx"
    assert _export(app, live_url, "dept", "park.registered", str(out)).exit_code == 0
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in sheet[2]]
    name = sheet.cell(row=3, column=header.index("园区名称") + 1)
    city = sheet.cell(row=3, column=header.index("城市") + 1)
    assert name.data_type == "s" and city.data_type == "s"
    assert name.value == "'" + HOSTILE and city.value == "'+Chengdu"
    assert str(sheet["A1"].value).startswith("# park.registered records")
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_numbers_are_numbers_where_a_spreadsheet_keeps_them_and_text_where_it_would_not(app, live_url, prog, tmp_path):
    out = tmp_path / "loans.xlsx"
    assert _export(app, live_url, "bank-a", "loan.registered", str(out)).exit_code == 0
    sheet = openpyxl.load_workbook(out).worksheets[0]
    principals = [sheet.cell(row=r, column=3) for r in (3, 4, 5)]
    assert [(c.data_type, c.value) for c in principals] == [("n", 500), ("s", "12345678901234567.89"), ("n", 0.01)]
    assert [sheet.cell(row=r, column=7).value for r in (3, 4, 5)] == [False, True, True]


def test_a_lender_exports_only_what_it_may_read(app, live_url, prog, tmp_path):
    out = tmp_path / "loans.xlsx"
    result = _export(app, live_url, "bank-b", "loan.registered", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 0 rows" in result.output
    refused = _export(app, live_url, "bank-a", "ledger.genesis", str(tmp_path / "g.xlsx"))
    assert refused.exit_code == 1 and "not imported from spreadsheets" in refused.output
