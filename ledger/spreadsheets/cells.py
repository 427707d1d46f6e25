"""One spreadsheet cell to the value its payload field signs, exactly, or the reason it cannot be.

A cell arrives as a reader gives it: text (CSV, or an xlsx text cell), an int or float (an xlsx number),
a bool, a datetime (an xlsx date; naive, which is read as UTC), or None (empty). The value returned is
what the payload's JSON holds: decimal strings with the field's places, RFC 3339 UTC times, ints, bools,
base64 text, lists of text.

Amounts never pass through float arithmetic. A float from an xlsx number is read through its shortest
round-trip text (``repr``), which is the number the spreadsheet shows; one with more fractional digits
than the field has (``0.30000000000000004``, the artefact of a sum) or more than 15 significant digits
(more than a spreadsheet keeps) is refused, never rounded. Pure.
"""

from __future__ import annotations

import base64
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger import errors, tabular
from ledger.crypto.canonical import format_timestamp, parse_timestamp
from ledger.spreadsheets.columns import (
    BOOLEAN,
    BYTES,
    DECIMAL,
    INTEGER,
    TEXT,
    TEXT_LIST,
    INTEGER_LIST,
    TIMESTAMP,
    Column,
    normalize_value,
)

#: What a spreadsheet keeps of a number (IEEE 754 doubles hold every decimal of 15 significant digits).
MAX_SIGNIFICANT_DIGITS = 15

#: List cells: items separated by ``;`` or the full-width ``；`` an input method types.
LIST_SEPARATORS = re.compile(r"[;；]")

_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_INTEGER = re.compile(r"-?[0-9]+")
_HEX = re.compile(r"[0-9A-Fa-f]+")
#: ISO 8601 and the year-first forms spreadsheets save dates in (2026-03-01, 2026/3/1, 2026年3月1日),
#: an optional time, and an optional UTC offset (Z, +08:00, +0800, UTC).
_DATE_TIME = re.compile(
    r"(?P<y>[0-9]{4})(?:-|/|年)(?P<m>[0-9]{1,2})(?:-|/|月)(?P<d>[0-9]{1,2})日?"
    r"(?:[T ]\s*(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?)?"
    r"\s*(?P<zone>Z|UTC|[+-][0-9]{2}:?[0-9]{2})?"
)
_TRUE = frozenset({"true", "yes", "y", "1", "是", "真"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "假"})
#: Spaces a cell may carry around its value: ASCII, no-break, full-width, zero-width, a byte-order mark.
_SPACES = " \t\r\n\u00a0\u3000\u200b\ufeff"


class ErrorValue(str):
    """A cell holding a spreadsheet error (``#DIV/0!``, ``#REF!``, a formula that failed): no column takes it."""


class CellError(ValueError):
    """The cell cannot be read as its field; the message says why and what to write instead."""


def _text(value: str) -> str:
    """A text cell's value: without the spaces around it, and without the ``'`` greenledger's writers put
    in front of text a spreadsheet would run (``ledger.tabular.restore``)."""
    text = value.strip(_SPACES)
    if tabular.NEUTRALIZER not in text:
        return text  # restore takes off only a ' it finds: most cells have none to look for
    return tabular.restore(text).strip(_SPACES)


def _significant_digits(number: Decimal) -> int:
    return 1 if number.is_zero() else len(number.normalize().as_tuple().digits)


def _spreadsheet_number(value: int | float) -> Decimal:
    """The number an xlsx numeric cell holds, as the spreadsheet shows it; refused past 15 digits."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("not a number")
        shown = repr(value)
    else:
        shown = str(value)
    number = Decimal(shown)
    _check_kept_digits(number, shown)
    return number


def _check_kept_digits(number: Decimal, shown: str) -> None:
    if _significant_digits(number) > MAX_SIGNIFICANT_DIGITS:
        raise CellError(
            f"the number {shown} has more significant digits than a spreadsheet keeps ({MAX_SIGNIFICANT_DIGITS}): "
            "store the exact value as text (format the column as Text)"
        )


def _decimal(column: Column, value: Any) -> str:
    places = column.places or 0
    if isinstance(value, str):
        text = value.strip(_SPACES)
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        if not _PLAIN.fullmatch(text):
            raise CellError(f"{value!r} is not a decimal number like 1250.00 (digits, one point, no exponent or currency sign)")
        number = Decimal(text)
        shown = text
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise CellError("not a number")
        number, shown = value, format(value, "f")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not (value == value and abs(value) != float("inf")):
            raise CellError("not a number")
        shown = repr(value) if isinstance(value, float) else str(value)
        number = Decimal(shown)
    else:
        raise CellError(f"expected a number, found {_kind(value)}")
    try:
        exact = number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise CellError(f"{shown} has too many digits") from None
    if exact != number:
        hint = " (a floating-point artefact: round it in the sheet, or type the amount as text)" if isinstance(value, float) else ""
        raise CellError(f"{shown} has more than {places} decimal places; amounts are never rounded{hint}")
    if isinstance(value, (int, float)):
        _check_kept_digits(number, shown)  # at most the digits a spreadsheet keeps
    return format(exact, "f")


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("expected a whole number, found TRUE/FALSE")
    if isinstance(value, int):
        return value
    if isinstance(value, (float, Decimal)):
        number = _spreadsheet_number(value) if isinstance(value, float) else value
        if number != number.to_integral_value():
            raise CellError(f"{number} is not a whole number")
        return int(number)
    if isinstance(value, str):
        text = value.strip(_SPACES)
        if _INTEGER.fullmatch(text):
            return int(text)
        raise CellError(f"{value!r} is not a whole number")
    raise CellError(f"expected a whole number, found {_kind(value)}")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = normalize_value(value)
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise CellError(f"{value!r} is not yes or no (true/false, 是/否, 1/0)")


def sheet_timestamp(moment: datetime) -> str:
    """How a time read from a sheet is signed: RFC 3339 UTC, with six fractional digits only when it has
    a fraction (``2026-03-01T00:00:00Z``, ``2026-03-01T02:00:00.250000Z``)."""
    text = format_timestamp(moment)
    return text.replace(".000000Z", "Z")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _offset(zone: str) -> timezone:
    if zone in ("Z", "UTC"):
        return timezone.utc
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _timestamp(value: Any) -> str:
    if isinstance(value, datetime):
        return sheet_timestamp(_utc(value))
    if isinstance(value, date):
        return sheet_timestamp(datetime(value.year, value.month, value.day, tzinfo=timezone.utc))
    if isinstance(value, time):
        raise CellError("a time of day without a date")
    if isinstance(value, str):
        text = value.strip(_SPACES)
        try:
            parse_timestamp(text, field="")
            return text  # RFC 3339 UTC already: signed as it was written
        except errors.InvalidTimestamp:
            pass
        match = _DATE_TIME.fullmatch(text)
        if match is None:
            raise CellError(f"{value!r} is not a date like 2026-03-01 or 2026-03-01T10:00:00Z")
        parts = match.groupdict()
        try:
            moment = datetime(
                int(parts["y"]), int(parts["m"]), int(parts["d"]),
                int(parts["H"] or 0), int(parts["M"] or 0), int(parts["S"] or 0), int((parts["f"] or "").ljust(6, "0")),
                tzinfo=_offset(parts["zone"] or "Z"),
            )  # fmt: skip
        except ValueError as exc:
            raise CellError(f"{value!r} is not a real date: {exc}") from None
        return sheet_timestamp(moment.astimezone(timezone.utc))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(f"the number {value} is not a date: format the column as a date, or write 2026-03-01")
    raise CellError(f"expected a date, found {_kind(value)}")


def _bytes(column: Column, value: Any) -> str:
    if not isinstance(value, str):
        raise CellError(f"expected base64 text, found {_kind(value)}")
    text = value.strip(_SPACES)
    if column.length is not None and len(text) == 2 * column.length and _HEX.fullmatch(text):
        return base64.b64encode(bytes.fromhex(text)).decode("ascii")  # sha256sum prints hex
    return text


def _word(column: Column, text: str) -> str:
    if column.value_aliases:
        return column.value_aliases.get(normalize_value(text), text)
    return text


def _plain_text(column: Column, value: Any) -> str:
    if isinstance(value, str):
        return _word(column, _text(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a code typed as a number (a vintage, an id of digits)
    if isinstance(value, float) and value.is_integer():
        return str(int(_spreadsheet_number(value)))
    if isinstance(value, float):
        raise CellError(f"the number {value!r} where text belongs: format the column as Text, so that 3.10 stays 3.10")
    raise CellError(f"expected text, found {_kind(value)}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE/FALSE"
    if isinstance(value, datetime):
        return "a date"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    return type(value).__name__


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip(_SPACES) == "")


def cell_value(column: Column, value: Any) -> Any:
    """The payload value of a non-empty cell.

    :raises CellError: with a message for the person who typed the cell.
    """
    if isinstance(value, ErrorValue):
        raise CellError(f"the cell holds the spreadsheet error {value}: fix the formula, or type the value")
    if column.kind == DECIMAL:
        return _decimal(column, value)
    if column.kind == INTEGER:
        return _integer(value)
    if column.kind == BOOLEAN:
        return _boolean(value)
    if column.kind == TIMESTAMP:
        return _timestamp(value)
    if column.kind == BYTES:
        return _bytes(column, value)
    if column.kind == TEXT_LIST:
        if not isinstance(value, str):
            return [_plain_text(column, value)]
        items = [_text(piece) for piece in LIST_SEPARATORS.split(value)]
        return [_word(column, item) for item in items if item]
    if column.kind == INTEGER_LIST:
        if not isinstance(value, str):
            return [_integer(value)]
        return [_integer(piece) for piece in LIST_SEPARATORS.split(value) if piece.strip(_SPACES)]
    assert column.kind == TEXT
    return _plain_text(column, value)
