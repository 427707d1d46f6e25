"""The one CSV writer: no cell a spreadsheet could run as a formula, numbers kept as numbers, and what a
CSV reader reads back is exactly the neutralized text."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import tabular
from ledger.tabular import FORMULA_STARTS, NEUTRALIZER, comment_line, csv_row, is_formula, neutralize, to_csv

REPO = Path(__file__).resolve().parents[2]

#: Text with the characters that matter over-represented: formula starts, separators, quotes, every kind
#: of line break, invisible characters, digits and points.
SPECIAL = "=+-@\t\r\n＝＋－＠﹦﹢﹣﹫,;\"' .0123456789\u200b\ufeff\u00a0\u2028\u2029\x85\x0b\x0c\x1c\\#"
texts = st.text(st.one_of(st.sampled_from(SPECIAL), st.characters(codec="utf-8", exclude_characters="\x00")), max_size=24)
FUZZ = settings(max_examples=500, deadline=None)


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _is_plain_number(text: str) -> bool:
    return tabular.PLAIN_NUMBER.fullmatch(text) is not None


def _first_seen(text: str) -> str:
    return tabular._first_seen(text)


def _runs(piece: str) -> bool:
    """Whether a spreadsheet would run ``piece``: a visible formula character first, once it has passed
    over spaces, controls, invisible characters and quotes (what a reader that cuts a file elsewhere than
    its writer meant leaves in front). Stricter for whole cells, where any FORMULA_STARTS counts."""
    first = _first_seen(piece)
    return first != "" and first in "=+-@＝＋－＠﹦﹢﹣﹫" and not _is_plain_number(piece)


@pytest.mark.parametrize(
    "hostile",
    [
        '=HYPERLINK("http://evil.example","x")',
        "=cmd|' /C calc'!A0",
        "+1+1",
        "-2+3",
        "-",
        "@SUM(1,1)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "＝1+1",
        "＋1",
        "－1",
        "＠SUM(A1)",
        " =1+1",
        "\u00a0=1+1",
        "\u200b=1+1",
        "\ufeff=1+1",
        "+86 28 8888 8888",
        "-5e3",
        "-.5",
        "--5",
        "-5.",
        "+5",
        '"=1+1"',
        "\"\"=1+1",
    ],
)
def test_a_cell_that_could_be_a_formula_gets_a_quote_in_front(hostile: str) -> None:
    if not any(c in hostile for c in ",;\t\r\n"):
        assert neutralize(hostile) == NEUTRALIZER + hostile
    assert neutralize(hostile).startswith(NEUTRALIZER)
    [[cell]] = _read(csv_row([hostile]))
    assert cell == neutralize(hostile) and cell[0] == "'"


@pytest.mark.parametrize("number", ["-58.23", "58.23", "0", "-0", "-0.00", "3000000.00", "1812.500", "2024", "-27.91"])
def test_a_plain_decimal_number_stays_a_number(number: str) -> None:
    assert neutralize(number) == number
    assert csv_row(["a", number]) == f"a,{number}\n"


def test_what_comes_before_the_first_visible_character_is_covered_by_the_one_quote() -> None:
    assert neutralize("\t=1+1") == "'\t=1+1"
    assert neutralize("\r\n=1+1") == "'\r\n=1+1"
    assert neutralize(" ;=1") == " ;'=1"  # a separator is visible: what follows it is a piece of its own


def test_text_after_a_separator_inside_a_cell_is_held_to_the_same_rule() -> None:
    assert neutralize("Chengdu;=1+1") == "Chengdu;'=1+1"
    assert neutralize("Chengdu,@SUM(A1)") == "Chengdu,'@SUM(A1)"
    assert neutralize("a\n-1+1") == "a\n'-1+1"
    assert neutralize("Sichuan, China") == "Sichuan, China"
    assert neutralize("change;-58.23") == "change;-58.23"  # a number stays one, wherever it is cut


@pytest.mark.parametrize("safe", ["Chengdu", "Tianfu Headquarters Business District", "tianfu-hq", "p1", "91510100MA61R8LX4E", "成都", "'=already quoted"])
def test_ordinary_text_is_written_as_it_is(safe: str) -> None:
    assert neutralize(safe) == safe


def test_none_is_an_empty_cell_and_other_values_their_text() -> None:
    assert csv_row([None, 12, "x"]) == ",12,x\n"
    assert _read(csv_row([None])) == [[""]]


@given(texts)
@FUZZ
def test_no_written_cell_starts_as_a_formula_unless_it_is_a_plain_number(text: str) -> None:
    cell = neutralize(text)
    if _is_plain_number(text):
        assert cell == text
    else:
        assert cell[:1] not in FORMULA_STARTS and _first_seen(cell) not in FORMULA_STARTS
        assert not is_formula(cell)
    if tabular._PIECE_BREAK.search(text) is None:  # one piece: at most the quote is added
        assert cell in (text, NEUTRALIZER + text)


def _starts_without_a_break(text: str) -> bool:
    """No tab or line break before the first visible character: a cell that has one is covered by the one
    quote in front (OWASP's rule), which only a reader that honours quotes keeps in the same cell."""
    lead = text[: tabular._lead(text)]
    return tabular._PIECE_BREAK.search(lead) is None


@given(texts.filter(_starts_without_a_break))
@FUZZ
def test_no_line_of_a_written_cell_starts_as_a_formula(text: str) -> None:
    for line in neutralize(text).splitlines():
        assert not _runs(line), line


@given(st.lists(texts.filter(_starts_without_a_break), min_size=1, max_size=6))
@FUZZ
def test_no_line_of_a_written_row_starts_as_a_formula(cells: list[str]) -> None:
    """A tool that reads the file line by line, ignoring quotes, sees no formula either."""
    for line in csv_row(cells).splitlines():
        for piece in line.split(","):
            assert not _runs(piece), piece


@given(st.lists(texts, min_size=1, max_size=6))
@FUZZ
def test_a_csv_reader_reads_back_exactly_the_neutralized_cells(cells: list[str]) -> None:
    assert _read(csv_row(cells)) == [[neutralize(c) for c in cells]]


@given(st.lists(texts.filter(_starts_without_a_break), min_size=1, max_size=6))
@FUZZ
def test_a_reader_splitting_on_semicolons_or_tabs_still_sees_no_formula(cells: list[str]) -> None:
    """Spreadsheets in locales whose separator is ";" split there, quotes or not."""
    for delimiter in (";", "\t"):
        for row in csv.reader(io.StringIO(csv_row(cells), newline=""), delimiter=delimiter):
            for cell in row:
                assert not _runs(cell), (delimiter, cell)


@given(texts)
@FUZZ
def test_a_comment_line_is_one_line_and_one_cell_whatever_it_says(text: str) -> None:
    line = comment_line(text)
    assert line.startswith("# ") and line.endswith("\n")
    assert len(line.splitlines()) == 1
    for delimiter in (",", ";", "\t"):
        [row] = list(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter))
        assert len(row) == 1 and row[0] == line[:-1]


def test_a_comment_line_keeps_an_ordinary_subject_readable() -> None:
    assert comment_line("project tianfu-hq/p0001 at tree size 12 root AbC+/9=") == "# project tianfu-hq/p0001 at tree size 12 root AbC+/9=\n"
    assert comment_line("park a,=1\r\nb") == "# park a\\x2c=1\\x0d\\x0ab\n"


@given(st.lists(texts, min_size=1, max_size=4), st.lists(st.lists(texts, min_size=1, max_size=4), max_size=4), texts)
@FUZZ
def test_a_document_is_its_comment_header_and_rows(header: list[str], rows: list[list[str]], comment: str) -> None:
    document = to_csv(header, rows, comment=comment)
    first, _, rest = document.partition("\n")
    assert first + "\n" == comment_line(comment)
    assert _read(rest) == [[neutralize(c) for c in line] for line in [header, *rows]]


def test_no_other_module_writes_csv() -> None:
    """Every table the project writes goes through ledger.tabular: nothing else imports csv."""
    offenders = []
    for path in sorted([*REPO.joinpath("ledger").rglob("*.py"), *REPO.joinpath("bench").rglob("*.py")]):
        if path == REPO / "ledger" / "tabular.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(name == "csv" or name.startswith("csv.") for name in names):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
