"""What each payload field means, in words: its description, kind, unit and whether it is required.

The kind, the unit (for money and tonnes) and the presence are read from the marshmallow schemas the
server loads payloads with; the description too, when the schema gives one (the OpenAPI document shows
the same), else from ``NOTES``. `greenledger template` prints one note line per field. Pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from marshmallow import Schema, fields, missing, validate

from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.fields import Base64Bytes, DecimalString, Money, Tonnes, UtcTimestamp

#: What a note line starts with; `greenledger sign` skips leading lines that start so.
COMMENT = "#"

#: Descriptions of fields whose schema gives none: by "entry type/field", then by field path, then by name.
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
    "outcome": "successful when every target in force is met, else not-successful (the server checks it)",
    "verifications": "per-tonne programmes: the verifications this pays for, of this project, none paid for before",
    "holder": "the party the new credits are credited to",
    "to": "the party receiving the credits",
    "beneficiary": "on whose behalf the credits are retired",
    "corrects": "the index of the entry replaced (its receipt's index)",
}

#: Units of fields whose kind does not say it.
_UNITS = {
    "energy_use_tce": "tce (tonnes of standard coal equivalent)",
    "coal_consumption_tce": "tce (tonnes of standard coal equivalent)",
    "clean_energy_tce": "tce (tonnes of standard coal equivalent)",
    "coal_cap_tce": "tce (tonnes of standard coal equivalent)",
    "intensity": "tCO2e per 10,000 yuan of output value",
    "target_year": "calendar year",
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
    """Where ``NOTES`` may describe a field, most specific first."""
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
