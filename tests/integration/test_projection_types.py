"""The server's projections hold exactly what an offline replay of the log holds, each field of the
type its entity declares (bytes as bytes, not the database's text form of them)."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from decimal import Decimal

from ledger.domain.entities import ENTITY_KINDS, Verification
from ledger.domain.replay import replay_record
from ledger.domain.state import MemoryState
from ledger.services.scan import log_chunks
from tests.helpers import T_2025, T_2026, Programme, tree_size


def _full_programme(prog: Programme) -> None:
    """Every kind of projection, with a correction of a verification's report hash."""
    prog.setup_verified()
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "400.00"))
    prog.ok("op-tianfu", "park.statistics.reported", {
        "park": "tianfu-hq", "period_start": T_2025, "period_end": T_2026, "output_value": "90000000000.00",
        "currency": "CNY", "energy_use_tce": "1000.000", "total_emissions": "405500.000",
    })  # fmt: skip
    verified = prog.ok("mrv", "reduction.verified", prog.reduction("v2", start=T_2025, end=T_2026))
    prog.ok("mrv", "entry.corrected", {"corrects": verified, "reason": "report re-issued", "payload": prog.reduction("v2", start=T_2025, end=T_2026, report_sha256="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")})
    prog.ok("dept", "reward.program.created", prog.program())
    prog.ok("dept", "reward.disbursed", prog.reward())
    prog.ok("mrv", "credits.issued", {"verification": "v1", "serial_start": 1, "serial_end": 1000, "holder": "bank-a"})


def _is(value: object, hint: object) -> bool:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_is(value, a) for a in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if typing.get_origin(hint) is tuple:
        return isinstance(value, tuple) and all(isinstance(v, str) for v in value)
    if hint is int:
        return type(value) is int
    assert hint in (str, bytes, bool, datetime, Decimal), hint
    return isinstance(value, hint)  # type: ignore[arg-type]


def test_the_projections_equal_a_replay_of_the_log_field_by_field(app, client, sign):
    prog = Programme(client, sign)
    _full_programme(prog)
    runtime = app.extensions["ledger"]
    replayed = MemoryState()
    with runtime.uow_factory.snapshot() as uow:
        for chunk in log_chunks(uow.log, tree_size(client), 1000):
            for entry in chunk:
                replay_record(replayed, entry.record_json(), trusted=True)
        live = {kind: {e.key: e for e in uow.projections.find(kind)} for kind in ENTITY_KINDS}
    for kind in ENTITY_KINDS:
        assert live[kind] == {e.key: e for e in replayed.find(kind)}, kind.__name__
        hints = typing.get_type_hints(kind)
        for entity in live[kind].values():
            for field in dataclasses.fields(kind):
                value = getattr(entity, field.name)
                assert _is(value, hints[field.name]), (kind.__name__, field.name, value)
    assert live[Verification]["v2"].report_sha256 == bytes(range(32))  # the correction's hash, as bytes
