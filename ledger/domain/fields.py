"""Marshmallow fields for the canonical JSON formats of DESIGN §3: decimals, times, base64, ids."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping

from marshmallow import ValidationError, fields, validate

from ledger import errors
from ledger.crypto import canonical
from ledger.domain.identifiers import KEY_ID_PATTERN, PARTY_ID_PATTERN


class FullMatch(validate.Regexp):
    """``validate.Regexp`` over the whole string: its ``match`` lets ``$`` match before a trailing newline.

    The pattern still appears in the OpenAPI document, where ``$`` (ECMA-262) means the end of input.
    """

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class _ReraisingField(fields.Field[Any]):
    """Turns ledger format errors into marshmallow ValidationErrors with the same message."""

    def __init__(self, *, openapi: dict[str, Any], **kwargs: Any) -> None:
        # The field's OpenAPI shape comes first; a caller's metadata (description, example) adds to it.
        super().__init__(metadata={**openapi, **kwargs.pop("metadata", {})}, **kwargs)

    def _parse(self, value: object) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _deserialize(self, value: object, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        try:
            return self._parse(value)
        except errors.InvalidInput as exc:
            raise ValidationError(exc.detail) from exc


#: Projection columns are NUMERIC(24, places); amounts keep to 18 digits before the point, so they and
#: their sums fit (an amount that did not would fail the insert, and with it the whole append round).
MAX_INTEGER_DIGITS = 18


class DecimalString(_ReraisingField):
    """A plain decimal string (no exponent, no '+') with at most ``places`` fractional digits and
    ``MAX_INTEGER_DIGITS`` before the point.

    Loads to ``Decimal``; dumps a ``Decimal`` back to the fixed-place string.
    """

    def __init__(self, *, places: int, allow_negative: bool = False, **kwargs: Any) -> None:
        example = "1250.00" if places == canonical.MONEY_PLACES else "1250.000"
        super().__init__(openapi={"type": "string", "pattern": canonical.DECIMAL_PATTERN.pattern, "example": example}, **kwargs)
        self.places = places
        self.allow_negative = allow_negative

    def _parse(self, value: object) -> Decimal:
        parsed = canonical.parse_decimal(value, places=self.places, field="", allow_negative=self.allow_negative)
        if parsed.adjusted() >= MAX_INTEGER_DIGITS:
            raise errors.InvalidDecimal(f"at most {MAX_INTEGER_DIGITS} digits before the decimal point", field="")
        return parsed

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return f"{Decimal(value):.{self.places}f}"


class Money(DecimalString):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(places=canonical.MONEY_PLACES, **kwargs)


class Tonnes(DecimalString):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(places=canonical.TCO2E_PLACES, **kwargs)


class UtcTimestamp(_ReraisingField):
    """RFC 3339 UTC ending in 'Z'; loads to an aware datetime."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(openapi={"type": "string", "format": "date-time", "example": "2026-11-24T10:00:00Z"}, **kwargs)

    def _parse(self, value: object) -> datetime:
        return canonical.parse_timestamp(value, field="")

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else canonical.format_timestamp(value)


class Base64Bytes(_ReraisingField):
    """Standard base64 with padding; loads to bytes of an optional exact length."""

    def __init__(self, *, length: int | None = None, **kwargs: Any) -> None:
        super().__init__(openapi={"type": "string", "format": "byte"}, **kwargs)
        self.length = length

    def _parse(self, value: object) -> bytes:
        return canonical.b64decode(value, field="", length=self.length)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else canonical.b64encode(value)


def PartyId(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=FullMatch(PARTY_ID_PATTERN, error="must be 1-64 of a-z 0-9 . _ -, starting with a letter or digit"),
        metadata={"example": "icbc-sichuan", **kwargs.pop("metadata", {})},
        **kwargs,
    )


def KeyId(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=FullMatch(KEY_ID_PATTERN, error="must be 32 lowercase hex characters"),
        metadata={"example": "3f1c0a9b5e7d2c4a8b6f0e1d3c5a7b9d", **kwargs.pop("metadata", {})},
        **kwargs,
    )
