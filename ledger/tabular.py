"""Every CSV greenledger writes: cells that a spreadsheet shows as text and never runs as a formula.

A report's table carries names the parties chose (a park called ``=HYPERLINK("http://evil.example","x")``,
a city starting with ``+`` or ``@``). Excel, LibreOffice and Google Sheets evaluate a cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, so an auditor who opens the CSV would run
whatever the name says (OWASP "CSV Injection"). Each such cell is written with a single quote in front,
which the spreadsheet shows as text. A cell that is just a decimal number (``-58.23``, a percentage
change) stays as it is, so that the spreadsheet still reads it as a number.

Readers do not all split a file where this writer means them to: a spreadsheet set to a locale whose
separator is ``;`` splits there (and honours quotes only at the start of what it takes for a cell), a
paste splits at tabs, a line-by-line tool at every line break. So the text after a comma, semicolon,
tab or line break inside a cell is held to the same rule as the cell's start: whichever way the file
is cut, no piece starts as a formula.

``restore`` reads a neutralized cell back (the spreadsheet importer, ``ledger.spreadsheets``, uses it, so
a party's exported records import as they were signed); ``ledger.tabular_xlsx`` writes the same cells
into an .xlsx workbook.

Pure (standard library only): the services, the CLI and anything else that writes a table use this
one writer, rather than ``csv.writer`` directly.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any, Iterable

#: First characters that make a spreadsheet read a cell as a formula: OWASP's list, a line feed (some
#: importers treat it like a carriage return), and the full-width and small forms that East Asian input
#: methods type and spreadsheets fold into the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r\n" "＝＋－＠" "﹦﹢﹣﹫")

#: Put in front of a cell that would be a formula: spreadsheets show what follows as text.
NEUTRALIZER = "'"

#: A plain decimal number, ASCII digits only (``\d`` would also match other scripts' digits): safe as
#: it stands, and it must stay a number. Applied with ``fullmatch``.
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")

#: Characters that make a cell quoted: the CSV syntax itself (RFC 4180), and the separators that
#: spreadsheets in other locales split on (``;``) or that a paste splits on (tab).
NEEDS_QUOTES = frozenset(',;"\t\r\n')

#: Where a reader may start a new cell or row inside a cell's text: the separators above, and every
#: line break ``str.splitlines`` knows (a superset of CR and LF). ``split`` keeps them, at odd positions.
_PIECE_BREAK = re.compile(r"(\r\n|[,;\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])")

#: What a spreadsheet may pass over before the first character it reads a cell by: spaces, control
#: and invisible format characters (a zero-width space, a byte-order mark), and a double quote (a
#: reader that splits inside a quoted cell sees its escaped quotes open a cell of their own).
_SKIPPED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
_SKIPPED_CHARACTERS = frozenset('"')


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _lead(text: str) -> int:
    """How many characters at the start of ``text`` a spreadsheet may pass over."""
    for position, character in enumerate(text):
        if character not in _SKIPPED_CHARACTERS and unicodedata.category(character) not in _SKIPPED_CATEGORIES:
            return position
    return len(text)


def _first_seen(text: str) -> str:
    """The first character of ``text`` after what a spreadsheet may pass over; "" when there is none."""
    lead = _lead(text)
    return text[lead : lead + 1]


def is_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (a plain decimal number is not one)."""
    if not text or PLAIN_NUMBER.fullmatch(text):
        return False
    return text[0] in FORMULA_STARTS or _first_seen(text) in FORMULA_STARTS


def neutralize(value: Any) -> str:
    """The cell's text as it must be written: with ``'`` in front when it could be a formula, and in
    front of each piece after a separator or line break inside it that could be one.

    What comes before the cell's first visible character (a tab, a line break, spaces) belongs to the
    cell's start, which the one quote in front covers: ``"\\t=1+1"`` is written ``'\\t=1+1``. ``None`` is
    an empty cell; anything else is written as ``str(value)``.
    """
    text = _text(value)
    lead = _lead(text)
    pieces = _PIECE_BREAK.split(text[lead:])
    if len(pieces) > 1:  # even positions are the pieces, odd ones the breaks; the first piece is the cell's start
        inner = (NEUTRALIZER + piece if i > 0 and i % 2 == 0 and is_formula(piece) else piece for i, piece in enumerate(pieces))
        text = text[:lead] + "".join(inner)
    return NEUTRALIZER + text if is_formula(text) else text


def restore(text: str) -> str:
    """The text ``neutralize`` was given, from what it wrote: a ``'`` it put in front of the cell or of
    a piece inside it (one that would otherwise be a formula) is taken off again.

    So a table greenledger wrote reads back as the values it came from. A cell typed as ``'=x`` reads as
    ``=x``, as spreadsheets themselves take a leading apostrophe for a mark that the rest is text.
    """
    if text.startswith(NEUTRALIZER) and is_formula(text[1:]):
        text = text[1:]
    lead = _lead(text)
    pieces = _PIECE_BREAK.split(text[lead:])
    if len(pieces) > 1:
        inner = (
            piece[1:] if i > 0 and i % 2 == 0 and piece.startswith(NEUTRALIZER) and is_formula(piece[1:]) else piece
            for i, piece in enumerate(pieces)
        )
        text = text[:lead] + "".join(inner)
    return text


def _quoted(cell: str) -> str:
    if NEEDS_QUOTES.isdisjoint(cell):
        return cell
    return '"' + cell.replace('"', '""') + '"'


def csv_row(values: Iterable[Any]) -> str:
    """One CSV line (ending in ``\\n``) of neutralized cells, each quoted when it holds a separator."""
    cells = [_quoted(neutralize(v)) for v in values]
    if cells == [""]:
        return '""\n'  # as csv.writer does: a blank line would read as a row of no cells
    return ",".join(cells) + "\n"


def _escaped(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _comment_safe(character: str) -> bool:
    if character in ',;"\\':  # a separator would start another cell; a backslash would make escapes ambiguous
        return False
    if character == " ":
        return True
    return not character.isspace() and unicodedata.category(character) not in _SKIPPED_CATEGORIES


def comment_line(text: str) -> str:
    """``# text`` as one line and one cell: line breaks, controls, separators and quotes in ``text``
    (a subject is whatever the request named) are written as ``\\xNN`` / ``\\uNNNN`` escapes, so they
    can neither start a row nor a cell of their own. The ``#`` in front is no formula."""
    return "# " + "".join(c if _comment_safe(c) else _escaped(c) for c in text) + "\n"


def to_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]], *, comment: str | None = None) -> str:
    """A whole CSV document: an optional comment line, the header, then the rows, every cell neutralized."""
    lines = [comment_line(comment)] if comment is not None else []
    lines.append(csv_row(header))
    lines.extend(csv_row(row) for row in rows)
    return "".join(lines)


def read_csv(text: str) -> list[list[str]]:
    """The rows of a CSV document (RFC 4180 quoting, any line break), each a list of its cells' text;
    read back with ``restore`` to have the values a ``to_csv`` was given."""
    return list(csv.reader(io.StringIO(text, newline="")))
