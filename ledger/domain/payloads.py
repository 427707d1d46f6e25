"""One marshmallow schema per entry type's payload.

Schemas are pure (no I/O), so the server, the CLI and the offline verifier agree on what a
valid payload is, and the OpenAPI document is generated from the same definitions.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from ledger.domain.fields import Base64Bytes, KeyId, PartyId
from ledger.domain.identifiers import is_valid_uscc
from ledger.domain.roles import ROLES


class StrictSchema(Schema):
    """Unknown fields are an error: signed content must mean exactly what it says."""

    class Meta:
        unknown = RAISE


def _uscc_field(**kwargs: Any) -> fields.String:
    return fields.String(
        metadata={"description": "Unified social credit code (GB 32100-2015, 18 characters)", "example": "91510100MA61R8LX4E"},
        **kwargs,
    )


def _check_uscc(value: str) -> None:
    if not is_valid_uscc(value):
        raise ValidationError("not a valid unified social credit code (shape or check character)")


def _roles_field(**kwargs: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(sorted(ROLES))),
        validate=validate.Length(min=1, max=len(ROLES)),
        **kwargs,
    )


class OperatorSchema(StrictSchema):
    party = PartyId(required=True)
    legal_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unified_social_credit_code = _uscc_field(required=True)
    public_key = Base64Bytes(length=32, required=True)

    @validates("unified_social_credit_code")
    def _valid_uscc(self, value: str, **_: Any) -> None:
        _check_uscc(value)


class GenesisPayload(StrictSchema):
    """ledger.genesis: the log's origin, its checkpoint key and the registry operator."""

    origin = fields.String(required=True, validate=validate.Length(min=1, max=200))
    checkpoint_key = Base64Bytes(length=32, required=True, metadata={"description": "raw Ed25519 public key"})
    operator = fields.Nested(OperatorSchema, required=True)


class PartyRegisteredPayload(StrictSchema):
    """party.registered: a party, its roles and its first public key."""

    party = PartyId(required=True)
    legal_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unified_social_credit_code = _uscc_field(required=True)
    roles = _roles_field(required=True)
    public_key = Base64Bytes(length=32, required=True)

    @validates("unified_social_credit_code")
    def _valid_uscc(self, value: str, **_: Any) -> None:
        _check_uscc(value)

    @validates("roles")
    def _distinct_roles(self, value: list[str], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("roles must not repeat")


class KeyAddedPayload(StrictSchema):
    """key.added: another public key for an existing party (rotation)."""

    party = PartyId(required=True)
    public_key = Base64Bytes(length=32, required=True)


class KeyRevokedPayload(StrictSchema):
    """key.revoked: the key signs nothing after this entry."""

    party = PartyId(required=True)
    key_id = KeyId(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
