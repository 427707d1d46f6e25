"""A sheet to payloads: headers by field name or alias, every bad cell named by row and column, and the
same schema as the server."""

from __future__ import annotations

import pytest

from ledger import errors
from ledger.domain.catalog import entry_type
from ledger.domain.rules import load_payload
from ledger.spreadsheets.columns import columns_of, header_names, importable_types, normalize_header
from ledger.spreadsheets.rows import column_letter, convert
from ledger.spreadsheets.tables import csv_cells, header, rows

DISBURSEMENTS = [
    (1, ["贷款编号", "发放金额", "币种", "发放日"]),
    (2, ["L1", 1000.5, "人民币", "2026/3/1"]),
    (3, ["L2", "2,000.00", "CNY", "2026-03-02T08:00:00+08:00"]),
]


def test_rows_become_the_payloads_the_server_checks():
    converted = convert("loan.disbursed", DISBURSEMENTS)
    assert converted.ok, converted.problems
    assert [(r.number, r.payload) for r in converted.rows] == [
        (2, {"loan": "L1", "amount": "1000.50", "currency": "CNY", "value_date": "2026-03-01T00:00:00Z"}),
        (3, {"loan": "L2", "amount": "2000.00", "currency": "CNY", "value_date": "2026-03-02T00:00:00Z"}),
    ]
    for row in converted.rows:
        load_payload(entry_type("loan.disbursed").schema, row.payload)
    assert converted.columns["amount"] == ("B", "发放金额")


def test_field_names_work_as_headers_in_any_case_and_spacing_and_currency_defaults_to_cny():
    converted = convert("loan.disbursed", [(1, ["Loan", "AMOUNT", "value date"]), (2, ["L1", "5", "2026-03-01"])])
    assert converted.ok, converted.problems
    assert converted.rows[0].payload["currency"] == "CNY"
    assert normalize_header("期限（月）") == normalize_header("期限(月)") == normalize_header(" 期限 (月) ")


def test_every_bad_cell_and_header_is_reported_in_sheet_order():
    converted = convert(
        "loan.registered",
        [
            (1, ["# loan book, March"]),
            (2, ["贷款编号", "项目编号", "本金", "年利率", "备注", "本金(元)"]),
            (3, ["L1", "p1", "12.345", "3.45"]),
            (4, [None, None, None, None]),
            (5, ["L 2", "p1", "100", None, "x", None, "stray"]),
        ],
    )
    assert [str(p) for p in converted.problems] == [
        "row 2: no column for term_months (期限(月)/期限/贷款期限(月)), which loan.registered requires",
        "row 2, column E (备注): not a column of loan.registered; its columns are loan (贷款编号/贷款号/借据号), project (项目编号), "
        "principal (本金/本金(元)/贷款本金/贷款金额/合同金额), currency (币种/货币), annual_rate_percent (年利率/年利率(%)/利率), "
        "term_months (期限(月)/期限/贷款期限(月)), exceeds_investment (超出总投资)",
        "row 2, column F (本金(元)): names principal again (column C does already)",
        "row 3, column C (本金): 12.345 has more than 2 decimal places; amounts are never rounded",
        "row 5, column A (贷款编号): must be 1-64 letters, digits or . _ / -, starting with a letter or digit",
        "row 5, column D (年利率): empty, but a value is required",
        "row 5, column G: a value in a column without a header",
    ]
    assert converted.header_row == 2 and not converted.ok


def test_list_items_are_named_by_position():
    converted = convert(
        "reward.disbursed",
        [(1, ["disbursement", "program", "project", "amount", "verifications"]), (2, ["rd-1", "rp", "p1", "10", "v1;bad id"])],
    )
    assert [str(p) for p in converted.problems] == [
        "row 2, column E (verifications): item 2: must be 1-64 letters, digits or . _ / -, starting with a letter or digit"
    ]


def test_an_empty_sheet_or_one_without_rows_says_so():
    assert [str(p) for p in convert("loan.repaid", []).problems] == ["row 1: the sheet is empty: it needs a header row naming loan.repaid's columns"]
    assert [str(p) for p in convert("loan.repaid", [(1, ["loan", "amount", "value_date"])]).problems] == ["row 1: no rows below the header"]


def test_types_no_sheet_carries_are_refused():
    for name in ("ledger.genesis", "checkpoint.key.rotated", "entry.corrected"):
        with pytest.raises(errors.InvalidInput, match="not imported from spreadsheets"):
            convert(name, [])
    with pytest.raises(errors.UnknownEntryType):
        columns_of("loan.forgiven")


@pytest.mark.parametrize("type_name", importable_types())
def test_every_importable_type_has_a_column_per_field_and_no_alias_names_two(type_name):
    columns = columns_of(type_name)
    assert [c.field for c in columns] == list(entry_type(type_name).schema().fields)
    names = header_names(type_name)
    for column in columns:
        for alias in (column.field, *column.aliases):
            assert names[normalize_header(alias)].field == column.field, (type_name, alias)
    assert len(header(type_name)) == len(columns)


def test_exported_rows_read_back_as_the_payloads():
    payloads = [
        {"loan": "L1", "amount": "1000.50", "currency": "CNY", "value_date": "2026-03-01T00:00:00Z"},
        {"loan": "L2", "amount": "7.00", "currency": "CNY", "value_date": "2026-03-01T10:00:00.000000Z"},
    ]
    table = rows("loan.disbursed", payloads)
    for cells in (table, [csv_cells(r) for r in table]):
        converted = convert("loan.disbursed", [(1, header("loan.disbursed")), *((n, r) for n, r in enumerate(cells, start=2))])
        assert [r.payload for r in converted.rows] == payloads


def test_column_letters():
    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
