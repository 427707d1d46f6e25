"""A sheet's rows to payloads: map the header, read every cell, check every payload, name every problem.

Rows are numbered as the spreadsheet shows them (the header is row 1 in a plain sheet) and columns by
their letter and header, so a problem reads ``row 14, column C (本金): 1250.005 has more than 2 decimal
places``. Every row is read and checked before anything is signed, and every bad cell is reported, not
just the first. Pure: the reader gives the rows, this module never opens a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from ledger import errors
from ledger.crypto.canonical import canonical_json
from ledger.domain.catalog import entry_type
from ledger.domain.rules import load_payload
from ledger.spreadsheets.cells import CellError, cell_value, is_empty
from ledger.spreadsheets.columns import DEFAULT_CURRENCY, Column, columns_of, header_names, normalize_header

#: marshmallow's words for a required field left out, which on a sheet means an empty cell.
_MISSING = "Missing data for required field."


@dataclass(frozen=True)
class CellProblem:
    """Why one cell (or a whole row, when ``column`` is None) cannot become its entry."""

    row: int
    column: str | None
    header: str | None
    message: str

    def __str__(self) -> str:
        if self.column is None:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, column {self.column}{f' ({self.header})' if self.header else ''}: {self.message}"


@dataclass(frozen=True)
class SheetRow:
    """A row that passed: its number in the sheet and the payload (JSON values) it signs."""

    number: int
    payload: dict[str, Any]
    #: ``canonical_json(payload)``, as the check made it (empty: not made); not part of the row's identity.
    canonical: bytes = field(default=b"", compare=False, repr=False)


@dataclass
class Converted:
    entry_type: str
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    #: The header row's number; field -> (column letter, header text) of each column read.
    header_row: int = 1
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def column_letter(position: int) -> str:
    """1 -> A, 27 -> AA, as spreadsheets name columns."""
    letters = ""
    while position > 0:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _is_comment(values: Sequence[Any]) -> bool:
    """A line such as greenledger's CSV and xlsx exports put above the header: ``# kind … at tree size N``."""
    filled = [v for v in values if not is_empty(v)]
    return len(filled) == 1 and isinstance(values[0], str) and values[0].lstrip().startswith("#")


def split_header(rows: Iterable[tuple[int, Sequence[Any]]]) -> tuple[tuple[int, Sequence[Any]] | None, Iterator[tuple[int, Sequence[Any]]]]:
    """The header row (the first that is neither blank nor a ``#`` comment) and the rows after it."""
    iterator = iter(rows)
    for number, values in iterator:
        if all(is_empty(v) for v in values) or _is_comment(values):
            continue
        return (number, values), iterator
    return None, iterator


def _messages(field_name: str, path: str, messages: list[str]) -> str:
    words = "; ".join("empty, but a value is required" if m == _MISSING else m.rstrip(".") for m in messages)
    item = path[len(field_name) + 1 :]
    return f"item {int(item) + 1}: {words}" if item.isdigit() else words


def convert(type_name: str, rows: Iterable[tuple[int, Sequence[Any]]]) -> Converted:
    """Read a sheet of ``type_name`` rows into payloads.

    :param rows: (row number, cell values) in sheet order, the header among them.
    :returns: the payloads of the rows that passed and a problem for every bad cell, header and row.
    :raises UnknownEntryType, InvalidInput: for a type that is unknown or not imported from sheets.
    """
    columns = columns_of(type_name)
    schema = entry_type(type_name).schema
    known = header_names(type_name)
    result = Converted(type_name)
    header, data = split_header(rows)
    if header is None:
        result.problems.append(CellProblem(1, None, None, f"the sheet is empty: it needs a header row naming {type_name}'s columns"))
        return result
    result.header_row, header_cells = header

    mapped: dict[int, Column] = {}
    headers: dict[int, str] = {}
    unnamed: set[int] = set()
    for position, raw in enumerate(header_cells, start=1):
        text = _header_text(raw)
        letter = column_letter(position)
        if not text:
            unnamed.add(position)
            continue
        column = known.get(normalize_header(text))
        if column is None:
            result.problems.append(
                CellProblem(result.header_row, letter, text, f"not a column of {type_name}; its columns are {', '.join(c.describe() for c in columns)}")
            )
        elif column.field in result.columns:
            result.problems.append(
                CellProblem(result.header_row, letter, text, f"names {column.field} again (column {result.columns[column.field][0]} does already)")
            )
        else:
            mapped[position] = column
            headers[position] = text
            result.columns[column.field] = (letter, text)
    default_currency = "currency" not in result.columns and any(c.field == "currency" for c in columns)
    absent = {c.field for c in columns if c.required and c.field not in result.columns and not (c.field == "currency" and default_currency)}
    for column in columns:
        if column.field in absent:
            result.problems.append(CellProblem(result.header_row, None, None, f"no column for {column.describe()}, which {type_name} requires"))

    stray: set[int] = set()
    rows_seen = 0
    for number, values in data:
        if all(is_empty(v) for v in values):
            continue
        rows_seen += 1
        payload: dict[str, Any] = {"currency": DEFAULT_CURRENCY} if default_currency else {}
        canonical = b""
        unread: set[str] = set()
        before = len(result.problems)
        for position, value in enumerate(values, start=1):
            column = mapped.get(position)
            if column is None:
                if not is_empty(value) and position not in stray and (position in unnamed or position > len(header_cells)):
                    stray.add(position)
                    result.problems.append(CellProblem(number, column_letter(position), None, "a value in a column without a header"))
                continue
            if is_empty(value):
                continue
            try:
                payload[column.field] = cell_value(column, value)
            except CellError as exc:
                unread.add(column.field)
                result.problems.append(CellProblem(number, column_letter(position), headers[position], str(exc)))
        try:
            load_payload(schema, payload, prefix="")
        except errors.InvalidInput as exc:
            by_field: dict[str, list[str]] = exc.extra.get("errors") or {exc.field or "": [exc.detail]}
            for path, messages in by_field.items():
                name = path.split(".")[0]
                if name in unread or name in absent:
                    continue
                where = result.columns.get(name)
                if where is None:
                    result.problems.append(CellProblem(number, None, None, f"{path}: {'; '.join(messages)}"))
                else:
                    result.problems.append(CellProblem(number, where[0], where[1], _messages(name, path, messages)))
        else:
            try:
                canonical = canonical_json(payload)
            except errors.LedgerError as exc:
                result.problems.append(CellProblem(number, None, None, exc.detail))
        if len(result.problems) == before and not unread:
            result.rows.append(SheetRow(number, payload, canonical))
    if not rows_seen:
        result.problems.append(CellProblem(result.header_row, None, None, "no rows below the header"))
    result.problems.sort(key=lambda p: (p.row, len(p.column or ""), p.column or ""))
    return result
