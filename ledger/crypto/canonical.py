"""RFC 8785 canonical JSON and strict decimal, timestamp and base64 text forms (DESIGN §3)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from itertools import chain
from typing import Any, Iterator, cast

import orjson
import rfc8785

from ledger.errors import (
    InvalidBase64,
    InvalidDecimal,
    InvalidTimestamp,
    NonCanonicalValue,
)

MONEY_PLACES = 2
TCO2E_PLACES = 3
# DESIGN §3, verbatim. Always apply it with fullmatch: "$" alone also matches before a
# trailing newline.
DECIMAL_PATTERN = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")

# JSON numbers are IEEE doubles: beyond ±(2**53 - 1) two integers share one encoding.
MAX_SAFE_INTEGER = 2**53 - 1
# Deeper values are refused rather than risking RecursionError (a 500) in the walk.
MAX_DEPTH = 64

# [0-9] rather than \d: \d also matches non-ASCII digits.
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?Z"
)


def _child(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def _check_str(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NonCanonicalValue("string contains a lone surrogate", field=path or None) from None


def _check_value(value: object, path: str, depth: int) -> bool:
    """Walk ``value`` and raise NonCanonicalValue at the first thing JCS cannot encode exactly.

    :returns: whether every object key is ASCII (then code-point order is JCS's UTF-16 order).
    """
    if depth > MAX_DEPTH:
        raise NonCanonicalValue(f"nested deeper than {MAX_DEPTH} levels", field=path or None)
    # bool before int: bool is a subclass of int.
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise NonCanonicalValue(
                "integer outside ±(2**53 - 1); send it as a decimal string", field=path or None
            )
        return True
    if isinstance(value, float):
        # Floats are refused outright: amounts travel as decimal strings (DESIGN §3).
        raise NonCanonicalValue("numbers with a fraction are not accepted", field=path or None)
    if isinstance(value, str):
        _check_str(value, path)
        return True
    ascii_keys = True
    if isinstance(value, list):
        for position, item in enumerate(value):
            ascii_keys &= _check_value(item, _child(path, position), depth + 1)
        return ascii_keys
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NonCanonicalValue("object keys must be strings", field=path or None)
            child = _child(path, key)
            _check_str(key, child)
            ascii_keys &= key.isascii()
            ascii_keys &= _check_value(item, child, depth + 1)
        return ascii_keys
    raise NonCanonicalValue(f"{type(value).__name__} has no JSON encoding", field=path or None)


def _plain_value(value: object, depth: int) -> bool | None:
    """The walk's verdict on ``value`` without building a path for each member: whether every key is
    ASCII, or None when something may be refused or is of another type (then ``_check_value`` decides
    and names the path). Strings are not checked for lone surrogates here: encoding the output does it.
    """
    if depth > MAX_DEPTH:
        return None
    kind = type(value)
    if kind is dict:
        members: Any = value.items()  # type: ignore[attr-defined]
    elif kind is list:
        members = enumerate(value)  # type: ignore[arg-type]
    elif kind is str or kind is bool or value is None:
        return True
    elif kind is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER or None  # type: ignore[operator]
    else:
        return None
    if value and depth == MAX_DEPTH:
        return None  # its members would be too deep
    ascii_keys = True
    for key, item in members:
        if kind is dict:
            if type(key) is not str:
                return None
            if not key.isascii():
                ascii_keys = False
        item_kind = type(item)
        if item_kind is str or item_kind is bool or item is None:
            continue
        if item_kind is int:
            if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                continue
            return None
        verdict = _plain_value(item, depth + 1)
        if verdict is None:
            return None
        ascii_keys = ascii_keys and verdict
    return ascii_keys


def _stdlib_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def canonical_json(value: object, *, path: str = "") -> bytes:
    """Encode a JSON value as RFC 8785 (JCS) bytes.

    :param value: dicts with str keys, lists, str, int, bool and None only.
    :param path: dotted path of ``value`` in the request, prefixed to the ``field`` of errors
        (list positions appear as numbers: ``entries.3.envelope``).
    :returns: the canonical UTF-8 bytes.
    :raises NonCanonicalValue: a float, an integer outside ±(2**53 - 1), a non-str key,
        a lone surrogate, any other type, or nesting deeper than ``MAX_DEPTH``.
    """
    if _plain_value(value, 0):
        # The common case, checked without a path per member (a signed report has tens of thousands).
        try:
            return _stdlib_json(value)
        except UnicodeEncodeError:
            pass  # a lone surrogate: the full walk below names where
    if _check_value(value, path, 0):
        # For the values the walk admits (no floats, safe integers, no lone surrogates) and ASCII keys,
        # the standard library's compact sorted encoding is byte for byte RFC 8785: the same string
        # escapes (\b \t \n \f \r \" \\, lowercase \u00xx for other controls, nothing else) and the
        # same member order. It is several times faster than the pure-Python rfc8785 encoder, which
        # stays the path for non-ASCII keys (UTF-16 ordering); a property test holds the two equal.
        return _stdlib_json(value)
    try:
        return rfc8785.dumps(cast(Any, value))
    except rfc8785.CanonicalizationError as exc:  # pragma: no cover - the walk rejects first
        raise NonCanonicalValue(str(exc), field=path or None) from exc


#: The types a value of ``canonical_json_large``'s fast path may hold, exactly (no subclasses).
_JSON_TYPES = frozenset({dict, list, str, int, bool, type(None)})
# Sorted keys; integers beyond ±(2**53 - 1) raise; subclasses, dataclasses and datetimes go to the
# ``default`` hook, which refuses them (then ``canonical_json`` decides).
_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_STRICT_INTEGER
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)


def _refuse(value: object) -> Any:
    raise TypeError(type(value).__name__)


def _plain_levels(value: object) -> list[list[dict[Any, Any]]] | None:
    """The dicts of ``value``, level by level, when it holds only dicts, lists, str, int, bool and None
    (exact types) and nothing deeper than ``MAX_DEPTH``; None otherwise. It walks a level at a time, so
    the types of a level's members are gathered in C rather than tested one by one in Python."""
    if type(value) not in _JSON_TYPES:
        return None
    dict_levels: list[list[dict[Any, Any]]] = []
    dicts: list[dict[Any, Any]] = [value] if type(value) is dict else []  # type: ignore[list-item]
    lists: list[list[Any]] = [value] if type(value) is list else []  # type: ignore[list-item]
    depth = 0
    while dicts or lists:
        dict_levels.append(dicts)
        kinds = set(map(type, _members(dicts, lists)))
        if not kinds:
            break
        depth += 1
        if depth > MAX_DEPTH or not kinds <= _JSON_TYPES:
            return None
        # The next level, when there is one: a second pass, over members whose types are all known.
        dicts, lists = (
            [v for v in _members(dicts, lists) if type(v) is dict] if dict in kinds else [],
            [v for v in _members(dicts, lists) if type(v) is list] if list in kinds else [],
        )
    return dict_levels


def _members(dicts: list[dict[Any, Any]], lists: list[list[Any]]) -> Iterator[Any]:
    return chain(chain.from_iterable(map(dict.values, dicts)), chain.from_iterable(lists))


def canonical_json_large(value: object) -> bytes:
    """``canonical_json(value)``, faster for large values such as a signed report of a megabyte.

    Values of plain JSON types (exact ``dict``, ``list``, ``str``, ``int``, ``bool``, None) are encoded
    by orjson: its compact encoding with sorted keys is byte for byte RFC 8785 when every key is ASCII
    (then code-point order is JCS's UTF-16 order), integers are within ±(2**53 - 1) (orjson refuses the
    others) and no string holds a lone surrogate (orjson refuses those too); it escapes strings as RFC
    8785 does and writes other text as UTF-8. Anything else goes to ``canonical_json``, which gives the
    same bytes or names what cannot be encoded.

    :returns: the canonical UTF-8 bytes, exactly those of ``canonical_json(value)``.
    :raises NonCanonicalValue: as ``canonical_json``.
    """
    levels = _plain_levels(value)
    if levels is not None:
        try:
            encoded = orjson.dumps(value, default=_refuse, option=_ORJSON_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            encoded = None
        if encoded is not None:
            if encoded.isascii():
                return encoded
            # Text beyond ASCII: the order is still right unless a key is non-ASCII (orjson orders
            # keys by UTF-8 bytes, JCS by UTF-16 code units).
            keys = {key for dicts in levels for d in dicts for key in d}
            if all(type(key) is str for key in keys) and "".join(keys).isascii():
                return encoded
    return canonical_json(value)


def parse_decimal(
    text: object, *, places: int, field: str, allow_negative: bool = False
) -> Decimal:
    """Parse a plain decimal string exactly, never rounding.

    :param text: the JSON value, which must be a str matching ``DECIMAL_PATTERN``.
    :param places: the most fractional digits allowed (``MONEY_PLACES``, ``TCO2E_PLACES``).
    :param field: dotted path reported on error.
    :param allow_negative: accept a leading ``-``. Negative zero ("-0", "-0.00") is always
        refused: it is a second spelling of zero and signed bytes must have one spelling.
    :returns: the value, keeping the scale it was written with (``"1.50"`` → ``Decimal("1.50")``).
    :raises InvalidDecimal: not a str, not plain decimal, too many places, or negative when
        not allowed.
    """
    if not isinstance(text, str):
        raise InvalidDecimal("must be a decimal string such as \"12.50\"", field=field)
    match = DECIMAL_PATTERN.fullmatch(text)
    if match is None:
        raise InvalidDecimal(
            "must be a plain decimal string: no exponent, no '+', no spaces", field=field
        )
    fraction = match.group(2)
    if fraction is not None and len(fraction) - 1 > places:
        raise InvalidDecimal(f"at most {places} fractional digits are allowed", field=field)
    value = Decimal(text)
    if text.startswith("-"):
        if value == 0:
            raise InvalidDecimal("negative zero is not allowed", field=field)
        if not allow_negative:
            raise InvalidDecimal("must not be negative", field=field)
    return value


def format_timestamp(dt: datetime) -> str:
    """Render the canonical timestamp form, UTC with exactly six fractional digits.

    :param dt: a timezone-aware datetime (converted to UTC).
    :returns: ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
    :raises ValueError: ``dt`` is naive.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: timestamps must be timezone-aware")
    u = dt.astimezone(timezone.utc)
    # Formatted by hand: strftime("%Y") does not zero-pad years below 1000 on every platform.
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T"
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"
    )


def parse_timestamp(text: object, *, field: str) -> datetime:
    """Parse a strict RFC 3339 UTC timestamp.

    :param text: ``YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z``; uppercase ``T`` and ``Z``, no offsets.
        More than six fractional digits are refused rather than truncated, so the value is exact.
    :param field: dotted path reported on error.
    :returns: an aware datetime in UTC.
    :raises InvalidTimestamp: not a str, another shape, or not a real date and time
        (leap seconds included: ``datetime`` cannot hold them).
    """
    if not isinstance(text, str):
        raise InvalidTimestamp("must be an RFC 3339 UTC string", field=field)
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise InvalidTimestamp(
            "must be RFC 3339 UTC like 2026-11-24T10:00:00Z (at most 6 fractional digits)",
            field=field,
        )
    year, month, day, hour, minute, second, fraction = match.groups()
    micros = int((fraction or "").ljust(6, "0"))
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micros,
            tzinfo=timezone.utc,
        )
    except ValueError as exc:
        raise InvalidTimestamp(f"not a valid date and time: {exc}", field=field) from None


def b64encode(data: bytes) -> str:
    """Standard base64 with padding.

    :param data: bytes to encode.
    :returns: the ASCII text.
    """
    return base64.b64encode(data).decode("ascii")


def b64decode(text: object, *, field: str, length: int | None = None) -> bytes:
    """Decode standard padded base64, refusing every other spelling.

    :param text: the JSON value.
    :param field: dotted path reported on error.
    :param length: when given, the exact number of decoded bytes required.
    :returns: the decoded bytes.
    :raises InvalidBase64: not a str, characters outside the alphabet, missing padding,
        non-zero padding bits (so each value has exactly one encoding), or wrong length.
    """
    if not isinstance(text, str):
        raise InvalidBase64("must be a base64 string", field=field)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidBase64("not standard base64 with padding", field=field) from None
    if b64encode(data) != text:
        raise InvalidBase64("not the canonical base64 encoding", field=field)
    if length is not None and len(data) != length:
        raise InvalidBase64(f"must decode to {length} bytes, got {len(data)}", field=field)
    return data
