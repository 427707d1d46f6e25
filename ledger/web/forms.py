"""The write forms, described from the payload schemas the server loads entries with.

Each field of a form is one payload field: the widget the browser shows and the checks its script makes
before signing (required, pattern, decimal places, range, length, choices) are read from the same
marshmallow field that the server checks, so a form cannot drift from the rules. The server's answer has
the last word: its per-field problems are shown beside the same fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from marshmallow import fields, missing, validate

from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.field_notes import field_notes
from ledger.domain.fields import Base64Bytes, DecimalString, UtcTimestamp
from ledger.domain.templates import TEMPLATES

#: Types only a command writes (genesis, checkpoint-key rotation): never a form.
COMMAND_WRITTEN = frozenset(name for name, t in TEMPLATES.items() if t.written_by)

#: The order the sign page lists forms in: the programme's own order of work.
ORDER = tuple(name for name in TEMPLATES if name not in COMMAND_WRITTEN) + tuple(
    name for name in ENTRY_TYPES if name not in TEMPLATES and name not in COMMAND_WRITTEN
)


@dataclass(frozen=True)
class FormField:
    """One input of a write form: a payload field, and what the browser checks before signing."""

    name: str
    #: text, decimal, integer, boolean, time, choice, choices (several of), lines (list of text),
    #: integers (list of integers), base64 or json.
    widget: str
    required: bool
    description: str
    unit: str | None = None
    choices: tuple[str, ...] = ()
    #: An ECMAScript pattern the whole value must match (the schema's own, which the OpenAPI document shows).
    pattern: str | None = None
    places: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    #: The JSON value an absent optional field means (the schema fills it in), if any.
    default: Any = None
    #: The template's example value, shown as the input's placeholder.
    example: Any = None

    @property
    def placeholder(self) -> str | None:
        """What the empty input shows: the template's example, or the shape of a UTC time."""
        if self.widget == "time":
            return "2026-11-24T10:00:00Z"
        if self.example is None or isinstance(self.example, (dict, bool)):
            return None
        if isinstance(self.example, list):
            return ("\n" if self.widget == "lines" else ", ").join(map(str, self.example))
        return str(self.example)

    @property
    def data(self) -> str:
        """The checks as JSON, for the form's script (``data-field``)."""
        facts = {
            "name": self.name,
            "widget": self.widget,
            "required": self.required,
            "choices": list(self.choices) or None,
            "pattern": self.pattern,
            "places": self.places,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "minLength": self.min_length,
            "maxLength": self.max_length,
        }
        return json.dumps({k: v for k, v in facts.items() if v is not None}, ensure_ascii=False)


@dataclass(frozen=True)
class Form:
    entry_type: str
    description: str
    fields: tuple[FormField, ...]


def signable_types(roles: frozenset[str]) -> list[str]:
    """The entry types a party with ``roles`` may sign in a form, in ``ORDER``."""
    return [name for name in ORDER if ENTRY_TYPES[name].signer_roles & roles]


def form_for(entry_type: str) -> Form:
    """The form of ``entry_type`` (one of ``ORDER``), a field per payload field in schema order.

    :raises KeyError: for a type that has no form.
    """
    if entry_type not in ORDER:
        raise KeyError(entry_type)
    schema = ENTRY_TYPES[entry_type].schema()
    notes = {note.name: note for note in field_notes(entry_type)}
    example = TEMPLATES[entry_type].payload if entry_type in TEMPLATES else {}
    made = tuple(_form_field(name, f, notes[name].description, notes[name].unit, example.get(name)) for name, f in schema.fields.items())
    return Form(entry_type, ENTRY_TYPES[entry_type].description, made)


def _form_field(name: str, f: fields.Field[Any], description: str, unit: str | None, example: Any) -> FormField:
    limits = _limits(f)
    default = None if f.required or f.load_default in (missing, None) else f.load_default
    common: dict[str, Any] = {"required": bool(f.required), "description": description, "unit": unit, "default": default, "example": example}
    if isinstance(f, DecimalString):
        return FormField(name, "decimal", places=f.places, **common)
    if isinstance(f, UtcTimestamp):
        return FormField(name, "time", **common)
    if isinstance(f, Base64Bytes):
        return FormField(name, "base64", min_length=f.length, max_length=f.length, **common)
    if isinstance(f, fields.Boolean):
        return FormField(name, "boolean", **common)
    if isinstance(f, fields.Integer):
        return FormField(name, "integer", **limits, **common)
    if isinstance(f, fields.Dict):
        return FormField(name, "json", **common)
    if isinstance(f, fields.List):
        inner = _limits(f.inner)
        sizes = {"min_length": limits.get("min_length"), "max_length": limits.get("max_length")}
        if inner.get("choices"):
            return FormField(name, "choices", choices=inner["choices"], **sizes, **common)
        if isinstance(f.inner, fields.Integer):
            return FormField(name, "integers", minimum=inner.get("minimum"), maximum=inner.get("maximum"), **sizes, **common)
        return FormField(name, "lines", pattern=inner.get("pattern"), **sizes, **common)
    if limits.get("choices"):
        return FormField(name, "choice", **common, choices=limits["choices"])
    return FormField(name, "text", **limits, **common)


def _limits(f: fields.Field[Any]) -> dict[str, Any]:
    """What a field's validators allow, as FormField arguments."""
    found: dict[str, Any] = {}
    for v in f.validators:
        if isinstance(v, validate.OneOf):
            found["choices"] = tuple(str(c) for c in v.choices)
        elif isinstance(v, validate.Range):
            found["minimum"], found["maximum"] = v.min, v.max
        elif isinstance(v, validate.Length):
            found["min_length"], found["max_length"] = v.min, v.max
        elif isinstance(v, validate.Regexp):
            found["pattern"] = v.regex.pattern
    return found
