"""The cells of an xlsx worksheet, streamed: the values openpyxl's read-only, data-only mode gives,
without its objects per cell and without its second pass over a sheet that names no dimension.

openpyxl still reads the workbook's parts (manifest, sheet list, styles: which cell styles are dates,
the 1900 or 1904 epoch) in ``ledger.spreadsheets.reader``, which hands this module the functions it
needs; only the shared strings and the sheet's rows are parsed here, with the ElementTree parser
openpyxl uses, each cell as ``openpyxl.worksheet._reader.WorkSheetParser.parse_cell`` reads it with
``data_only=True`` (a test compares the two on workbooks of every kind of cell). The XML is fed in
chunks and each row handed on and cleared as it ends, so memory stays flat in the sheet's length.
"""

from __future__ import annotations

from typing import IO, Any, Callable, Iterator, NamedTuple
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _INLINE, _TEXT, _RUN, _STRING_ITEM = (_MAIN + tag for tag in ("row", "c", "v", "is", "t", "r", "si"))
_CHUNK = 1 << 16


class SheetXmlError(ValueError):
    """The XML is malformed, or a cell's reference or shared string index is not one."""


class Cell(NamedTuple):
    """A cell as openpyxl's read-only parser gives it: its row and column (1-based), value and data type
    (``s`` text, ``n`` number, ``d`` date, ``b`` boolean, ``e`` error, ``inlineStr`` an empty inline
    string, or whatever else the file's ``t`` attribute says)."""

    row: int
    column: int
    value: Any
    data_type: str


def _ends(source: IO[bytes], tag: str) -> Iterator[Element]:
    """Every ``tag`` element of ``source`` as it ends (cleared once the caller is done with it)."""
    parser = XMLPullParser(events=("end",))
    try:
        while chunk := source.read(_CHUNK):
            parser.feed(chunk)
            for _, element in parser.read_events():
                if element.tag == tag:
                    yield element
                    element.clear()
        parser.close()
    except ParseError as exc:
        raise SheetXmlError(f"malformed XML ({exc})") from None
    for _, element in parser.read_events():
        if element.tag == tag:
            yield element


def string_content(item: Element) -> str:
    """The text of a string item (a shared ``<si>`` or a cell's ``<is>``) as openpyxl's ``Text.content``
    reads it: the item's own ``<t>`` (the last, if several), then the ``<t>`` of each rich-text run
    ``<r>`` in order (the last of each); never the phonetic runs' ``<rPh>``."""
    plain: str | None = None
    runs: list[str] = []
    for child in item:
        if child.tag == _TEXT:
            plain = child.text
        elif child.tag == _RUN:
            text = None
            for part in child:
                if part.tag == _TEXT:
                    text = part.text
            if text is not None:
                runs.append(text)
    return (plain or "") + "".join(runs)


def shared_strings(source: IO[bytes]) -> list[str]:
    """The shared string table, as ``openpyxl.reader.strings.read_string_table`` reads it.

    :raises SheetXmlError: for malformed XML.
    """
    return [string_content(item).replace("x005F_", "") for item in _ends(source, _STRING_ITEM)]


def _number(text: str) -> int | float:
    """openpyxl's ``_cast_number``: a float when the text has a point or an exponent, else an int."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def sheet_rows(
    source: IO[bytes],
    strings: list[str],
    *,
    date_styles: set[int],
    timedelta_styles: set[int],
    to_date: Callable[[int | float, bool], Any],
    from_iso: Callable[[str], Any],
    coordinate: Callable[[str], tuple[int, int]],
) -> Iterator[tuple[int, list[Cell]]]:
    """Each ``<row>`` of a worksheet part, as (the row's number, its cells in file order).

    :param strings: the workbook's shared strings.
    :param date_styles: the cell style indices whose number format is a date (numbers there are dates).
    :param timedelta_styles: those of them that format a duration.
    :param to_date: a serial number to its datetime (in the workbook's epoch; the flag: a duration).
    :param from_iso: an ISO 8601 text (a ``t="d"`` cell) to its datetime.
    :param coordinate: a cell reference (``C7``) to its (row, column); ValueError when it is none.
    :raises SheetXmlError: for malformed XML, a bad cell reference or a shared string the table lacks.
    """
    row_number = 0
    for row in _ends(source, _ROW):
        number = row.get("r")
        if number is None:
            row_number += 1
        else:
            try:
                row_number = int(number)
            except ValueError:
                as_float = float(number)
                if not as_float.is_integer():
                    raise SheetXmlError(f"{number} is not a row number") from None
                row_number = int(as_float)
        column = 0
        cells = []
        for element in row:
            if element.tag != _CELL:
                continue
            reference = element.get("r")
            if reference:
                try:
                    at, column = coordinate(reference)
                except ValueError:  # openpyxl's CellCoordinatesException is one too
                    raise SheetXmlError(f"{reference!r} is not a cell reference") from None
            else:
                column += 1
                at = row_number
            try:
                cells.append(_cell(element, at, column, strings, date_styles, timedelta_styles, to_date, from_iso))
            except SheetXmlError:
                raise
            except ValueError as exc:  # a number, boolean or ISO date that is not one
                raise SheetXmlError(f"cell {reference or column}: {exc}") from None
        yield row_number, cells


def _cell(
    element: Element,
    row: int,
    column: int,
    strings: list[str],
    date_styles: set[int],
    timedelta_styles: set[int],
    to_date: Callable[[int | float, bool], Any],
    from_iso: Callable[[str], Any],
) -> Cell:
    data_type = element.get("t", "n")
    if data_type == "inlineStr":
        inline = element.find(_INLINE)
        if inline is None:
            return Cell(row, column, None, data_type)
        return Cell(row, column, string_content(inline), "s")
    text = element.findtext(_VALUE) or None
    if text is None:
        return Cell(row, column, None, data_type)
    value: Any = text
    if data_type == "n":
        value = _number(text)
        style = element.get("s")
        style_id = int(style) if style else 0
        if style_id in date_styles:
            try:
                return Cell(row, column, to_date(value, style_id in timedelta_styles), "d")
            except (OverflowError, ValueError):
                return Cell(row, column, "#VALUE!", "e")  # how openpyxl reads a date out of range
    elif data_type == "s":
        try:
            value = strings[int(text)]
        except (ValueError, IndexError):
            raise SheetXmlError(f"cell {element.get('r', '')} names shared string {text!r}, which the workbook lacks") from None
    elif data_type == "b":
        value = bool(int(text))
    elif data_type == "str":
        data_type = "s"
    elif data_type == "d":
        value = from_iso(text)
    return Cell(row, column, value, data_type)
