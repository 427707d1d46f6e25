"""One cell to its payload value: exact amounts (never through float arithmetic), dates in UTC, lists,
booleans, codes, and a message for every cell that cannot be read."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timezone
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.spreadsheets.cells import CellError, ErrorValue, cell_value
from ledger.spreadsheets.columns import columns_of
from ledger.spreadsheets.reader import xlsx_rows
from ledger.tabular import neutralize
from ledger.tabular_xlsx import to_xlsx

COLUMNS = {c.field: c for t in ("loan.registered", "loan.disbursed", "park.registered", "reduction.verified", "reward.disbursed", "party.registered", "project.registered") for c in columns_of(t)}
MONEY, TONNES, RATE = COLUMNS["principal"], COLUMNS["baseline_emissions"], COLUMNS["annual_rate_percent"]
FUZZ = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1250.00", "1250.00"),
        ("1250", "1250.00"),
        (" 1,250,000.5 ", "1250000.50"),
        ("1250.000", "1250.00"),  # the same amount, exactly
        (1250, "1250.00"),
        (1250.5, "1250.50"),
        (0.1, "0.10"),
        (Decimal("7.1"), "7.10"),
        ("-5", "-5.00"),  # the schema says whether a field may be negative
        (99999999999999.5, "99999999999999.50"),
    ],
)
def test_amounts_are_read_exactly(value, expected):
    assert cell_value(MONEY, value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("12.345", "has more than 2 decimal places; amounts are never rounded"),
        (0.1 + 0.2, "0.30000000000000004 has more than 2 decimal places; amounts are never rounded (a floating-point artefact"),
        (1234567890123456.0, "more significant digits than a spreadsheet keeps (15)"),
        (12345678901234567, "more significant digits than a spreadsheet keeps (15)"),
        ("1.25E+03", "is not a decimal number"),
        ("¥1250", "is not a decimal number"),
        ("12,50", "is not a decimal number"),
        (True, "expected a number"),
        (float("nan"), "not a number"),
        (datetime(2026, 1, 1), "expected a number, found a date"),
    ],
)
def test_an_amount_that_is_not_exact_is_refused_never_rounded(value, words):
    with pytest.raises(CellError, match=None) as refused:
        cell_value(MONEY, value)
    assert words in str(refused.value)


def test_places_come_from_the_field():
    assert cell_value(TONNES, "1200.5") == "1200.500"
    assert cell_value(RATE, 3.45) == "3.4500"
    with pytest.raises(CellError):
        cell_value(TONNES, "1.0001")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01", "2026-03-01T00:00:00Z"),
        ("2026/3/1", "2026-03-01T00:00:00Z"),
        ("2026年3月1日", "2026-03-01T00:00:00Z"),
        ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z"),
        ("2026-03-01 10:00", "2026-03-01T10:00:00Z"),
        ("2026-03-01T10:00:00.25+08:00", "2026-03-01T02:00:00.250000Z"),
        ("2026-03-01 08:00 +0800", "2026-03-01T00:00:00Z"),
        (datetime(2026, 3, 1, 10, 30), "2026-03-01T10:30:00Z"),  # an Excel date: naive, read as UTC
        (datetime(2026, 3, 1, 18, 30, tzinfo=timezone.utc), "2026-03-01T18:30:00Z"),
        (date(2026, 3, 1), "2026-03-01T00:00:00Z"),
    ],
)
def test_dates_are_iso_text_or_real_dates_in_utc(value, expected):
    assert cell_value(COLUMNS["value_date"], value) == expected


@pytest.mark.parametrize(("value", "words"), [("2026-02-30", "not a real date"), ("01/03/2026", "not a date"), (46082, "not a date"), (time(10), "without a date")])
def test_a_cell_that_is_not_a_date_says_so(value, words):
    with pytest.raises(CellError) as refused:
        cell_value(COLUMNS["value_date"], value)
    assert words in str(refused.value)


def test_lists_split_on_semicolons_ascii_or_full_width():
    industries = COLUMNS["leading_industries"]
    assert cell_value(industries, "新能源；电子信息; 装备制造;") == ["新能源", "电子信息", "装备制造"]
    assert cell_value(industries, neutralize("a;=b")) == ["a", "=b"]
    assert cell_value(COLUMNS["roles"], "贷款行;verifier") == ["lender", "verifier"]


def test_words_for_allowed_values_and_yes_or_no():
    assert cell_value(COLUMNS["currency"], "人民币") == "CNY"
    assert cell_value(COLUMNS["currency"], "rmb") == "CNY"
    assert cell_value(COLUMNS["economic_zone"], "攀西经济区") == "panxi"
    flag = COLUMNS["exceeds_investment"]
    assert [cell_value(flag, v) for v in ("是", "否", "TRUE", "no", 1, False)] == [True, False, True, False, True, False]
    with pytest.raises(CellError):
        cell_value(flag, "maybe")


def test_codes_typed_as_numbers_are_text_but_a_fraction_is_refused():
    assert cell_value(COLUMNS["loan"], 20260001) == "20260001"
    assert cell_value(COLUMNS["loan"], 2026.0) == "2026"
    with pytest.raises(CellError, match="format the column as Text"):
        cell_value(COLUMNS["category"], 3.1)
    assert cell_value(COLUMNS["name"], "  " + neutralize('=HYPERLINK("x")') + " ") == '=HYPERLINK("x")'


def test_whole_numbers_and_hashes():
    term = COLUMNS["term_months"]
    assert [cell_value(term, v) for v in (60, 60.0, " 60 ")] == [60, 60, 60]
    with pytest.raises(CellError, match="not a whole number"):
        cell_value(term, 60.5)
    digest = COLUMNS["report_sha256"]
    hexed = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert cell_value(digest, hexed) == "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="


def test_a_spreadsheet_error_is_no_value():
    with pytest.raises(CellError, match="#DIV/0!"):
        cell_value(MONEY, ErrorValue("#DIV/0!"))


def _decimals(places: int) -> st.SearchStrategy[Decimal]:
    bound = Decimal(10) ** 18 - Decimal(1).scaleb(-places)
    return st.decimals(min_value=-bound, max_value=bound, places=places, allow_nan=False, allow_infinity=False)


def _through_xlsx(cells: list[object]) -> list[object]:
    """Cells written by openpyxl as given, read back through the importer's reader."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for column, value in enumerate(cells, start=1):
        cell = sheet.cell(row=1, column=column)
        if isinstance(value, tuple):  # ("n", text): a number as Excel writes it, its shortest round-trip text
            cell._value, cell.data_type = value[1], "n"
        else:
            cell.value = value
            cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    ((_, values),) = list(xlsx_rows(buffer.getvalue()))
    return values


@FUZZ
@given(st.sampled_from([MONEY, TONNES, RATE]).flatmap(lambda c: st.tuples(st.just(c), _decimals(c.places))))
def test_any_decimal_with_the_fields_places_round_trips_as_a_number_or_as_text(column_and_value):
    column, value = column_and_value
    expected = f"{value:.{column.places}f}"
    as_text, as_number = _through_xlsx([expected, ("n", repr(float(value)))])
    assert cell_value(column, as_text) == expected
    digits = len(value.normalize().as_tuple().digits)
    if digits <= 15:  # all a spreadsheet number holds: then it is exact
        assert cell_value(column, as_number) == expected
    else:  # the number in the file is already another one: read as it stands, or refused, never rounded
        held = Decimal(repr(float(value)))
        try:
            assert cell_value(column, as_number) == f"{held:.{column.places}f}"
        except CellError:
            pass
    ((_, written),) = list(xlsx_rows(to_xlsx(["v"], [[value]])))[1:]
    assert cell_value(column, written[0]) == expected  # greenledger's own writer: a number where it is exact


@FUZZ
@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30).filter(lambda t: t.strip() == t and "'" not in t))
def test_text_written_by_greenledger_reads_back_as_it_was(text):
    ((_, written),) = list(xlsx_rows(to_xlsx(["v"], [[text]])))[1:]
    assert cell_value(COLUMNS["legal_name"], written[0]) == text.strip(" \t\r\n\u00a0\u3000\u200b\ufeff")
