"""Files to rows: CSV in UTF-8 (with or without BOM) or GB18030, xlsx read-only with computed values."""

from __future__ import annotations

import io

import openpyxl
import pytest

from ledger.spreadsheets.cells import ErrorValue
from ledger.spreadsheets.reader import UnreadableFile, read_rows

TEXT = "贷款编号,本金\r\nL1,\"1,250.00\"\r\n,\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_the_encodings_spreadsheets_save(encoding):
    assert list(read_rows("a.csv", TEXT.encode(encoding))) == [(1, ["贷款编号", "本金"]), (2, ["L1", "1,250.00"]), (3, [None, None])]


def test_a_csv_in_neither_encoding_is_refused():
    with pytest.raises(UnreadableFile, match="neither UTF-8 nor GB18030"):
        list(read_rows("a.csv", b"\x80\xff\xfe"))


def _workbook(**sheets: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, cells in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in cells:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_rows_keep_their_numbers_and_the_first_or_named_sheet_is_read():
    data = _workbook(first=[["a", "b"], ["x", 1.5], [], [None, "_x000D_tail"]], second=[["other"]])
    assert list(read_rows("book.XLSX", data)) == [(1, ["a", "b"]), (2, ["x", 1.5]), (4, [None, "\rtail"])]
    assert list(read_rows("book.xlsx", data, sheet="second")) == [(1, ["other"])]
    with pytest.raises(UnreadableFile, match="no sheet named 'third'"):
        list(read_rows("book.xlsx", data, sheet="third"))


def test_formulas_give_their_computed_value_and_errors_are_marked():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "=1+1"  # openpyxl stores no computed value: the cell reads as empty, never as its formula
    sheet["B1"].value = "#DIV/0!"
    sheet["B1"].data_type = "e"
    buffer = io.BytesIO()
    workbook.save(buffer)
    ((_, values),) = list(read_rows("f.xlsx", buffer.getvalue()))
    assert values[0] is None and isinstance(values[1], ErrorValue)


@pytest.mark.parametrize(("name", "words"), [("a.xls", "save the sheet as .xlsx"), ("a.txt", "expected a .csv or .xlsx")])
def test_other_files_are_refused(name, words):
    with pytest.raises(UnreadableFile, match=words):
        list(read_rows(name, b"x"))
    with pytest.raises(UnreadableFile, match="not an .xlsx workbook"):
        list(read_rows("a.xlsx", b"not a zip"))
