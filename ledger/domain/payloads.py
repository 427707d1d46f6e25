"""Building blocks of payload schemas: strictness, identifiers, amounts with their currency.

Schemas are marshmallow (pure, no I/O), so the server, the CLI, the OpenAPI document and the offline
verifier share one definition of a valid payload.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ledger.domain.fields import FullMatch, PartyId
from ledger.domain.identifiers import is_valid_uscc

CURRENCIES = ("CNY",)
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"


class StrictSchema(Schema):
    """Unknown fields are an error: signed content must mean exactly what it says."""

    class Meta:
        unknown = RAISE


def entity_id(description: str, **kwargs: Any) -> fields.String:
    """A programme identifier (park, project, loan, ...): 1-64 of letters, digits and . _ / -."""
    return fields.String(
        validate=FullMatch(ID_PATTERN, error="must be 1-64 letters, digits or . _ / -, starting with a letter or digit"),
        metadata={"description": description},
        **kwargs,
    )


def currency_code(**kwargs: Any) -> fields.String:
    """ISO 4217 code; the programme is in yuan, and other currencies would need an FX rule first."""
    return fields.String(validate=validate.OneOf(CURRENCIES), metadata={"description": "ISO 4217 currency code"}, **kwargs)


def short_text(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=200), **kwargs)


def uscc(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=_check_uscc,
        metadata={"description": "Unified social credit code (GB 32100-2015, 18 characters)", "example": "91510100MA61R8LX4G"},
        **kwargs,
    )


def _check_uscc(value: str) -> None:
    if not is_valid_uscc(value):
        raise ValidationError("not a valid unified social credit code (shape or check character)")


__all__ = ["StrictSchema", "entity_id", "currency_code", "short_text", "uscc", "PartyId", "CURRENCIES"]
