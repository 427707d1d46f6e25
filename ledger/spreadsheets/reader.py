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
from ledger.spreadsheets import xlsx
from ledger.spreadsheets.cells import ErrorValue
from ledger.spreadsheets.xlsx import Cell
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


def _xlsx_value(cell: Cell) -> Any:
    if cell.data_type == "e":
        return ErrorValue(str(cell.value))
    value = cell.value
    if isinstance(value, str):
        return ooxml_unescape(value)
    return value


def xlsx_rows(data: bytes, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """The rows of the first sheet (or the one named), with the values formulas last computed to.

    openpyxl reads the workbook's parts (its sheets, the styles that make numbers dates, the epoch);
    ``ledger.spreadsheets.xlsx`` streams the shared strings and the sheet's cells, as openpyxl's
    read-only mode would read them, every row there is (whatever size the file records).

    :raises UnreadableFile: not an xlsx workbook, no such sheet, or malformed XML in it.
    """
    import zipfile

    from openpyxl.reader.excel import ExcelReader, _find_workbook_part
    from openpyxl.reader.workbook import WorkbookParser
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.utils.datetime import from_excel, from_ISO8601
    from openpyxl.xml.constants import SHARED_STRINGS

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            package = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
            package.read_manifest()
            parser = WorkbookParser(package.archive, _find_workbook_part(package.package).PartName[1:])
            parser.parse()
            workbook = parser.wb
            apply_stylesheet(package.archive, workbook)
            parts = [(s.name, rel.target, "chartsheet" in rel.Type) for s, rel in parser.find_sheets() if rel.target in package.valid_files]
            strings_part = package.package.find(SHARED_STRINGS)
            strings: list[str] = []
            if strings_part is not None:
                with package.archive.open(strings_part.PartName[1:]) as source:
                    strings = xlsx.shared_strings(source)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:  # SyntaxError: ElementTree's ParseError
        raise UnreadableFile(f"not an .xlsx workbook ({exc})") from None
    names = [name for name, _, _ in parts]
    if sheet is None:
        target = next((t for _, t, chart in parts if not chart), None)
        if target is None:
            raise UnreadableFile("the workbook has no worksheet")
    elif sheet in names:
        name, target, chart = parts[names.index(sheet)]
        if chart:
            raise UnreadableFile(f"{sheet!r} is a chart sheet, not a sheet of cells")
    else:
        raise UnreadableFile(f"no sheet named {sheet!r}; the workbook has {', '.join(names)}")
    epoch = workbook.epoch
    try:
        with package.archive.open(target) as source:
            rows = xlsx.sheet_rows(
                source, strings, date_styles=workbook._date_formats, timedelta_styles=workbook._timedelta_formats,
                to_date=lambda serial, duration: from_excel(serial, epoch, timedelta=duration), from_iso=from_ISO8601,
                coordinate=coordinate_to_tuple,
            )  # fmt: skip
            for _, cells in rows:
                if not cells:
                    continue
                values: list[Any] = [None] * max(c.column for c in cells)
                for c in cells:
                    values[c.column - 1] = _xlsx_value(c)
                yield cells[0].row, values
    except xlsx.SheetXmlError as exc:
        raise UnreadableFile(f"the sheet cannot be read: {exc}") from None
    finally:
        package.archive.close()


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
