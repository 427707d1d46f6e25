"""Payload files before signing: notes skipped, JSON parsed strictly, every bad field named."""

from __future__ import annotations

import pytest

from ledger import errors
from ledger.domain.payload_files import check_payload, close_types, parse_payload_text, without_notes
from ledger.domain.templates import TEMPLATES, render


def test_leading_notes_are_skipped_and_line_numbers_kept():
    text = "# a note\n\n  # another, indented\n{\n  \"reason\": \"# not a note\"\n}\n"
    assert parse_payload_text(text, "p.json") == {"reason": "# not a note"}
    with pytest.raises(errors.InvalidInput) as raised:
        parse_payload_text("# note\n# note\n{\n  \"a\": 1,\n}\n", "p.json")
    assert raised.value.detail.startswith("p.json is not JSON") and "line 5" in raised.value.detail


def test_a_rendered_template_parses_back_to_its_example():
    for name, template in TEMPLATES.items():
        assert parse_payload_text(render(template), f"{name}.json") == template.payload


def test_a_note_after_the_json_starts_is_a_json_error():
    with pytest.raises(errors.InvalidInput, match="not JSON"):
        parse_payload_text('{\n# inside\n"a": 1}', "p.json")
    assert without_notes("{}\n# after") == "{}\n# after"


def test_a_field_given_twice_is_refused():
    with pytest.raises(errors.InvalidInput) as raised:
        parse_payload_text('{"loan": "a", "loan": "b"}', "loan.json")
    assert raised.value.detail == "loan.json: the field 'loan' appears twice"


@pytest.mark.parametrize(("typo", "meant"), [("loan.repayed", "loan.repaid"), ("credit.issued", "credits.issued"), ("party.register", "party.registered")])
def test_an_unknown_type_names_the_close_ones(typo, meant):
    assert close_types(typo)[0] == meant
    with pytest.raises(errors.UnknownEntryType) as raised:
        check_payload(typo, {})
    assert f"unknown entry type {typo!r}; did you mean {meant}" in raised.value.detail


def test_an_unknown_type_like_no_other_lists_them_all():
    with pytest.raises(errors.UnknownEntryType) as raised:
        check_payload("weather", {})
    assert raised.value.detail.startswith("unknown entry type 'weather'; known types: checkpoint.key.rotated, credits.cancelled,")
    assert all(name in raised.value.detail for name in TEMPLATES)


def test_every_bad_field_is_named_not_just_the_first():
    payload = {**TEMPLATES["loan.registered"].payload, "principal": 150000000, "term_months": "60", "colour": "green"}
    del payload["currency"]
    with pytest.raises(errors.InvalidInput) as raised:
        check_payload("loan.registered", payload)
    found = raised.value.extra["errors"]
    assert set(found) == {"principal", "term_months", "colour", "currency"}
    detail = raised.value.detail
    assert detail.startswith("the loan.registered payload has 4 bad fields (`greenledger template loan.registered` shows a valid one):")
    for field in found:
        assert f"\n  {field}: " in detail


def test_one_bad_field_is_one_field():
    payload = {**TEMPLATES["party.registered"].payload, "unified_social_credit_code": "91510600MA6DYB8K35"}
    with pytest.raises(errors.InvalidInput) as raised:
        check_payload("party.registered", payload)
    assert "has 1 bad field (" in raised.value.detail
    assert "unified_social_credit_code: not a valid unified social credit code" in raised.value.detail


def test_a_payload_must_be_an_object():
    with pytest.raises(errors.InvalidInput, match="a key.added payload is a JSON object, not list"):
        check_payload("key.added", [])


def test_a_valid_payload_comes_back_unchanged():
    payload = dict(TEMPLATES["loan.repaid"].payload)
    assert check_payload("loan.repaid", payload) is payload
