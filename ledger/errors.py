"""Every exception greenledger raises, each with a stable code slug and a title."""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """Base of all greenledger errors.

    ``code`` is a stable slug that becomes the problem type URI; ``field`` names the
    input at fault (a dotted path such as ``envelope.payload.amount``) when there is one.
    """

    code = "ledger-error"
    title = "Ledger error"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


# --- input shape -------------------------------------------------------------------------


class InvalidInput(LedgerError):
    """The request is well-formed JSON but a field breaks the format rules."""

    code = "invalid-input"
    title = "Invalid input"


class MalformedJson(LedgerError):
    code = "malformed-json"
    title = "Malformed JSON"


class InvalidDecimal(InvalidInput):
    """A money or tCO2e value is not a plain decimal string of the allowed scale."""

    code = "invalid-decimal"
    title = "Invalid decimal string"


class InvalidTimestamp(InvalidInput):
    code = "invalid-timestamp"
    title = "Invalid timestamp"


class InvalidBase64(InvalidInput):
    code = "invalid-base64"
    title = "Invalid base64"


class NonCanonicalValue(InvalidInput):
    """A value cannot be encoded as RFC 8785 canonical JSON (a float, an unsafe integer)."""

    code = "non-canonical-value"
    title = "Value has no canonical encoding"


class UnknownQueryParameter(InvalidInput):
    """The query string names a parameter the route does not take (``allowed`` lists those it does)."""

    code = "unknown-query-parameter"
    title = "Unknown query parameter"


class RepeatedQueryParameter(InvalidInput):
    """The query string gives a single-valued parameter more than once: which one was meant?"""

    code = "repeated-query-parameter"
    title = "Repeated query parameter"


class UnknownEntryType(InvalidInput):
    code = "unknown-entry-type"
    title = "Unknown entry type"


class BatchTooLarge(LedgerError):
    code = "batch-too-large"
    title = "Batch too large"


# --- signatures and keys -----------------------------------------------------------------


class InvalidSignature(LedgerError):
    code = "invalid-signature"
    title = "Invalid signature"


class InvalidKey(LedgerError):
    """Key material on disk or in a payload cannot be read."""

    code = "invalid-key"
    title = "Invalid key"


class UnknownKey(LedgerError):
    code = "unknown-key"
    title = "Unknown signing key"


class KeyRevoked(LedgerError):
    code = "key-revoked"
    title = "Signing key revoked"


class SignedInFuture(LedgerError):
    code = "signed-in-future"
    title = "signed_at is too far in the future"


class SignedTooOld(LedgerError):
    code = "signed-too-old"
    title = "signed_at is too far in the past"


class SignedBeforeKeyRegistration(LedgerError):
    code = "signed-before-key-registration"
    title = "signed_at is before the signing key was registered"


# --- registry and rules ------------------------------------------------------------------


class RuleViolation(LedgerError):
    """A business rule forbids the entry; ``code`` names the rule (``rule=`` gives it a slug of its own)."""

    code = "rule-violation"
    title = "Rule violation"

    def __init__(self, detail: str, *, field: str | None = None, rule: str | None = None, **extra: Any) -> None:
        super().__init__(detail, field=field, **extra)
        if rule is not None:
            self.code = rule


class NotAuthorized(RuleViolation):
    """The signer lacks the role the entry type needs."""

    code = "role-not-allowed"
    title = "Signer lacks the required role"


class DuplicateId(RuleViolation):
    code = "duplicate-id"
    title = "Identifier already registered"


class UnknownReference(RuleViolation):
    code = "unknown-reference"
    title = "Referenced identifier does not exist"


class IdempotencyConflict(LedgerError):
    """The signer's nonce was already used for an envelope with other content."""

    code = "nonce-conflict"
    title = "Nonce already used with other content"


class LedgerNotInitialized(LedgerError):
    code = "ledger-not-initialized"
    title = "Ledger has no genesis entry"


class LedgerAlreadyInitialized(LedgerError):
    code = "ledger-already-initialized"
    title = "Ledger already has a genesis entry"


# --- access ------------------------------------------------------------------------------


class Unauthenticated(LedgerError):
    """No API token, or one that is unknown, expired or revoked."""

    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(LedgerError):
    """The token's party may not read or do this."""

    code = "forbidden"
    title = "Forbidden"


class FormTokenInvalid(Forbidden):
    """A write sent with the pages' session lacks this session's form token (X-CSRFToken), or it is stale."""

    code = "form-token-invalid"
    title = "Form token missing or invalid"


class TokenPartyMismatch(Forbidden):
    """A write's envelope is signed by another party than the one the token was issued to."""

    code = "token-party-mismatch"
    title = "Token and signer are different parties"


# --- reads and proofs --------------------------------------------------------------------


class EntryNotFound(LedgerError):
    code = "entry-not-found"
    title = "Entry not found"


class NotFound(LedgerError):
    code = "not-found"
    title = "Not found"


class UnknownSubject(NotFound):
    """A report names a project, lender, park or reward programme the log has not registered (yet, at
    the report's tree size), or a party that is no lender for a lender's report."""

    code = "unknown-subject"
    title = "Unknown report subject"


class TreeSizeOutOfRange(LedgerError):
    """A proof was asked for a tree size the log does not have, or for an impossible pair."""

    code = "tree-size-out-of-range"
    title = "Tree size out of range"


class ProofMismatch(LedgerError):
    """A Merkle proof does not lead to the expected root."""

    code = "proof-mismatch"
    title = "Proof does not verify"


class InvalidCheckpoint(LedgerError):
    """A checkpoint note is malformed or its signature does not verify."""

    code = "invalid-checkpoint"
    title = "Invalid checkpoint"


class RateLimited(LedgerError):
    """Too many requests from one token (or, without a valid token, one address)."""

    code = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ServiceUnavailable(LedgerError):
    code = "service-unavailable"
    title = "Service temporarily unavailable"


class VerificationFailed(LedgerError):
    """An exported log does not verify; ``index`` names the first entry at fault (None: the bundle as a whole)."""

    code = "verification-failed"
    title = "Verification failed"

    def __init__(self, detail: str, *, index: int | None = None, **extra: Any) -> None:
        super().__init__(f"index {index}: {detail}" if index is not None else detail, field=None, index=index, **extra)
        self.index = index
