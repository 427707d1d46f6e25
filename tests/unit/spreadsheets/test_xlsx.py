"""The streamed xlsx reader gives every cell as openpyxl's read-only, data-only mode reads it."""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Iterator

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from ledger.spreadsheets.cells import ErrorValue
from ledger.spreadsheets.reader import UnreadableFile, read_rows
from ledger.tabular_xlsx import ooxml_unescape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def openpyxl_rows(data: bytes, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """The reader as it was, on openpyxl's ReadOnlyWorksheet cells: what the streamed reader must equal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        worksheet = workbook.worksheets[0] if sheet is None else workbook[sheet]
        worksheet.reset_dimensions()
        for row in worksheet.iter_rows():
            cells = [c for c in row if getattr(c, "column", None) is not None]
            if not cells:
                continue
            values: list[Any] = [None] * max(c.column for c in cells)
            for c in cells:
                value = c.value
                if c.data_type == "e":
                    value = ErrorValue(str(value))
                elif isinstance(value, str):
                    value = ooxml_unescape(value)
                values[c.column - 1] = value
            yield cells[0].row, values
    finally:
        workbook.close()


def _typed(rows: list[tuple[int, list[Any]]]) -> list[tuple[int, list[tuple[type, Any]]]]:
    """Rows with each value's type beside it: 1 == 1.0 == True, and an ErrorValue equals its text."""
    return [(number, [(type(v), v) for v in values]) for number, values in rows]


def assert_read_alike(data: bytes, sheet: str | None = None) -> list[tuple[int, list[Any]]]:
    ours = list(read_rows("book.xlsx", data, sheet=sheet))
    assert _typed(ours) == _typed(list(openpyxl_rows(data, sheet)))
    return ours


def _save(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ROWS: list[list[Any]] = [
    ["贷款编号", "本金", "日期", "flag", None, "notes"],
    ["L1", 1250.5, datetime(2026, 3, 1, 10, 30), True, None, "_x000D_tail"],
    ["L2", 12, date(2026, 3, 2), False, 0, "a x005F_ b"],
    [None, -0.30000000000000004, time(13, 5), None, 1e20, "  spaced  "],
    [],
    ["L5", 10**15, timedelta(hours=30), "=SUM(B2:B3)", Decimal("3.10"), "#N/A"],
    ["", 1.0, datetime(1900, 3, 1), "x", None, "多行\n文本"],
]


@pytest.mark.parametrize("write_only", [False, True], ids=["workbook", "write-only"])
@pytest.mark.parametrize("epoch", ["1900", "1904"])
def test_cells_of_every_kind_read_as_openpyxl_reads_them(write_only, epoch):
    workbook = openpyxl.Workbook(write_only=write_only)
    if epoch == "1904":
        workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.create_sheet("data") if write_only else workbook.active
    for row in ROWS:
        sheet.append(row)
    if not write_only:
        sheet["H9"] = "far"  # a gap of rows and columns
        sheet["B12"].value = "#DIV/0!"
        sheet["B12"].data_type = "e"
        sheet["C12"] = CellRichText("plain ", TextBlock(InlineFont(b=True), "bold"), " end")
    rows = assert_read_alike(_save(workbook))
    assert rows[0] == (1, ROWS[0])
    assert rows[1][1][2] == datetime(2026, 3, 1, 10, 30)


def _package(sheet_xml: str, strings_xml: str | None = None) -> bytes:
    """An openpyxl workbook (a date style at index 1) with its first sheet's XML replaced, and a shared
    string table added when given (openpyxl itself writes only inline strings)."""
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = datetime(2026, 1, 1)  # puts a date format in cellXfs
    base = zipfile.ZipFile(io.BytesIO(_save(workbook)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for item in base.infolist():
            content = base.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_xml}</sheetData></worksheet>'.encode()
            elif item.filename == "[Content_Types].xml" and strings_xml is not None:
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
                content = content.replace(b"</Types>", override.encode() + b"</Types>")
            package.writestr(item, content)
        if strings_xml is not None:
            package.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{strings_xml}</sst>')
    return out.getvalue()


STRINGS = (
    "<si><t>plain</t></si>"
    "<si><r><rPr><b/></rPr><t>bold</t></r><r><t xml:space='preserve'> and more</t></r></si>"
    "<si><t>base</t><rPh sb='0' eb='1'><t>phonetic</t></rPh></si>"
    "<si><t>line&#10;two &amp; x005F_x000D_</t></si>"
    "<si><t/></si>"
    "<si><r><t>run first</t></r><t>then plain</t></si>"
)


@pytest.mark.parametrize(
    "sheet_xml",
    [
        # shared strings, numbers, booleans, dates by style, errors, formula results, ISO dates
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
        '<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>'
        '<row r="2"><c r="A2"><v>42</v></c><c r="B2" t="n"><v>1.5E3</v></c><c r="C2" s="1"><v>45000.5</v></c>'
        '<c r="D2" t="b"><v>1</v></c><c r="E2" t="e"><v>#REF!</v></c><c r="F2" t="str"><f>A1</f><v>text</v></c></row>'
        '<row r="3"><c r="A3" t="d"><v>2026-03-01T10:00:00</v></c><c r="B3"><f>1+1</f><v>2</v></c><c r="C3"><v></v></c>'
        '<c r="D3" t="inlineStr"/><c r="E3" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r><rPh sb="0" eb="1"><t>no</t></rPh></is></c></row>',
        # rows and cells without references: counted on from the last
        '<row><c><v>1</v></c><c t="inlineStr"><is><t>b</t></is></c></row><row><c r="C7"><v>3</v></c><c><v>4</v></c></row>'
        '<row r="9" spans="1:3" ht="20" customHeight="1"><c r="B9" s="1"><v>4.5e4</v></c></row>',
        # an empty row, a row of empty cells, blank-looking text
        '<row r="1"/><row r="2"><c r="A2"/><c r="B2" t="s"><v>4</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>  </t></is></c></row>',
    ],
    ids=["kinds", "no-references", "empties"],
)
def test_hand_written_sheets_read_as_openpyxl_reads_them(sheet_xml):
    assert_read_alike(_package(sheet_xml, STRINGS))


def test_a_date_out_of_range_reads_as_an_error_like_openpyxl():
    data = _package('<row r="1"><c r="A1" s="1"><v>1e12</v></c></row>')
    assert [(r, [type(v) for v in vs]) for r, vs in read_rows("b.xlsx", data)] == [(1, [ErrorValue])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about the date; the streamed reader does not
        assert_read_alike(data)


@pytest.mark.parametrize(
    ("sheet_xml", "words"),
    [
        ('<row r="1"><c r="A1"><v>1</v></c>', "malformed XML"),
        ('<row r="1"><c r="A1" t="s"><v>7</v></c></row>', "names shared string '7'"),
        ('<row r="1"><c r="1A"><v>1</v></c></row>', "'1A' is not a cell reference"),
        ('<row r="1"><c r="A1" t="b"><v>yes</v></c></row>', "cell A1"),
    ],
)
def test_a_broken_sheet_is_an_unreadable_file(sheet_xml, words):
    with pytest.raises(UnreadableFile, match=words):
        list(read_rows("b.xlsx", _package(sheet_xml, "<si><t>x</t></si>")))


def test_a_chart_sheet_is_not_read_as_cells():
    workbook = openpyxl.Workbook()
    workbook.active.append(["a"])
    workbook.create_chartsheet("chart")
    data = _save(workbook)
    assert list(read_rows("b.xlsx", data)) == [(1, ["a"])]
    with pytest.raises(UnreadableFile, match="'chart' is a chart sheet"):
        list(read_rows("b.xlsx", data, sheet="chart"))


def test_a_long_sheet_without_a_dimension_streams_every_row():
    workbook = openpyxl.Workbook(write_only=True)  # writes no <dimension>: openpyxl parsed such a sheet twice
    sheet = workbook.create_sheet()
    for n in range(3000):
        sheet.append([f"L{n}", n, n / 4])
    rows = assert_read_alike(_save(workbook))
    assert len(rows) == 3000 and rows[-1] == (3000, ["L2999", 2999, 749.75])
