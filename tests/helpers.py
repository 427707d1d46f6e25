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
