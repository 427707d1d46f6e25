"""Builders shared by tests: valid payloads, party keys, tree-size probes."""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import key_id, private_key_from_seed, raw_public_key
from ledger.domain.identifiers import USCC_ALPHABET, uscc_check_character


def party_key(party_id: str, generation: int = 0) -> Ed25519PrivateKey:
    return private_key_from_seed(hashlib.sha256(f"test/{party_id}/{generation}".encode()).digest())


def uscc_for(party_id: str) -> str:
    digest = hashlib.sha256(party_id.encode()).digest()
    body = "91510100" + "".join(USCC_ALPHABET[b % 31] for b in digest[:9])
    return body + uscc_check_character(body)


def party_payload(party_id: str, roles: list[str], key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
    key = key or party_key(party_id)
    return {
        "party": party_id,
        "legal_name": f"{party_id} (test)",
        "unified_social_credit_code": uscc_for(party_id),
        "roles": roles,
        "public_key": b64encode(raw_public_key(key)),
    }


def kid(key: Ed25519PrivateKey) -> str:
    return key_id(raw_public_key(key))


def tree_size(client: Any) -> int:
    response = client.get("/v1/log")
    assert response.status_code == 200
    size: int = response.get_json()["tree_size"]
    return size


T_2024 = "2024-01-01T00:00:00Z"
T_2025 = "2025-01-01T00:00:00Z"
T_2026 = "2026-01-01T00:00:00Z"

#: Parties of the standard test programme and their roles.
PROGRAMME_PARTIES = {
    "dept": ["department"],
    "bank-a": ["lender"],
    "bank-b": ["lender"],
    "mrv": ["verifier"],
    "mrv-2": ["verifier"],
    "op-tianfu": ["park_operator"],
    "op-yibin": ["park_operator"],
    "buyer": ["auditor"],
}


class Programme:
    """Drives a test programme through HTTP: every call is a signed entry from a named party."""

    def __init__(self, client: Any, sign: Any) -> None:
        self.client = client
        self.sign = sign
        self.keys = {party: party_key(party) for party in PROGRAMME_PARTIES}
        entries = [sign("party.registered", party_payload(p, roles, self.keys[p])) for p, roles in PROGRAMME_PARTIES.items()]
        response = client.post("/v1/entries/batch", json={"entries": entries})
        assert response.status_code == 201, response.get_json()

    def signed(self, party: str, entry_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        if party == "operator":
            return self.sign(entry_type, payload)
        signed: dict[str, Any] = self.sign(entry_type, payload, signer=party, key=self.keys[party])
        return signed

    def ok(self, party: str, entry_type: str, payload: dict[str, Any]) -> int:
        """Submit and expect acceptance; returns the entry's index."""
        response = self.client.post("/v1/entries", json=self.signed(party, entry_type, payload))
        assert response.status_code == 201, response.get_json()
        index: int = response.get_json()["index"]
        return index

    def refused(self, party: str, entry_type: str, payload: dict[str, Any], status: int, code: str, field: str | None = None) -> dict[str, Any]:
        """Submit and expect the given problem, with the log unchanged."""
        before = tree_size(self.client)
        response = self.client.post("/v1/entries", json=self.signed(party, entry_type, payload))
        body: dict[str, Any] = response.get_json()
        assert response.status_code == status, body
        assert response.content_type == "application/problem+json"
        assert body["code"] == code, body
        if field is not None:
            assert body["field"] == field, body
        assert tree_size(self.client) == before
        return body

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    # --- building blocks with sensible defaults ---------------------------------------------------

    def park(self, park: str = "tianfu-hq", operator: str = "op-tianfu", **overrides: Any) -> dict[str, Any]:
        return {
            "park": park,
            "name": "Tianfu Headquarters Business District",
            "city": "Chengdu",
            "economic_zone": "chengdu_plain",
            "leading_industries": ["headquarters economy", "digital services"],
            "operator": operator,
            "baseline_year": 2020,
            "baseline_emissions": "500000.000",
            "baseline_output_value": "80000000000.00",
            "currency": "CNY",
            **overrides,
        }

    def project(self, project: str = "p1", park: str = "tianfu-hq", **overrides: Any) -> dict[str, Any]:
        return {
            "project": project,
            "park": park,
            "name": "Rooftop solar and storage",
            "owner": "Tianfu Solar Co., Ltd.",
            "category": "3.2.1",
            "equity": "600.00",
            "debt": "400.00",
            "currency": "CNY",
            "expected_annual_reduction": "1200.000",
            **overrides,
        }

    def loan(self, loan: str = "L1", project: str = "p1", principal: str = "500.00", **overrides: Any) -> dict[str, Any]:
        return {
            "loan": loan,
            "project": project,
            "principal": principal,
            "currency": "CNY",
            "annual_rate_percent": "3.4500",
            "term_months": 60,
            **overrides,
        }

    def movement(self, loan: str, amount: str) -> dict[str, Any]:
        return {"loan": loan, "amount": amount, "currency": "CNY", "value_date": "2026-03-01T00:00:00Z"}

    def reduction(self, verification: str = "v1", project: str = "p1", start: str = T_2024, end: str = T_2025, **overrides: Any) -> dict[str, Any]:
        return {
            "verification": verification,
            "project": project,
            "period_start": start,
            "period_end": end,
            "baseline_emissions": "1500.000",
            "project_emissions": "300.000",
            "reduction": "1200.000",
            "methodology": "CCER-14-001-V01",
            "report_sha256": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
            "vintage": int(start[:4]),
            **overrides,
        }

    def program(self, program: str = "rp-2025", budget: str = "100000.00", **overrides: Any) -> dict[str, Any]:
        return {"program": program, "name": "Near-zero-carbon park rewards 2025", "budget": budget, "currency": "CNY", "yuan_per_tco2e": "50.00", **overrides}

    def reward(self, disbursement: str = "rd-1", verifications: list[str] | None = None, amount: str = "60000.00", **overrides: Any) -> dict[str, Any]:
        return {
            "disbursement": disbursement,
            "program": "rp-2025",
            "project": "p1",
            "amount": amount,
            "currency": "CNY",
            "verifications": verifications or ["v1"],
            **overrides,
        }

    def setup_project(self) -> None:
        """The park tianfu-hq with project p1 (total investment 1,000.00) and loan L1 (500.00) by bank-a."""
        self.ok("dept", "park.registered", self.park())
        self.ok("op-tianfu", "project.registered", self.project())
        self.ok("bank-a", "loan.registered", self.loan())

    def setup_verified(self) -> None:
        """setup_project plus verification v1 of 1,200 tCO2e (vintage 2024) by mrv."""
        self.setup_project()
        self.ok("mrv", "reduction.verified", self.reduction())
