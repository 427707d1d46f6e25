"""The templates' examples are entries the server accepts, in order, each signed by its example signer."""

from __future__ import annotations

from typing import Any

from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.templates import KIND_TEMPLATES, TEMPLATES
from tests.conftest import OPERATOR_KEY
from tests.helpers import party_key, party_payload

#: The demo's parties the examples name (ledger/demo.py), one per role that writes.
DEMO_LIKE_PARTIES = {
    "sc-dee": ["department"],
    "icbc-sichuan": ["lender"],
    "scmrv": ["verifier"],
    "op-tianfu-hq": ["park_operator"],
    "expert-zhang": ["assessor"],
}
ROLES = {"operator": ["admin"], **DEMO_LIKE_PARTIES}


def _post(client: Any, sign: Any, signer: str, entry_type: str, payload: dict[str, Any]) -> int:
    key = OPERATOR_KEY if signer == "operator" else party_key(signer)
    response = client.post("/v1/entries", json=sign(entry_type, payload, signer=signer, key=key))
    assert response.status_code == 201, (entry_type, response.get_json())
    index: int = response.get_json()["index"]
    return index


def test_every_hand_signed_example_is_accepted_in_order(client, sign):
    for party, party_roles in DEMO_LIKE_PARTIES.items():
        _post(client, sign, "operator", "party.registered", party_payload(party, party_roles))
    indices: dict[str, int] = {}
    signed_by_role: set[str] = set()
    for name, template in TEMPLATES.items():
        if template.written_by:  # genesis and checkpoint-key rotations: their commands sign them
            continue
        payload = dict(template.payload)
        if name == "entry.corrected":  # which index it corrects is only known once the loan is in the log
            assert payload["payload"]["loan"] == TEMPLATES["loan.registered"].payload["loan"]
            payload["corrects"] = indices["loan.registered"]
        if name == "park.assessed":  # so are the statistics it rests on
            payload["statistics"] = [indices["park.statistics.reported"]]
        indices[name] = _post(client, sign, template.example_signer, name, payload)
        signed_by_role.update(ROLES[template.example_signer])
        assert set(ROLES[template.example_signer]) & ENTRY_TYPES[name].signer_roles
    for template in KIND_TEMPLATES.values():  # the park-success programme pays the park the example assessed
        _post(client, sign, template.example_signer, template.entry_type, dict(template.payload))
    assert client.get(f"/v1/reward-programs/{KIND_TEMPLATES['reward.program.created', 'park-success'].payload['program']}").get_json()["disbursed"] == "5000000.00"
    assert signed_by_role == {"admin", "assessor", "department", "lender", "park_operator", "verifier"}
    loan = client.get(f"/v1/loans/{TEMPLATES['loan.registered'].payload['loan']}").get_json()
    assert loan["annual_rate_percent"] == "3.2000"  # the correction took
    assert client.get("/v1/credit-blocks/next-serial").get_json() == {"next_serial": TEMPLATES["credits.issued"].payload["serial_end"] + 1}
