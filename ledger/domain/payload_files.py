"""Reading a payload file before it is signed: skip its note lines, parse its JSON, check it for its type.

`greenledger template` writes notes as leading ``#`` lines above the JSON; a payload is checked against
the schema the server loads it with, so a mistake is named before anything is signed, every bad field
at once. Pure: the caller reads the file.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from ledger import errors
from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.field_notes import COMMENT
from ledger.domain.rules import load_payload


def without_notes(text: str) -> str:
    """``text`` with its leading note lines (and blank lines among them) blanked, keeping the line
    numbers a JSON error names. A ``#`` further down is JSON's business (and an error there)."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped and not stripped.startswith(COMMENT):
            break
        lines[number] = ""
    return "\n".join(lines)


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            # json would keep the last silently; an edited template with a field twice must not sign either.
            raise errors.InvalidInput(f"the field {key!r} appears twice")
        seen[key] = value
    return seen


def parse_payload_text(text: str, source: str) -> Any:
    """The JSON value of a payload file after its notes.

    :raises InvalidInput: naming ``source`` when it is not JSON or repeats a field.
    """
    try:
        return json.loads(without_notes(text), object_pairs_hook=_no_repeated_keys)
    except json.JSONDecodeError as exc:
        raise errors.InvalidInput(f"{source} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except errors.InvalidInput as exc:
        raise errors.InvalidInput(f"{source}: {exc.detail}") from None


#: How alike (difflib's ratio) a known type must be to be offered, and how near the closest the others.
_ALIKE = 0.6
_NEAR_BEST = 0.1


def close_types(name: str) -> list[str]:
    """Known entry types a mistyped ``name`` may have meant, closest first: the closest, and any
    nearly as close (so "loan.repayed" offers loan.repaid alone, not every loan type)."""
    scored = sorted(((difflib.SequenceMatcher(None, name, known).ratio(), known) for known in ENTRY_TYPES), reverse=True)
    best = scored[0][0]
    return [known for ratio, known in scored if ratio >= _ALIKE and ratio >= best - _NEAR_BEST]


def unknown_type(name: str) -> errors.UnknownEntryType:
    close = close_types(name)
    if close:
        hint = f"did you mean {' or '.join(close)}? (`greenledger template` lists every type)"
    else:
        hint = f"known types: {', '.join(sorted(ENTRY_TYPES))}"
    return errors.UnknownEntryType(f"unknown entry type {name!r}; {hint}", field="--type")


def require_known_type(name: str) -> None:
    """:raises UnknownEntryType: for a type outside the vocabulary, naming the close ones."""
    if name not in ENTRY_TYPES:
        raise unknown_type(name)


def check_payload(entry_type: str, payload: Any) -> dict[str, Any]:
    """``payload`` unchanged when it is a valid payload of ``entry_type``.

    :raises UnknownEntryType: for a type outside the vocabulary, naming the close ones.
    :raises InvalidInput: naming every bad field (``errors`` maps each to its messages).
    """
    require_known_type(entry_type)
    if not isinstance(payload, dict):
        raise errors.InvalidInput(f"a {entry_type} payload is a JSON object, not {type(payload).__name__}")
    try:
        load_payload(ENTRY_TYPES[entry_type].schema, payload, prefix="")
    except errors.InvalidInput as exc:
        found = exc.extra.get("errors") or {exc.field or "payload": [exc.detail]}
        listed = "\n".join(f"  {field}: {'; '.join(messages)}" for field, messages in found.items())
        raise errors.InvalidInput(
            f"the {entry_type} payload has {len(found)} bad field{'s' if len(found) > 1 else ''} "
            f"(`greenledger template {entry_type}` shows a valid one):\n{listed}",
            errors=found,
        ) from None
    return payload
