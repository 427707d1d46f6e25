"""A demo programme loaded through the normal signed path; deterministic, so every run is the same."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.client import make_envelope
from ledger.config import Config
from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import private_key_from_seed, raw_public_key, read_private_key_file
from ledger.domain import roles
from ledger.domain.identifiers import uscc_check_character
from ledger.services.entries import submit_entries
from ledger.services.runtime import LedgerRuntime

SEED = "greenledger-demo-v1"
#: Fixed signing time, so that a re-run sends identical envelopes and is answered as a retry.
SIGNED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class DemoParty:
    party_id: str
    legal_name: str
    roles: tuple[str, ...]
    region: str  # administrative division code (first 6 digits of the USCC body)


# Names are illustrative: real institutions are not parties to this demo.
PARTIES = (
    DemoParty("sc-dee", "Sichuan Provincial Department of Ecology and Environment (illustrative)", (roles.DEPARTMENT,), "510000"),
    DemoParty("icbc-sichuan", "ICBC Sichuan Branch (illustrative)", (roles.LENDER,), "510100"),
    DemoParty("ccb-sichuan", "China Construction Bank Sichuan Branch (illustrative)", (roles.LENDER,), "510100"),
    DemoParty("chengdu-bank", "Bank of Chengdu (illustrative)", (roles.LENDER,), "510100"),
    DemoParty("scmrv", "Sichuan Carbon MRV Centre (illustrative)", (roles.VERIFIER,), "510100"),
    DemoParty("westchina-verify", "West China Emission Verification Co. (illustrative)", (roles.VERIFIER,), "510700"),
    DemoParty("tianfu-hq-operator", "Tianfu Headquarters Business District Management Committee", (roles.PARK_OPERATOR,), "510100"),
    DemoParty("unicorn-island-operator", "Chengdu Unicorn Island Operator", (roles.PARK_OPERATOR,), "510100"),
    DemoParty("yibin-sanjiang-operator", "Yibin Sanjiang New District East Industrial Park Operator", (roles.PARK_OPERATOR,), "511500"),
    DemoParty("suining-anju-operator", "Suining Anju Economic Development Zone Operator", (roles.PARK_OPERATOR,), "510900"),
    DemoParty("provincial-audit", "Provincial Audit Office (illustrative)", (roles.AUDITOR,), "510000"),
)


def demo_key(party_id: str) -> Ed25519PrivateKey:
    """The demo party's fixed key (derived from a public seed: demo keys protect nothing)."""
    return private_key_from_seed(hashlib.sha256(f"{SEED}/{party_id}".encode()).digest())


def demo_uscc(party: DemoParty) -> str:
    digest = hashlib.sha256(f"{SEED}/uscc/{party.party_id}".encode()).digest()
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + party.region + "".join(alphabet[b % 31] for b in digest[:9])
    return body + uscc_check_character(body)


def _registration(party: DemoParty) -> dict[str, Any]:
    return {
        "party": party.party_id,
        "legal_name": party.legal_name,
        "unified_social_credit_code": demo_uscc(party),
        "roles": list(party.roles),
        "public_key": b64encode(raw_public_key(demo_key(party.party_id))),
    }


def load_demo(runtime: LedgerRuntime, config: Config, operator_id: str = "operator") -> str:
    """Register the demo parties in one signed batch; a second run is an idempotent retry.

    :returns: a one-line summary.
    """
    operator = read_private_key_file(config.operator_key_path, config.key_passphrase)
    batch = [
        make_envelope(entry_type="party.registered", signer=operator_id, key=operator, payload=_registration(p), nonce=f"demo-party-{p.party_id}", signed_at=SIGNED_AT)
        for p in PARTIES
    ]
    result = submit_entries(runtime, batch, batch=True)
    first, last = result.receipts[0].index, result.receipts[-1].index
    state = "registered" if result.created else "already present"
    return f"{len(PARTIES)} parties {state} at indices {first}-{last}"
