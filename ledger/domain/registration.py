"""A new party's registration, checked field by field before anything is signed (pure)."""

from __future__ import annotations

import difflib
from typing import Any, Sequence

from ledger.crypto.canonical import b64encode
from ledger.domain import roles as known_roles
from ledger.domain.identifiers import PARTY_ID_PATTERN, uscc_problem

MAX_NAME = 200  # short_text in ledger.domain.payloads


def _role_problem(role_list: Sequence[str]) -> str | None:
    if not role_list:
        return f"give at least one role: {', '.join(sorted(known_roles.ROLES))}"
    for role in role_list:
        if role not in known_roles.ROLES:
            close = difflib.get_close_matches(role.replace("-", "_").lower(), known_roles.ROLES, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            return f"{role!r} is not a role; {hint}the roles are {', '.join(sorted(known_roles.ROLES))}"
    repeated = sorted({role for role in role_list if role_list.count(role) > 1})
    if repeated:
        return f"{', '.join(repeated)} given more than once"
    return None


def registration_problems(party_id: str, legal_name: str, uscc: str, role_list: Sequence[str]) -> dict[str, str]:
    """Each field of a would-be party.registered that is wrong, with why (empty when all are right)."""
    found: dict[str, str] = {}
    if not PARTY_ID_PATTERN.fullmatch(party_id):
        found["party"] = "a party id is 1-64 of a-z 0-9 . _ -, starting with a letter or digit"
    if not 1 <= len(legal_name) <= MAX_NAME:
        found["legal_name"] = f"the legal name must be 1 to {MAX_NAME} characters"
    if problem := uscc_problem(uscc):
        found["unified_social_credit_code"] = f"{uscc!r} {problem}" if problem.startswith("is ") else f"{uscc}: {problem}"
    if problem := _role_problem(role_list):
        found["roles"] = problem
    return found


def party_registered_payload(party_id: str, legal_name: str, uscc: str, role_list: Sequence[str], public_key: bytes) -> dict[str, Any]:
    return {
        "party": party_id,
        "legal_name": legal_name,
        "unified_social_credit_code": uscc,
        "roles": list(role_list),
        "public_key": b64encode(public_key),
    }
