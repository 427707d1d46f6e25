"""The rows of a spreadsheet file: .csv (UTF-8, with or without BOM, else GB18030) or .xlsx (openpyxl).

Each row comes as (its number in the sheet, its cell values): text as str, an xlsx number as int or
float, a date as a naive datetime, a boolean as bool, an empty cell as None. Nothing is interpreted here:
``ledger.spreadsheets.rows`` decides what each cell means for its column.
"""

from __future__ import annotations

import io
import warnings
from pathlib import PurePath
from typing import Any, Iterator, Sequence

from ledger import errors, tabular
from ledger.spreadsheets.cells import ErrorValue
from ledger.tabular_xlsx import ooxml_unescape

#: What Excel on a Chinese system saves "CSV" in, when it is not UTF-8.
FALLBACK_ENCODING = "gb18030"


class UnreadableFile(errors.InvalidInput):
    code = "unreadable-spreadsheet"
    title = "Unreadable spreadsheet"


def decode_csv(data: bytes) -> str:
    """UTF-8 (a byte-order mark dropped), else GB18030.

    :raises UnreadableFile: when it is neither.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(FALLBACK_ENCODING)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"the file is neither UTF-8 nor GB18030 text (byte {exc.start}): save it as CSV UTF-8 or .xlsx") from None


def csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    for number, cells in enumerate(tabular.read_csv(decode_csv(data)), start=1):
        yield number, [cell if cell != "" else None for cell in cells]


def _xlsx_value(cell: Any) -> Any:
    if cell.data_type == "e":
        return ErrorValue(str(cell.value))
    value = cell.value
    if isinstance(value, str):
        return ooxml_unescape(value)
    return value


def xlsx_rows(data: bytes, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """The rows of the first sheet (or the one named), read-only, with the values formulas last computed to.

    :raises UnreadableFile: not an xlsx workbook, or no such sheet.
    """
    import zipfile

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"not an .xlsx workbook ({exc})") from None
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise UnreadableFile(f"no sheet named {sheet!r}; the workbook has {', '.join(workbook.sheetnames)}")
        worksheet.reset_dimensions()  # some writers record a wrong size: read every row there is
        for row in worksheet.iter_rows():
            cells = [c for c in row if getattr(c, "column", None) is not None]
            if not cells:
                continue
            values: list[Any] = [None] * max(c.column for c in cells)
            for c in cells:
                values[c.column - 1] = _xlsx_value(c)
            yield cells[0].row, values
    finally:
        workbook.close()


SUFFIXES: Sequence[str] = (".csv", ".xlsx")


def read_rows(name: str, data: bytes, *, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """The rows of ``data``, a file called ``name`` (its suffix says which kind).

    :raises UnreadableFile: for another suffix, or a file that is not what its suffix says.
    """
    suffix = PurePath(name).suffix.lower()
    if suffix == ".csv":
        if sheet is not None:
            raise UnreadableFile("a CSV file has one sheet: --sheet is for .xlsx workbooks")
        return csv_rows(data)
    if suffix == ".xlsx":
        return xlsx_rows(data, sheet)
    if suffix in (".xls", ".et", ".ods", ".numbers"):
        raise UnreadableFile(f"{suffix} files are not read: save the sheet as .xlsx (Excel Workbook) or CSV UTF-8")
    raise UnreadableFile(f"{name}: expected a .csv or .xlsx file")
