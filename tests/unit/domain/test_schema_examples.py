"""Every example a payload schema shows (in the OpenAPI document too) is a value its own field accepts."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from marshmallow import Schema, fields

from ledger.domain.catalog import ENTRY_TYPES


def _fields_with_examples(schema: Schema, path: str) -> Iterator[tuple[str, fields.Field[Any], Any]]:
    for name, field in schema.fields.items():
        if "example" in field.metadata:
            yield f"{path}.{name}", field, field.metadata["example"]
        if isinstance(field, fields.Nested):
            yield from _fields_with_examples(field.schema, f"{path}.{name}")
        if isinstance(field, fields.List) and "example" in field.inner.metadata:
            yield f"{path}.{name}[]", field.inner, field.inner.metadata["example"]


EXAMPLES = [found for t in ENTRY_TYPES.values() for found in _fields_with_examples(t.schema(), t.name)]


def test_the_schemas_show_examples():
    assert any(path.endswith("unified_social_credit_code") for path, _, _ in EXAMPLES)


@pytest.mark.parametrize(("path", "field", "example"), EXAMPLES, ids=[path for path, _, _ in EXAMPLES])
def test_each_example_loads_through_its_own_field(path, field, example):
    field.deserialize(example)  # raises ValidationError for an example the schema itself would refuse
