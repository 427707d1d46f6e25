"""The v1 vocabulary: every entry type, who may sign it, its payload schema and its rules."""

from __future__ import annotations

from ledger import errors
from ledger.domain.rules import EntryType
from ledger.domain.types import (
    assessments,
    checkpoint_keys,
    corrections,
    credits,
    loans,
    parks,
    reductions,
    registry,
    rewards,
    targets,
)

GENESIS = registry.GENESIS


def entry_type(name: str) -> EntryType:
    """:raises UnknownEntryType: for a name outside the v1 vocabulary."""
    try:
        return ENTRY_TYPES[name]
    except KeyError:
        raise errors.UnknownEntryType(
            f"unknown entry type {name!r}; known: {', '.join(sorted(ENTRY_TYPES))}", field="envelope.type"
        ) from None


ENTRY_TYPES: dict[str, EntryType] = {
    t.name: t
    for t in (
        *registry.TYPES,
        *checkpoint_keys.TYPES,
        *parks.TYPES,
        *targets.TYPES,
        *assessments.TYPES,
        *loans.TYPES,
        *reductions.TYPES,
        *rewards.TYPES,
        *credits.TYPES,
        corrections.make_correction_type(entry_type),
    )
}

#: Types whose entries a later entry.corrected may replace; replays remember their payloads.
CORRECTABLE = frozenset(name for name, t in ENTRY_TYPES.items() if t.corrector is not None)
