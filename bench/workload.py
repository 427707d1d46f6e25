"""What the benchmarks send: admin signer parties and pre-signed ``party.registered`` entries.

All signing happens before any clock starts. Each entry registers a new party (unique id,
fresh Ed25519 public key, valid GB 32100 code) and is signed by one of the signer parties,
which the operator registers through the API first.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench import load
from ledger.client import make_envelope
from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import generate_private_key, raw_public_key, read_private_key_file
from ledger.domain.identifiers import USCC_ALPHABET, uscc_check_character

OPERATOR_ID = "operator"


def uscc(seed: str, region: str = "510100") -> str:
    """A deterministic, valid unified social credit code (GB 32100-2015) for ``seed``."""
    digest = hashlib.sha256(f"greenledger-bench/uscc/{seed}".encode()).digest()
    body = "91" + region + "".join(USCC_ALPHABET[b % 31] for b in digest[:9])
    return body + uscc_check_character(body)


def registration(party_id: str, legal_name: str, roles: list[str], public_key: bytes) -> dict[str, Any]:
    return {
        "party": party_id,
        "legal_name": legal_name,
        "unified_social_credit_code": uscc(party_id),
        "roles": roles,
        "public_key": b64encode(public_key),
    }


@dataclass(frozen=True)
class Signer:
    party_id: str
    key: Ed25519PrivateKey


class Workload:
    """Signer parties for one server, and a supply of signed entries with unique party ids."""

    def __init__(self, run_tag: str | None = None, signers: int = 8) -> None:
        self.tag = run_tag or secrets.token_hex(3)
        self.signers = [Signer(f"bench-{self.tag}-signer-{n}", generate_private_key()) for n in range(signers)]
        self._next = 0
        #: party id -> API token, once the signers are registered (register_signers).
        self.tokens: dict[str, str] = {}

    def register_signers(self, server: Any) -> None:
        """Register the signer parties (role admin) in one batch signed by the operator key, and give
        each an API token (a ``bench.servers.LedgerServer``)."""
        operator = read_private_key_file(server.operator_key_path)
        entries = [
            make_envelope(
                entry_type="party.registered",
                signer=OPERATOR_ID,
                key=operator,
                payload=registration(s.party_id, f"Bench signer {n} (synthetic)", ["admin"], raw_public_key(s.key)),
                nonce=f"{s.party_id}-reg",
            )
            for n, s in enumerate(self.signers)
        ]
        body = (load.encode({"entries": entries}), load.bearer(server.issue_token(OPERATOR_ID)))
        result = load.sequential(server.host, server.port, "POST", "/v1/entries/batch", [body], expect=201)
        if result.failed:
            raise RuntimeError(f"registering the signer parties failed: {result.samples}")
        self.tokens = {s.party_id: server.issue_token(s.party_id) for s in self.signers}

    def entries(self, count: int, role: str = "lender", signer: Signer | None = None) -> list[dict[str, Any]]:
        """``count`` new signed ``party.registered`` entries, by ``signer`` or round-robin over the signers."""
        out = []
        for _ in range(count):
            n = self._next
            self._next += 1
            by = signer or self.signers[n % len(self.signers)]
            party_id = f"bench-{self.tag}-p{n}"
            out.append(
                make_envelope(
                    entry_type="party.registered",
                    signer=by.party_id,
                    key=by.key,
                    payload=registration(party_id, f"Bench lender {n} (synthetic)", [role], raw_public_key(generate_private_key())),
                    nonce=f"p{n}",
                )
            )
        return out

    def _auth(self, party_id: str) -> dict[str, str]:
        return load.bearer(self.tokens[party_id]) if party_id in self.tokens else {}

    def bodies(self, count: int) -> list[load.Body]:
        """``count`` single-entry requests for ``POST /v1/entries``, each with its signer's token."""
        return [(load.encode(e), self._auth(e["envelope"]["signer"])) for e in self.entries(count)]

    def batch_bodies(self, batches: int, size: int) -> list[load.Body]:
        """``batches`` requests for ``POST /v1/entries/batch``, ``size`` entries each, each batch by one
        signer (a token speaks for one party), round-robin over the signers."""
        out: list[load.Body] = []
        for number in range(batches):
            signer = self.signers[number % len(self.signers)]
            out.append((load.encode({"entries": self.entries(size, signer=signer)}), self._auth(signer.party_id)))
        return out


def receipts_in(body: bytes) -> int:
    """How many receipts a batch answer holds (to check a 201 really accepted every entry)."""
    return len(json.loads(body)["receipts"])
