"""Payloads back to rows, in the columns the import reads: a party's own records as a sheet it can edit,
keep, or import again. Pure.

Each cell is typed for the writer (``ledger.tabular_xlsx`` makes numbers numeric cells and times date
cells; ``csv_cells`` words them for a CSV): decimals as ``Decimal`` with their places, times as UTC
datetimes, lists joined with ``;``, booleans as booleans, an optional field left out as an empty cell.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable, Mapping

from ledger.crypto.canonical import parse_timestamp
from ledger.spreadsheets.cells import sheet_timestamp
from ledger.spreadsheets.columns import DECIMAL, INTEGER_LIST, TEXT_LIST, TIMESTAMP, Column, columns_of


def header(type_name: str, *, field_names: bool = False) -> list[str]:
    """Each column's first Chinese alias (the field's name where it has none), or the field names."""
    return [c.field if field_names or not c.aliases else c.aliases[0] for c in columns_of(type_name)]


def _cell(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == DECIMAL and isinstance(value, str):
        return Decimal(value)
    if column.kind == TIMESTAMP and isinstance(value, str):
        moment = parse_timestamp(value, field=column.field)
        # A date cell where the import signs it back as the same text; the text itself otherwise.
        return moment if sheet_timestamp(moment) == value and moment.microsecond % 1000 == 0 else value
    if column.kind in (TEXT_LIST, INTEGER_LIST) and isinstance(value, list):
        return ";".join(str(item) for item in value)
    return value


def rows(type_name: str, payloads: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """One row per payload (as signed: JSON values), in ``header``'s column order."""
    columns = columns_of(type_name)
    return [[_cell(c, payload.get(c.field)) for c in columns] for payload in payloads]


def csv_cells(row: Iterable[Any]) -> list[Any]:
    """A row's cells as a CSV writes them: RFC 3339 times, decimals with their places, true/false."""
    out: list[Any] = []
    for value in row:
        if isinstance(value, datetime):
            value = sheet_timestamp(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, Decimal):
            value = format(value, "f")
        out.append(value)
    return out
