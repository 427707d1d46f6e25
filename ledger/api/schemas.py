"""Request and response schemas of the HTTP API (DESIGN §10 fixes the field names)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.fields import Base64Bytes, KeyId, PartyId, UtcTimestamp


#: Indices, serials and cursors are PostgreSQL BIGINTs: a larger number names nothing, and the driver
#: would refuse to send it (a 500), so routes and query fields stop at this.
MAX_BIGINT = 2**63 - 1
#: The route converter for such numbers: a larger one matches no route (404).
INT_CONVERTER = f"int(max={MAX_BIGINT})"


def payload_schema_name(entry_type: str) -> str:
    return ENTRY_TYPES[entry_type].schema.__name__


class EnvelopeSchema(Schema):
    """The signed envelope (DESIGN §4); the signature covers its RFC 8785 bytes."""

    v = fields.Integer(required=True, validate=validate.Equal(1))
    type = fields.String(required=True, validate=validate.OneOf(sorted(ENTRY_TYPES)))
    signer = PartyId(required=True)
    key = KeyId(required=True, metadata={"description": "hex of the first 16 bytes of SHA-256(raw public key)"})
    signed_at = UtcTimestamp(required=True)
    nonce = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"description": "unique per signer; a retry reuses it"})
    payload = fields.Dict(
        required=True,
        metadata={
            "description": "Shape depends on `type`: " + ", ".join(f"{name} → {payload_schema_name(name)}" for name in sorted(ENTRY_TYPES)),
            "oneOf": [{"$ref": f"#/components/schemas/{schema}"} for schema in sorted({payload_schema_name(n) for n in ENTRY_TYPES})],
        },
    )


class SubmissionSchema(Schema):
    envelope = fields.Nested(EnvelopeSchema, required=True)
    signature = fields.String(required=True, metadata={"format": "byte", "description": "base64 Ed25519 signature over JCS(envelope)"})


class BatchSchema(Schema):
    entries = fields.List(fields.Nested(SubmissionSchema), required=True, metadata={"description": "at most LEDGER_MAX_BATCH (default 1000) entries; all or nothing"})


class BatchQuerySchema(Schema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "check every entry as an append would, write nothing, and answer 200 with a result per entry"},
    )


class EntryCheckSchema(Schema):
    index_in_batch = fields.Integer(required=True, metadata={"description": "the entry's position in `entries`, from 0"})
    ok = fields.Boolean(required=True, metadata={"description": "whether an append would take the entry"})
    index = fields.Integer(metadata={"description": "the log holds this entry already, at this index: an append answers its first receipt"})
    problem = fields.Nested("ProblemSchema", metadata={"description": "what an append would refuse the entry with (ok false)"})


class DryRunResultsSchema(Schema):
    results = fields.List(fields.Nested(EntryCheckSchema), required=True, metadata={"description": "one per entry, in order; nothing was written"})


class ReceiptSchema(Schema):
    index = fields.Integer(required=True)
    leaf_hash = Base64Bytes(required=True)
    checkpoint = fields.String(required=True, metadata={"description": "signed checkpoint note that includes the entry"})
    inclusion_proof = fields.List(Base64Bytes(), required=True, metadata={"description": "RFC 9162 audit path at the checkpoint's tree size"})


class BatchReceiptsSchema(Schema):
    receipts = fields.List(fields.Nested(ReceiptSchema), required=True)


class RecordSchema(Schema):
    index = fields.Integer(required=True)
    recorded_at = fields.String(required=True, metadata={"format": "date-time"})
    envelope = fields.Nested(EnvelopeSchema, required=True)
    signature = fields.String(required=True, metadata={"format": "byte"})


class EntrySchema(Schema):
    record = fields.Dict(required=True, metadata={"description": "the log record; its RFC 8785 bytes are the Merkle leaf", "allOf": [{"$ref": "#/components/schemas/Record"}]})
    leaf_hash = Base64Bytes(required=True)


class EntryPageSchema(Schema):
    items = fields.List(fields.Nested(EntrySchema), required=True)
    next = fields.Integer(allow_none=True, required=True, metadata={"description": "pass as `after` for the next page; null at the end"})


class EntryQuerySchema(Schema):
    after = fields.Integer(load_default=None, validate=validate.Range(min=-1, max=MAX_BIGINT), metadata={"description": "cursor: return entries with index greater than this"})
    before = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_BIGINT), metadata={"description": "return entries with index less than this"})
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={"description": "page size (default 100, at most LEDGER_MAX_PAGE_SIZE)"})
    type = fields.String(load_default=None, validate=validate.OneOf(sorted(ENTRY_TYPES)))
    signer = PartyId(load_default=None)


class IndexPathSchema(Schema):
    index = fields.Integer(required=True, validate=validate.Range(min=0))


class InclusionQuerySchema(Schema):
    tree_size = fields.Integer(required=True, validate=validate.Range(min=1))


class InclusionProofSchema(Schema):
    index = fields.Integer(required=True)
    tree_size = fields.Integer(required=True)
    leaf_hash = Base64Bytes(required=True)
    audit_path = fields.List(Base64Bytes(), required=True)


class ConsistencyQuerySchema(Schema):
    first = fields.Integer(required=True, validate=validate.Range(min=1))
    second = fields.Integer(required=True, validate=validate.Range(min=1))


class ConsistencyProofSchema(Schema):
    first = fields.Integer(required=True)
    second = fields.Integer(required=True)
    proof = fields.List(Base64Bytes(), required=True)


class LogInfoSchema(Schema):
    origin = fields.String(required=True)
    verifier_key = fields.String(required=True, metadata={"description": "<name>+<8 hex key hash>+<base64(0x01 ‖ public key)>"})
    tree_size = fields.Integer(required=True)


class KeySchema(Schema):
    key_id = fields.String(required=True)
    party = fields.String(required=True, attribute="party_id")
    public_key = Base64Bytes(required=True)
    added_index = fields.Integer(required=True)
    revoked_index = fields.Integer(allow_none=True, required=True)


class PartySchema(Schema):
    party = fields.String(required=True, attribute="party_id")
    legal_name = fields.String(required=True)
    unified_social_credit_code = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    registered_index = fields.Integer(required=True)


class PartyDetailSchema(PartySchema):
    keys = fields.List(fields.Nested(KeySchema), required=True)


class PartyPageSchema(Schema):
    items = fields.List(fields.Nested(PartySchema), required=True)
    next = fields.String(allow_none=True, required=True)


class PartyQuerySchema(Schema):
    after = PartyId(load_default=None, metadata={"description": "cursor: parties whose id sorts after this"})
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1))


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"format": "uri"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "stable slug, the last segment of `type`"})
    field = fields.String(metadata={"description": "the input at fault"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={"description": "field -> messages"})
    allowed = fields.List(fields.String(), metadata={"description": "unknown-query-parameter, repeated-query-parameter: the query parameters the route takes"})
    request_id = fields.String()


class HealthSchema(Schema):
    status = fields.String(required=True)
