"""The xlsx writer: text is never a formula, numbers are exact, and what openpyxl reads back is what was
written; ``restore`` undoes ``neutralize``."""

from __future__ import annotations

import ast
import io
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ledger import tabular
from ledger.tabular import neutralize, restore
from ledger.tabular_xlsx import number_text, ooxml_escape, ooxml_unescape, to_xlsx

REPO = Path(__file__).resolve().parents[2]
HOSTILE = '=HYPERLINK("http://evil.example","x")'
SPECIAL = "=+-@\t\r\n＝＋－＠﹦﹢﹣﹫,;\" .0123456789\u200b\ufeff\u00a0\u2028\u2029\x85\x0b\x0c\x1c\x07_x0041\\#"
texts = st.text(st.one_of(st.sampled_from(SPECIAL), st.characters(codec="utf-8", exclude_characters="\x00'")), max_size=24)
FUZZ = settings(max_examples=300, deadline=None)


def _cells(data: bytes) -> list[list[openpyxl.cell.cell.Cell]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


def test_a_hostile_name_is_a_string_cell_not_a_formula() -> None:
    rows = _cells(to_xlsx(["park", "name"], [["tianfu-hq", HOSTILE], ["p2", "@SUM(1,1)"], ["p3", "+1"]]))
    for row in rows[1:]:
        assert row[1].data_type == "s"
        assert not str(row[1].value).startswith(("=", "+", "@"))
    assert rows[1][1].value == neutralize(HOSTILE)
    assert restore(rows[1][1].value) == HOSTILE


def test_numbers_are_numeric_cells_with_their_exact_text() -> None:
    data = to_xlsx(["a", "b", "c", "d"], [[Decimal("1250.00"), 60, Decimal("12345678901234567.89"), Decimal("0.30000000000000004")]])
    row = _cells(data)[1]
    assert [c.data_type for c in row] == ["n", "n", "s", "s"]
    assert row[0].value == 1250 and row[0].number_format == "0.00"
    assert row[2].value == "12345678901234567.89"
    assert b"<v>1250.00</v>" in _sheet_xml(data)


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_times_are_date_cells_when_a_spreadsheet_keeps_them_exactly() -> None:
    whole = datetime(2026, 3, 1, 10, 30, tzinfo=timezone.utc)
    fine = datetime(2026, 3, 1, 10, 30, 0, 123456, tzinfo=timezone.utc)
    row = _cells(to_xlsx(["a", "b"], [[whole, fine]]))[1]
    assert row[0].value == whole.replace(tzinfo=None) and row[0].is_date
    assert row[1].data_type == "s" and row[1].value == "2026-03-01T10:30:00.123456Z"


def test_a_comment_row_comes_before_the_header() -> None:
    rows = _cells(to_xlsx(["kind"], [["x"]], comment="summary\nat =1"))
    assert rows[0][0].value == tabular.comment_line("summary\nat =1").rstrip("\n")
    assert rows[1][0].value == "kind" and rows[1][0].font.bold


@FUZZ
@given(st.lists(texts, min_size=1, max_size=4))
def test_text_reads_back_as_the_neutralized_text_and_restores_to_what_was_written(cells: list[str]) -> None:
    row = _cells(to_xlsx(["h"] * len(cells), [cells]))[1]
    for written, cell in zip(cells, row, strict=True):
        if written == "":
            assert cell.value is None
            continue
        assert cell.data_type == "s"
        assert ooxml_unescape(cell.value) == neutralize(written)
        assert restore(ooxml_unescape(cell.value)) == written


@FUZZ
@given(texts)
def test_restore_undoes_neutralize(text: str) -> None:
    assert restore(neutralize(text)) == text
    assert neutralize(restore(neutralize(text))) == neutralize(text)


@FUZZ
@given(st.text(st.sampled_from("_x0041Ff\x07\x1f\ufffe"), max_size=20))
def test_ooxml_escapes_round_trip(text: str) -> None:
    assert ooxml_unescape(ooxml_escape(text)) == text


@FUZZ
@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=Decimal("-1e13"), max_value=Decimal("1e13")))
def test_a_number_of_fifteen_digits_reads_back_exactly(value: Decimal) -> None:
    text = number_text(value)
    assume(not (value.is_zero() and value.is_signed()))
    assert text is not None and Decimal(text) == value
    read = _cells(to_xlsx(["v"], [[value]]))[1][0].value
    assert Decimal(repr(read)) == value


def test_only_the_xlsx_writer_and_the_spreadsheet_reader_import_openpyxl() -> None:
    allowed = {REPO / "ledger" / "tabular_xlsx.py", REPO / "ledger" / "spreadsheets" / "reader.py"}
    offenders = []
    for path in sorted(REPO.joinpath("ledger").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(name.split(".")[0] == "openpyxl" for name in names) and path not in allowed:
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
