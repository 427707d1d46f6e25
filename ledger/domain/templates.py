"""An example payload for every entry type, who signs it, and what each field means: `greenledger template`.

The examples tell one story in the demo programme's names (ledger/demo.py): the registry operator
registers a new bank and rotates its key; the department sc-dee registers park tianfu-hq, whose
operator op-tianfu-hq reports its 2025 figures and registers project tianfu-hq/p0018; icbc-sichuan lends
to it; the verifier scmrv verifies its 2024 reductions; the department rewards them; scmrv issues
credits, which the park operator passes on, the bank retires in part and scmrv cancels in part. On a
ledger where those parties are registered, each example submitted in ``TEMPLATES`` order by its
``example_signer`` is accepted (tests/api/test_template_examples.py), and each loads through its
type's schema (tests/unit/domain/test_templates.py); ledger/domain/field_notes.py explains each field.
The loan examples are accepted as they are on the demo's own ledger too (`greenledger serve --demo`),
so a bank officer's first write can be a template signed with the demo bank's key.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import key_id, private_key_from_seed, raw_public_key
from ledger.domain import roles
from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.field_notes import COMMENT, field_notes
from ledger.domain.types.credits import MAX_SERIAL


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
ASSESSOR = "expert-zhang"
#: A stand-in for the log index of the statistics entry above: an assessment names the indices of the
#: statistics it rests on, which only the log knows (`GET /v1/park-statistics?park_id=...` lists them).
STATISTICS_INDEX = 12


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
    #: For a type with several kinds (of reward programme): the kind this example shows
    #: (``greenledger template TYPE --kind KIND``).
    kind: str | None = None

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
        "green_output_value": "7600000000.00",
        "coal_consumption_tce": "61000.000",
        "clean_energy_tce": "112000.000",
    }),
    Template("programme.targets.set", "the department", DEPARTMENT, {
        "target_year": 2025,
        "output_value": "500000000000.00",
        "green_output_value": "200000000000.00",
        "currency": "CNY",
        "decided_at": "2022-06-30T00:00:00Z",
    }),
    Template("park.targets.set", "the department", DEPARTMENT, {
        "park": PARK,
        "target_year": 2025,
        "intensity_reduction_percent": "18.00",
        "emissions_cap": "700000.000",
        "coal_cap_tce": "80000.000",
        "min_clean_energy_share_percent": "35.00",
        "decided_at": "2022-06-30T00:00:00Z",
    }),
    Template("park.assessed", "an assessor of the expert library, or the department", ASSESSOR, {
        "assessment": f"{PARK}/2025",
        "park": PARK,
        "target_year": 2025,
        "statistics": [STATISTICS_INDEX],
        "outcome": "successful",
        "output_value": "18900000000.00",
        "green_output_value": "7600000000.00",
        "total_emissions": "664000.000",
        "intensity": "0.351323",
        "intensity_reduction_percent": "35.73",
        "coal_consumption_tce": "61000.000",
        "clean_energy_share_percent": "43.92",
        "report_sha256": b64encode(hashlib.sha256(f"greenledger-demo-v1/assessment/{PARK}/2025".encode()).digest()),
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
        "kind": "per-tonne",
        "yuan_per_tco2e": "30.00",
        "cap_per_project": "3000000.00",
    }, kind="per-tonne"),
    Template("reward.disbursed", "the department", DEPARTMENT, {
        "disbursement": "nzc-2025/0001",
        "program": PROGRAM,
        "project": PROJECT,
        "amount": "360000.00",
        "currency": "CNY",
        "verifications": [VERIFICATION],
    }, kind="per-tonne"),
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

PARK_PROGRAM = "nzc-park-success-2025"

#: Examples of the other kinds of a type, submitted after ``_EXAMPLES``.
_KIND_EXAMPLES = (
    Template("reward.program.created", "the department", DEPARTMENT, {
        "program": PARK_PROGRAM,
        "name": "Rewards for the successful pilot parks, 2025",
        "budget": "85000000.00",
        "currency": "CNY",
        "kind": "park-success",
        "target_year": 2025,
        "award_per_park": "5000000.00",
    }, kind="park-success"),
    Template("reward.disbursed", "the department", DEPARTMENT, {
        "disbursement": f"{PARK_PROGRAM}/{PARK}",
        "program": PARK_PROGRAM,
        "park": PARK,
        "assessment": f"{PARK}/2025",
        "amount": "5000000.00",
        "currency": "CNY",
    }, kind="park-success"),
)

#: Every entry type's template, in the order the examples can be submitted.
TEMPLATES: dict[str, Template] = {t.entry_type: t for t in _EXAMPLES}
#: The examples of other kinds, by type and kind.
KIND_TEMPLATES: dict[tuple[str, str], Template] = {(t.entry_type, t.kind): t for t in _KIND_EXAMPLES if t.kind}


def kinds_of(entry_type: str) -> list[str]:
    """The kinds with their own example, for a type that has several (the main example's kind first)."""
    main = TEMPLATES[entry_type].kind if entry_type in TEMPLATES else None
    return [main, *(kind for name, kind in KIND_TEMPLATES if name == entry_type)] if main else []

#: What a party in each role usually writes first: the template `greenledger parties add` points to.
FIRST_WRITE = {
    roles.ADMIN: "party.registered",
    roles.DEPARTMENT: "park.registered",
    roles.PARK_OPERATOR: "project.registered",
    roles.LENDER: "loan.registered",
    roles.VERIFIER: "reduction.verified",
    roles.ASSESSOR: "park.assessed",
}

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
    kinds = kinds_of(name)
    if kinds:
        lines.append(f"{COMMENT} This is the {template.kind} example; for another kind: greenledger template {name} --kind {'|'.join(kinds)}")
    lines.append(f"{COMMENT} Fields:")
    lines += [note.line() for note in field_notes(name)]
    return "\n".join(lines) + "\n" + payload_json(template)


def signers_table() -> list[tuple[str, str, str]]:
    """(entry type, who signs it, what it records) for every type, in template order."""
    return [(t.entry_type, t.signed_by, t.description) for t in TEMPLATES.values()]
