"""Bytes in the projections reach the API as the standard base64 their entries signed, in list and
detail routes alike, never as the database's text form of bytes (``\\x…``)."""

from __future__ import annotations

import base64
import dataclasses
import typing

from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import key_id, raw_public_key
from ledger.domain.entities import ENTITY_KINDS
from tests.helpers import T_2025, T_2026, Programme, party_key

CORRECTED_SHA256 = b64encode(bytes(range(32)))


def test_a_verifications_report_sha256_is_the_signed_base64_in_list_and_detail(client, sign):
    prog = Programme(client, sign)
    prog.setup_verified()
    signed = prog.reduction()["report_sha256"]
    verified = prog.ok("mrv", "reduction.verified", prog.reduction("v2", start=T_2025, end=T_2026))
    prog.ok("mrv", "entry.corrected", {"corrects": verified, "reason": "report re-issued", "payload": prog.reduction("v2", start=T_2025, end=T_2026, report_sha256=CORRECTED_SHA256)})
    expected = {"v1": signed, "v2": CORRECTED_SHA256}
    listed = {item["verification_id"]: item["report_sha256"] for item in prog.get("/v1/verifications")["items"]}
    assert listed == expected
    assert {v: prog.get(f"/v1/verifications/{v}")["report_sha256"] for v in expected} == expected
    assert prog.get("/v1/verifications?project_id=p1&verifier=mrv")["items"][0]["report_sha256"] == signed
    # The payload in the log is the same text.
    record = prog.get(f"/v1/entries/{prog.get('/v1/verifications/v1')['verified_index']}")["record"]
    assert record["envelope"]["payload"]["report_sha256"] == signed
    assert len(base64.b64decode(signed, validate=True)) == 32


def test_public_keys_are_the_signed_base64_in_party_and_key_routes(client, sign):
    prog = Programme(client, sign)
    public_key = b64encode(raw_public_key(party_key("bank-a")))
    kid = key_id(raw_public_key(party_key("bank-a")))
    assert prog.get(f"/v1/keys/{kid}")["public_key"] == public_key
    assert [k["public_key"] for k in prog.get("/v1/parties/bank-a")["keys"]] == [public_key]


def test_every_bytes_field_of_the_api_is_documented_as_base64(app):
    """Every entity field declared bytes is served through Base64Bytes (format: byte)."""
    schemas = app.extensions["ledger_api"].spec.to_dict()["components"]["schemas"]
    for kind in ENTITY_KINDS:
        if kind.__name__ not in schemas:
            continue
        hints = typing.get_type_hints(kind)
        for field in dataclasses.fields(kind):
            if hints[field.name] is bytes:
                assert schemas[kind.__name__]["properties"][field.name]["format"] == "byte", (kind.__name__, field.name)
    assert schemas["Verification"]["properties"]["report_sha256"]["format"] == "byte"
