"""An example payload for every entry type, who signs it, and what each field means: `greenledger template`.

The examples tell one story in the demo programme's names (ledger/demo.py): the registry operator
registers a new bank and rotates its key; the department sc-dee registers park tianfu-hq, whose
operator op-tianfu-hq reports its 2025 figures and registers project tianfu-hq/p0018; icbc-sichuan lends
to it; the verifier scmrv verifies its 2024 reductions; the department rewards them; scmrv issues
credits, which the park operator passes on, the bank retires in part and scmrv cancels in part. On a
ledger where those parties are registered, each example submitted in ``TEMPLATES`` order by its
``example_signer`` is accepted (tests/api/test_template_examples.py), and each loads through its
type's schema (tests/unit/domain/test_templates.py): the field notes are read from those schemas.
The loan examples are accepted as they are on the demo's own ledger too (`greenledger serve --demo`),
so a bank officer's first write can be a template signed with the demo bank's key.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any, Iterator, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from marshmallow import Schema, fields, missing, validate

from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import key_id, private_key_from_seed, raw_public_key
from ledger.domain import roles
from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.fields import Base64Bytes, DecimalString, Money, Tonnes, UtcTimestamp
from ledger.domain.types.credits import MAX_SERIAL

#: What a note line starts with; `greenledger sign` skips leading lines that start so.
COMMENT = "#"


def _example_key(name: str) -> Ed25519PrivateKey:
    """A stand-in key from a public seed (it protects nothing): a real party puts its own public key."""
    return private_key_from_seed(hashlib.sha256(f"greenledger-template/{name}".encode()).digest())


def _example_public_key(name: str) -> str:
    return b64encode(raw_public_key(_example_key(name)))


NEW_BANK = "deyang-bank"

DEPARTMENT = "sc-dee"
LENDER = "icbc-sichuan"
VERIFIER = "scmrv"
PARK = "tianfu-hq"
PARK_OPERATOR = f"op-{PARK}"
# Project 18 is the demo's second in tianfu-hq: its loans leave room (the first has a bridge loan past its
# investment), so the loan examples, under a loan id the demo does not use, are accepted by `serve --demo` too.
PROJECT = f"{PARK}/p0018"
LOAN = f"{LENDER}/2026-0001"
VERIFICATION = f"{VERIFIER}/2024/0018"
PROGRAM = "nzc-rewards-2025"


@dataclass(frozen=True)
class Template:
    entry_type: str
    #: Who may sign it, in words (the README's table says the same).
    signed_by: str
    #: The demo party that signs this example.
    example_signer: str
    payload: Mapping[str, Any]
    #: Set for types a command writes (never signed by hand): the command.
    written_by: str | None = None

    @property
    def description(self) -> str:
        return ENTRY_TYPES[self.entry_type].description


_LOAN = {
    "loan": LOAN,
    "project": PROJECT,
    "principal": "15000000.00",
    "currency": "CNY",
    "annual_rate_percent": "3.4500",
    "term_months": 60,
    "exceeds_investment": False,
}

_EXAMPLES = (
    Template("ledger.genesis", "the registry operator, only through `greenledger init`", "operator", {
        "origin": "greenledger.sichuan.example/pilot-parks",
        "checkpoint_key": _example_public_key("checkpoint"),
        "operator": {
            "party": "operator",
            "legal_name": "Sichuan Near-Zero-Carbon Park Registry Operator (illustrative)",
            "unified_social_credit_code": "12510000MB1C2D3E42",
            "public_key": _example_public_key("operator"),
        },
    }, written_by="greenledger init"),
    Template("party.registered", "an admin (the registry operator: `greenledger parties add` signs it for you)", "operator", {
        "party": NEW_BANK,
        "legal_name": "Bank of Deyang (illustrative)",
        "unified_social_credit_code": "91510600MA6DYB8K34",
        "roles": [roles.LENDER],
        "public_key": _example_public_key(f"{NEW_BANK}/1"),
    }),
    Template("key.added", "an admin (the registry operator), for the party rotating its key", "operator", {
        "party": NEW_BANK,
        "public_key": _example_public_key(f"{NEW_BANK}/2"),
    }),
    Template("key.revoked", "an admin (the registry operator), after the party's new key is added", "operator", {
        "party": NEW_BANK,
        "key_id": key_id(raw_public_key(_example_key(f"{NEW_BANK}/1"))),
        "reason": "rotated to the key added at the 2026 key ceremony",
    }),
    Template("checkpoint.key.rotated", "an admin, only through `greenledger checkpoint-key rotate`", "operator", {
        "new_key": _example_public_key("checkpoint/2"),
        "endorsement": b64encode(hashlib.sha512(b"greenledger-template/endorsement").digest()),
        "acceptance": b64encode(hashlib.sha512(b"greenledger-template/acceptance").digest()),
    }, written_by="greenledger checkpoint-key rotate"),
    Template("park.registered", "the department, or an admin", DEPARTMENT, {
        "park": PARK,
        "name": "Tianfu Headquarters Business District",
        "city": "Chengdu",
        "economic_zone": "chengdu_plain",
        "leading_industries": ["headquarters economy", "finance", "digital services"],
        "operator": PARK_OPERATOR,
        "baseline_year": 2020,
        "baseline_emissions": "820000.000",
        "baseline_output_value": "15000000000.00",
        "currency": "CNY",
    }),
    Template("park.statistics.reported", "the park's operator", PARK_OPERATOR, {
        "park": PARK,
        "period_start": "2025-01-01T00:00:00Z",
        "period_end": "2026-01-01T00:00:00Z",
        "output_value": "18900000000.00",
        "currency": "CNY",
        "energy_use_tce": "255000.000",
        "total_emissions": "664000.000",
    }),
    Template("project.registered", "the park's operator", PARK_OPERATOR, {
        "project": PROJECT,
        "park": PARK,
        "name": "Rooftop solar and storage",
        "owner": "Chengdu Rooftop Co., Ltd. (illustrative)",
        "category": "3.2.1",
        "equity": "120000000.00",
        "debt": "380000000.00",
        "currency": "CNY",
        "expected_annual_reduction": "12000.000",
    }),
    Template("loan.registered", "a lender, for its own loan", LENDER, _LOAN),
    Template("loan.disbursed", "the loan's lender", LENDER, {
        "loan": LOAN,
        "amount": "10000000.00",
        "currency": "CNY",
        "value_date": "2024-03-15T00:00:00Z",
    }),
    Template("loan.repaid", "the loan's lender", LENDER, {
        "loan": LOAN,
        "amount": "1000000.00",
        "currency": "CNY",
        "value_date": "2025-03-15T00:00:00Z",
    }),
    Template("reduction.verified", "a verifier", VERIFIER, {
        "verification": VERIFICATION,
        "project": PROJECT,
        "period_start": "2024-01-01T00:00:00Z",
        "period_end": "2025-01-01T00:00:00Z",
        "baseline_emissions": "14500.000",
        "project_emissions": "2300.000",
        "leakage": "200.000",
        "reduction": "12000.000",
        "methodology": "CCER-14-001-V01",
        "report_sha256": b64encode(hashlib.sha256(f"greenledger-demo-v1/report/{VERIFICATION}".encode()).digest()),
        "vintage": 2024,
    }),
    Template("reward.program.created", "the department", DEPARTMENT, {
        "program": PROGRAM,
        "name": "Near-zero-carbon park reward fund 2025",
        "budget": "200000000.00",
        "currency": "CNY",
        "yuan_per_tco2e": "30.00",
        "cap_per_project": "3000000.00",
    }),
    Template("reward.disbursed", "the department", DEPARTMENT, {
        "disbursement": "nzc-2025/0001",
        "program": PROGRAM,
        "project": PROJECT,
        "amount": "360000.00",
        "currency": "CNY",
        "verifications": [VERIFICATION],
    }),
    Template("credits.issued", "the verification's verifier, or an admin", VERIFIER, {
        "serial_start": 1,
        "serial_end": 10000,
        "verification": VERIFICATION,
        "holder": PARK_OPERATOR,
    }),
    Template("credits.transferred", "the credits' holder", PARK_OPERATOR, {
        "serial_start": 1,
        "serial_end": 4000,
        "to": LENDER,
    }),
    Template("credits.retired", "the credits' holder", LENDER, {
        "serial_start": 1,
        "serial_end": 1000,
        "beneficiary": "ICBC Sichuan green loan book, Chengdu 2025 (illustrative)",
    }),
    Template("credits.cancelled", "the verification's verifier, or an admin", VERIFIER, {
        "serial_start": 9001,
        "serial_end": 10000,
        "reason": "over-issuance found when the 2024 monitoring report was re-checked",
    }),
    Template("entry.corrected", "the corrected entry's signer, or an admin", LENDER, {
        "corrects": 42,
        "reason": "the rate agreed at signing was 3.20%, not 3.45%",
        "payload": {**_LOAN, "annual_rate_percent": "3.2000"},
    }),
)

#: Every entry type's template, in the order the examples can be submitted.
TEMPLATES: dict[str, Template] = {t.entry_type: t for t in _EXAMPLES}

#: What a party in each role usually writes first: the template `greenledger parties add` points to.
FIRST_WRITE = {
    roles.ADMIN: "party.registered",
    roles.DEPARTMENT: "park.registered",
    roles.PARK_OPERATOR: "project.registered",
    roles.LENDER: "loan.registered",
    roles.VERIFIER: "reduction.verified",
}

# --- what each field means ----------------------------------------------------------------------

#: Descriptions of fields whose schema gives none, by (entry type, field), then by field alone.
NOTES: dict[str, str] = {
    "origin": "the log's name, fixed at genesis",
    "operator.party": "party id of the registry operator",
    "operator.legal_name": "the operator's legal name",
    "operator.public_key": "the operator's raw Ed25519 public key",
    "party.registered/party": "the new party's id: it signs as this (--signer)",
    "party": "the registered party whose key this is",
    "legal_name": "legal name, as on the business licence",
    "roles": "what the party may sign and read",
    "public_key": "the party's raw Ed25519 public key (`greenledger keys generate` prints it)",
    "key_id": "the key to revoke (`GET /v1/parties/<party>` lists a party's keys)",
    "reason": "why, in words",
    "name": "the name the programme shows",
    "economic_zone": "the Sichuan economic zone the park lies in",
    "leading_industries": "the park's leading industries",
    "baseline_year": "the year the baseline figures are for",
    "park.registered/baseline_emissions": "the park's emissions in the baseline year",
    "baseline_output_value": "the park's output value in the baseline year",
    "period_start": "the period's first instant (periods are [start, end))",
    "period_end": "the first instant after the period",
    "output_value": "the park's output value over the period",
    "total_emissions": "the park's emissions over the period",
    "equity": "the project's equity financing",
    "debt": "the project's debt financing (its loans may not exceed equity + debt)",
    "expected_annual_reduction": "reductions the project expects a year",
    "principal": "the amount lent",
    "term_months": "the loan's term",
    "loan.disbursed/amount": "the amount paid out (all disbursements together at most the principal)",
    "loan.repaid/amount": "the amount paid back (all repayments together at most what was disbursed)",
    "reward.disbursed/amount": "the amount paid (at most the programme's rate times the tonnes paid for)",
    "reduction.verified/baseline_emissions": "the emissions without the project over the period",
    "project_emissions": "the emissions with the project over the period",
    "methodology": "the methodology the verification followed",
    "vintage": "the year the reduction counts for, inside the period",
    "budget": "the programme's budget",
    "verifications": "the verifications this pays for, of this project, none paid for before",
    "holder": "the party the new credits are credited to",
    "to": "the party receiving the credits",
    "beneficiary": "on whose behalf the credits are retired",
    "corrects": "the index of the entry replaced (its receipt's index)",
}

#: Units of fields whose kind does not say it.
_UNITS = {
    "energy_use_tce": "tce (tonnes of standard coal equivalent)",
    "annual_rate_percent": "percent a year",
    "term_months": "months",
    "serial_start": "one serial per tCO2e",
    "serial_end": "one serial per tCO2e",
    "baseline_year": "calendar year",
    "vintage": "calendar year",
}


@dataclass(frozen=True)
class FieldNote:
    name: str  # dotted for nested fields: operator.party
    required: bool
    kind: str
    unit: str | None
    description: str
    default: str | None = None  # JSON of what an absent optional field means, when the schema fills one in

    @property
    def presence(self) -> str:
        if self.required:
            return "required"
        return f"optional, default {self.default}" if self.default is not None else "optional"

    def line(self) -> str:
        facts = "; ".join(f for f in (self.kind, self.unit, self.presence) if f)
        return f"{COMMENT}   {self.name} ({facts}): {self.description}"


def _limits(field: fields.Field[Any]) -> str:
    """What a field's validators allow, in words: choices, ranges and lengths."""
    said = []
    for v in field.validators:
        if isinstance(v, validate.OneOf):
            said.append("one of " + ", ".join(map(str, v.choices)))
        elif isinstance(v, validate.Range):
            said.append(f"{v.min} to {v.max}" if v.max is not None else f"at least {v.min}")
        elif isinstance(v, validate.Length):
            said.append(f"{v.min} to {v.max} long" if v.max is not None else f"at least {v.min} long")
    return ", ".join(said)


def _shape(field: fields.Field[Any]) -> str | None:
    """A string field's pattern in words: its own error message ("must be …"), else its example."""
    for v in field.validators:
        if isinstance(v, validate.Regexp):
            if v.error != validate.Regexp.default_message:
                return str(v.error).removeprefix("must be ")
            return f"like {field.metadata['example']}" if "example" in field.metadata else f"matching {v.regex.pattern}"
    return None


def _kind(field: fields.Field[Any]) -> str:
    if isinstance(field, DecimalString):
        return f"decimal string, {field.places} places"
    if isinstance(field, UtcTimestamp):
        return "RFC 3339 UTC time, ending in Z"
    if isinstance(field, Base64Bytes):
        return f"base64 of {field.length} bytes" if field.length else "base64"
    if isinstance(field, fields.Boolean):
        return "true or false"
    if isinstance(field, fields.Dict):
        return "JSON object"
    limits = _limits(field)
    if isinstance(field, fields.Integer):
        kind = "integer"
    elif isinstance(field, fields.List):
        kind = f"list of ({_kind(field.inner)})"
        limits = limits.replace(" long", " items")
    else:
        shape = _shape(field)
        kind = f"text: {shape}" if shape else "text"
    return f"{kind}, {limits}" if limits else kind


def _unit(name: str, field: fields.Field[Any]) -> str | None:
    if name in _UNITS:
        return _UNITS[name]
    if isinstance(field, Money):
        return "CNY"
    if isinstance(field, Tonnes):
        return "tCO2e"
    return None


def note_keys(entry_type: str, path: str) -> tuple[str, ...]:
    """Where ``_NOTES`` may describe a field, most specific first."""
    return (f"{entry_type}/{path}", path, path.rpartition(".")[2])


def _description(entry_type: str, path: str, field: fields.Field[Any]) -> str:
    """The schema's description (the OpenAPI document shows the same), else the note for the field."""
    if "description" in field.metadata:
        return str(field.metadata["description"])
    return next((NOTES[key] for key in note_keys(entry_type, path) if key in NOTES), "")


def _notes(entry_type: str, schema: Schema, prefix: str = "") -> Iterator[FieldNote]:
    for name, field in schema.fields.items():
        path = prefix + name
        if isinstance(field, fields.Nested):
            yield FieldNote(path, field.required, "object", None, "its fields follow")
            yield from _notes(entry_type, field.schema, path + ".")
            continue
        default = None if field.required or field.load_default in (missing, None) else json.dumps(field.load_default)
        yield FieldNote(path, field.required, _kind(field), _unit(name, field), _description(entry_type, path, field), default)


def field_notes(entry_type: str) -> list[FieldNote]:
    """One note per payload field of ``entry_type`` (nested fields after their parent), in schema order."""
    return list(_notes(entry_type, ENTRY_TYPES[entry_type].schema()))


# --- rendering --------------------------------------------------------------------------------


def with_next_serial(template: Template, next_serial: int) -> Template:
    """The credits.issued template moved to start at ``next_serial``, issuing as many credits."""
    payload = dict(template.payload)
    quantity = payload["serial_end"] - payload["serial_start"]
    payload["serial_start"] = next_serial
    payload["serial_end"] = min(next_serial + quantity, MAX_SERIAL)
    return replace(template, payload=payload)


def payload_json(template: Template) -> str:
    return json.dumps(template.payload, indent=2, ensure_ascii=False) + "\n"


def demo_key_file(party: str) -> str:
    """Where `greenledger serve --demo` keeps a demo party's private key (the operator's is the server's own)."""
    return "$LEDGER_HOME/keys/operator.pem" if party == "operator" else f"$LEDGER_HOME/demo-keys/{party}.pem"


def render(template: Template, *, serial_note: str | None = None) -> str:
    """Note lines (the type, who signs, how to sign, one per field), then the example payload's JSON."""
    name = template.entry_type
    lines = [f"{COMMENT} {name}: {template.description}", f"{COMMENT} Signed by {template.signed_by}; in the demo, {template.example_signer}."]
    if template.written_by:
        lines.append(f"{COMMENT} Written by `{template.written_by}`: it is shown here only to explain the record.")
    else:
        lines += [
            f"{COMMENT} Edit the values in the JSON below, then sign it as yourself and submit it:",
            f"{COMMENT}   greenledger sign --key YOUR-KEY.pem --signer YOUR-PARTY-ID --type {name} THIS-FILE > signed.json",
            f"{COMMENT}   (in the demo: --key {demo_key_file(template.example_signer)} --signer {template.example_signer})",
            f"{COMMENT}   greenledger submit signed.json > receipt.json",
            f"{COMMENT} Lines starting with {COMMENT} are notes; greenledger sign skips them.",
        ]
    if serial_note:
        lines.append(f"{COMMENT} {serial_note}")
    lines.append(f"{COMMENT} Fields:")
    lines += [note.line() for note in field_notes(name)]
    return "\n".join(lines) + "\n" + payload_json(template)


def signers_table() -> list[tuple[str, str, str]]:
    """(entry type, who signs it, what it records) for every type, in template order."""
    return [(t.entry_type, t.signed_by, t.description) for t in TEMPLATES.values()]
