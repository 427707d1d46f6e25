"""Every .xlsx greenledger writes: the same cells as ``ledger.tabular``'s CSV, in a workbook.

openpyxl stores a string that starts with ``=`` as a formula unless told otherwise, and Excel runs it
when the workbook opens. Here every text cell is written with the string type (``data_type = "s"``), so
no spreadsheet evaluates it, and its text is ``ledger.tabular.neutralize``'s, as in a CSV: a workbook
saved on as CSV, or a cell pasted elsewhere, stays as safe as the CSV greenledger writes. (The importer,
``ledger.spreadsheets``, reads the ``'`` in front back off, so a party's exported records import as
they were signed.)

Numbers are numeric cells only when they are numbers (``Decimal`` or ``int``) with at most 15
significant digits, which is all a spreadsheet keeps of a number: their text goes into the file as
written (``1250.00``), never through a float. A longer one, and every ``str``, is a text cell, so nothing
is rounded on the way. Times are date cells (UTC, shown as such) when whole milliseconds, which is what
a spreadsheet's date keeps, and RFC 3339 text otherwise.

Text that XML 1.0 cannot hold (control characters) is written in OOXML's ``_xHHHH_`` escapes, which
spreadsheets decode, and a literal ``_xHHHH_`` in the text is escaped itself (``_x005F_xHHHH_``).

Only this module and ``ledger.spreadsheets`` import openpyxl; ``ledger.tabular`` stays standard-library.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from decimal import Decimal
from typing import IO, Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ledger import tabular
from ledger.crypto.canonical import format_timestamp

#: A spreadsheet keeps 15 significant digits of a number (IEEE 754 doubles hold every such decimal).
MAX_SIGNIFICANT_DIGITS = 15

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: What XML 1.0 cannot hold (openpyxl refuses it too), and CR (an XML reader turns it into LF); written
#: as ``_xHHHH_``, as Excel writes them.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\r\x0e-\x1f\ufffe\uffff]")
#: A literal escape in the text, which a reader would otherwise decode.
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4})")
#: The escapes a reader decodes.
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")

DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def ooxml_escape(text: str) -> str:
    """``text`` as an OOXML string holds it: literal ``_xHHHH_`` and control characters escaped."""
    text = _LITERAL_ESCAPE.sub("_x005F_", text)
    return _UNWRITABLE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def ooxml_unescape(text: str) -> str:
    """What a spreadsheet shows for an OOXML string: every ``_xHHHH_`` decoded (Excel writes CR as ``_x000D_``)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def number_text(value: Decimal | int) -> str | None:
    """The exact text of a number a spreadsheet holds without loss, or None when it would not.

    ``Decimal("1250.00")`` -> ``"1250.00"``; more than 15 significant digits, an exponent, negative
    zero, NaN or infinity -> None (write it as text).
    """
    if isinstance(value, bool):
        return None
    number = Decimal(value)
    if not number.is_finite() or (number.is_zero() and number.is_signed()):
        return None
    text = format(number, "f")
    digits = number.normalize().as_tuple().digits if number else (0,)
    if len(digits) > MAX_SIGNIFICANT_DIGITS or tabular.PLAIN_NUMBER.fullmatch(text) is None:
        return None
    return text


def _number_format(text: str) -> str:
    places = len(text.partition(".")[2])
    return "0." + "0" * places if places else "0"


def _spreadsheet_time(value: datetime) -> datetime | None:
    """A naive UTC datetime a date cell keeps exactly (whole milliseconds), or None."""
    if value.microsecond % 1000:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _cell(sheet: Any, value: Any, *, bold: bool = False) -> Cell:
    cell = Cell(sheet, column=1, row=1)  # write-only rows place it
    if value is None:
        return cell
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, (Decimal, int)) and (text := number_text(value)) is not None:
        # The exact text, typed as a number: openpyxl would print a float with "%.16g".
        cell._value = text
        cell.data_type = "n"
        cell.number_format = _number_format(text)
    elif isinstance(value, datetime) and (moment := _spreadsheet_time(value)) is not None:
        cell.value = moment
        cell.number_format = DATE_FORMAT
    else:
        if isinstance(value, datetime):
            value = format_timestamp(value)
        elif isinstance(value, Decimal):
            value = format(value, "f")
        cell._value = ooxml_escape(tabular.neutralize(value))
        cell.data_type = "s"  # a string, never a formula, whatever it starts with
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_xlsx(
    sink: IO[bytes],
    header: Sequence[Any],
    rows: Iterable[Iterable[Any]],
    *,
    comment: str | None = None,
    title: str = "greenledger",
) -> None:
    """Write one sheet: an optional comment row (as ``ledger.tabular.comment_line`` words it), the
    header (bold, frozen), then ``rows``. Cells may be str, Decimal, int, bool, datetime or None."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for position, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = max(10, min(40, len(str(name)) + 4))
    sheet.freeze_panes = "A3" if comment is not None else "A2"  # the header stays in view
    if comment is not None:
        sheet.append([_cell(sheet, tabular.comment_line(comment).rstrip("\n"))])
    sheet.append([_cell(sheet, name, bold=True) for name in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    workbook.save(sink)


def to_xlsx(header: Sequence[Any], rows: Iterable[Iterable[Any]], *, comment: str | None = None, title: str = "greenledger") -> bytes:
    """The bytes of ``write_xlsx``'s workbook."""
    buffer = io.BytesIO()
    write_xlsx(buffer, header, rows, comment=comment, title=title)
    return buffer.getvalue()
