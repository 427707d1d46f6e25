"""Every entry type's template: a payload its own schema loads, with a note for every field."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from marshmallow import Schema, fields

from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.fields import DecimalString
from ledger.domain.payload_files import without_notes
from ledger.domain.rules import load_payload
from ledger.domain.field_notes import NOTES, field_notes, note_keys
from ledger.domain.templates import (
    FIRST_WRITE,
    KIND_TEMPLATES,
    TEMPLATES,
    payload_json,
    render,
    signers_table,
    with_next_serial,
)

TYPES = sorted(ENTRY_TYPES)


def test_every_entry_type_has_a_template():
    assert set(TEMPLATES) == set(ENTRY_TYPES)
    assert [row[0] for row in signers_table()] == list(TEMPLATES)


@pytest.mark.parametrize("name", TYPES)
def test_the_example_loads_through_its_schema(name):
    load_payload(ENTRY_TYPES[name].schema, TEMPLATES[name].payload)


def _decimal_examples(schema: Schema, payload: dict[str, Any]):
    for name, field in schema.fields.items():
        if isinstance(field, DecimalString):
            yield name, field.places, payload[name]
        elif isinstance(field, fields.Nested):
            yield from _decimal_examples(field.schema, payload[name])


def _shape(schema: Schema, payloads: list[dict[str, Any]]) -> bool:
    """The payloads together show every field of the schema, nested ones too, and nothing else."""
    if set().union(*payloads) != set(schema.fields):
        return False
    return all(_shape(f.schema, [p[n] for p in payloads if n in p]) for n, f in schema.fields.items() if isinstance(f, fields.Nested))


def _examples(name: str) -> list[dict[str, Any]]:
    return [TEMPLATES[name].payload, *(t.payload for (type_name, _), t in KIND_TEMPLATES.items() if type_name == name)]


@pytest.mark.parametrize("name", TYPES)
def test_the_examples_show_every_field_and_amounts_with_all_their_places(name):
    schema = ENTRY_TYPES[name].schema()
    examples = _examples(name)
    assert _shape(schema, examples), f"{name}: the examples should show each of {sorted(schema.fields)}"
    for payload in examples:
        load_payload(ENTRY_TYPES[name].schema, payload)
        shown = {n: f for n, f in schema.fields.items() if n in payload}
        for field, places, value in _decimal_examples(Schema.from_dict(shown)(), payload):
            assert -Decimal(value).as_tuple().exponent == places, f"{name}.{field} = {value!r} should have {places} places"


def test_a_type_with_kinds_names_them_in_its_notes():
    for (name, kind), template in KIND_TEMPLATES.items():
        assert template.kind == kind and TEMPLATES[name].kind
        assert f"--kind {TEMPLATES[name].kind}|{kind}" in render(TEMPLATES[name])
        assert f"This is the {kind} example" in render(template)


@pytest.mark.parametrize("name", TYPES)
def test_every_field_has_a_note_with_its_description_type_and_presence(name):
    notes = field_notes(name)
    assert notes and all(note.description and note.kind for note in notes)
    text = render(TEMPLATES[name])
    for note in notes:
        line = note.line()
        assert line.startswith("#") and line in text
        assert ("required" if note.required else "optional") in line


def test_every_note_describes_some_field():
    # A note is read only for a field whose schema has no description; one no field reads is dead text.
    used = set()
    for name in TYPES:
        for note in field_notes(name):
            key = next((k for k in note_keys(name, note.name) if k in NOTES), None)
            if key is not None and NOTES[key] == note.description:
                used.add(key)
    assert set(NOTES) == used, f"unused notes: {sorted(set(NOTES) - used)}"


def test_units_are_named_for_money_and_tonnes():
    notes = {note.name: note for note in field_notes("park.statistics.reported")}
    assert notes["output_value"].unit == "CNY"
    assert notes["total_emissions"].unit == "tCO2e"
    assert notes["energy_use_tce"].unit.startswith("tce")
    loan = {note.name: note for note in field_notes("loan.registered")}
    assert loan["exceeds_investment"].presence == "optional, default false"
    assert "one of admin, assessor, auditor" in {n.name: n for n in field_notes("party.registered")}["roles"].kind


@pytest.mark.parametrize("name", TYPES)
def test_the_rendered_template_is_notes_then_the_json(name):
    text = render(TEMPLATES[name])
    head, _, body = text.partition("\n{")
    assert all(line.startswith("#") for line in head.splitlines())
    assert json.loads(without_notes(text)) == TEMPLATES[name].payload
    assert json.loads(payload_json(TEMPLATES[name])) == TEMPLATES[name].payload


def test_commands_that_write_their_own_entries_say_so():
    for name in ("ledger.genesis", "checkpoint.key.rotated"):
        assert TEMPLATES[name].written_by and "Written by" in render(TEMPLATES[name])
    assert all(t.written_by is None for name, t in TEMPLATES.items() if name not in ("ledger.genesis", "checkpoint.key.rotated"))


def test_the_credits_template_moves_to_the_next_free_serial_and_stays_valid():
    moved = with_next_serial(TEMPLATES["credits.issued"], 74_001)
    original = TEMPLATES["credits.issued"].payload
    assert moved.payload["serial_start"] == 74_001
    assert moved.payload["serial_end"] - moved.payload["serial_start"] == original["serial_end"] - original["serial_start"]
    load_payload(ENTRY_TYPES["credits.issued"].schema, moved.payload)


@pytest.mark.parametrize(("role", "entry_type"), sorted(FIRST_WRITE.items()))
def test_each_role_is_pointed_to_a_type_it_may_sign(role, entry_type):
    assert role in ENTRY_TYPES[entry_type].signer_roles


def test_the_readme_table_says_what_the_templates_say():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z.]+)` \| (.+) \| `greenledger template \1` \|$", readme, flags=re.MULTILINE)
    assert rows == [(name, signed_by) for name, signed_by, _ in signers_table()]
