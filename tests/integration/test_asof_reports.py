"""Reports as of an earlier tree size come from the projections' history, and are byte for byte the
reports a replay of the log's prefix gives (the reference the server used before revision 0010), at
every tree size of a programme that uses every kind of entry: before and after each correction, loan
movement, reward, credit issue, transfer, retirement and cancellation, target and assessment.

The history is part of the projections: a rebuild writes the very same rows the appends wrote, and a
database upgraded from 0009 answers from the upgrade on, replaying below it until it is rebuilt.
"""

from __future__ import annotations

from typing import Any, Iterator

import psycopg
import pytest
from alembic import command

from ledger import errors
from ledger.domain.replay import replay_record
from ledger.domain.state import MemoryState
from ledger.persistence.migrate import alembic_config, upgrade
from ledger.persistence.repositories import SqlAlchemyProjectionRepository
from ledger.persistence.tables import HISTORY_TABLES, PROJECTION_TABLES, VALID_TO
from ledger.services import reports as report_service
from ledger.services.scan import log_chunks
from tests.api.test_targets_rules import Targets
from tests.api.test_targets_scenario import scenario  # noqa: F401  (the fixture: targets, assessments, park rewards)
from tests.conftest import libpq_url
from tests.helpers import T_2025, T_2026, tree_size

#: Larger than any tree size: the history then answers for none, and every as-of report replays.
NO_HISTORY = 1 << 62


def _money_and_credits(prog: Targets) -> None:
    """Projects, loans, verifications, per-tonne rewards and credits over the targets scenario's parks,
    with corrections, a refused entry and a batch that moves one loan three times in one round."""
    prog.ok("op-tianfu", "project.registered", prog.project(equity="4000000.00", debt="6000000.00"))
    prog.ok("op-tianfu", "project.registered", prog.project("p2", equity="1000000.00", debt="1000000.00"))
    prog.ok("bank-a", "loan.registered", prog.loan("L-A", principal="3000000.00"))
    prog.ok("bank-b", "loan.registered", prog.loan("L-B", principal="2500000.00"))
    prog.ok("bank-b", "loan.registered", prog.loan("L-C", project="p2", principal="900000.00"))
    disbursed = prog.ok("bank-a", "loan.disbursed", prog.movement("L-A", "3000000.00"))
    prog.ok("bank-a", "entry.corrected", {"corrects": disbursed, "reason": "value date", "payload": prog.movement("L-A", "2800000.00")})
    prog.refused("bank-a", "loan.repaid", prog.movement("L-A", "9000000.00"), 422, "repaid-exceeds-disbursed")
    batch = [prog.signed("bank-b", "loan.disbursed", prog.movement("L-B", "1000000.00")),
             prog.signed("bank-b", "loan.disbursed", prog.movement("L-B", "1500000.00")),
             prog.signed("bank-b", "loan.repaid", prog.movement("L-B", "200000.00")),
             prog.signed("bank-b", "loan.disbursed", prog.movement("L-C", "900000.00"))]  # fmt: skip
    response = prog.client.post("/v1/entries/batch", json={"entries": batch})
    assert response.status_code == 201, response.get_json()
    verified = prog.ok("mrv", "reduction.verified", prog.reduction("v2024", baseline_emissions="10000.000", project_emissions="6500.000", leakage="250.000", reduction="3250.000"))
    prog.ok("mrv", "entry.corrected", {"corrects": verified, "reason": "report re-issued", "payload": prog.reduction(
        "v2024", baseline_emissions="10000.000", project_emissions="6500.000", leakage="250.000", reduction="3250.000",
        report_sha256="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")})  # fmt: skip
    prog.ok("mrv-2", "reduction.verified", prog.reduction("v2025", start=T_2025, end=T_2026, baseline_emissions="9000.000", project_emissions="5000.000", reduction="4000.000"))
    prog.ok("mrv", "reduction.verified", prog.reduction("v-p2", project="p2", baseline_emissions="900.000", project_emissions="500.000", reduction="400.000"))
    prog.ok("dept", "reward.program.created", prog.program(budget="500000.00", yuan_per_tco2e="40.00"))
    prog.ok("dept", "reward.disbursed", prog.reward("rd-2024", ["v2024"], amount="130000.00"))
    prog.ok("dept", "reward.disbursed", prog.reward("rd-p2", ["v-p2"], amount="16000.00", project="p2"))
    prog.ok("mrv", "credits.issued", {"verification": "v2024", "serial_start": 1, "serial_end": 3250, "holder": "op-tianfu"})
    prog.ok("op-tianfu", "credits.transferred", {"serial_start": 1001, "serial_end": 2000, "to": "bank-a"})
    prog.ok("bank-a", "credits.retired", {"serial_start": 1001, "serial_end": 1500, "beneficiary": "bank-a"})
    prog.ok("mrv", "credits.cancelled", {"serial_start": 3001, "serial_end": 3250, "reason": "buffer"})
    prog.ok("bank-a", "loan.repaid", prog.movement("L-A", "500000.00"))


def _subjects(prog: Targets) -> list[tuple[str, str | None]]:
    """Every report of the programme at its full size: the subjectless ones and each subject's."""
    found: list[tuple[str, str | None]] = [("summary", None), ("programme", None)]
    found += [("project", p["project_id"]) for p in prog.get("/v1/projects")["items"]]
    found += [("park", p["park_id"]) for p in prog.get("/v1/parks")["items"]]
    found += [("reward-program", p["program_id"]) for p in prog.get("/v1/reward-programs")["items"]]
    found += [("lender", lender) for lender in ("bank-a", "bank-b", "mrv")]  # mrv is no lender: refused alike
    return found


def _outcome(runtime: Any, kind: str, subject: str | None, size: int) -> bytes | str:
    """The signed report's bytes, or the refusal's class and words."""
    try:
        return report_service.make_report(runtime, kind, subject, tree_size=size).json_bytes()
    except errors.LedgerError as exc:
        return f"{type(exc).__name__}: {exc.detail}"


def _replays(runtime: Any) -> Iterator[tuple[int, MemoryState]]:
    """The reference state at each tree size from 1 on, replayed one entry further each time."""
    state = MemoryState()
    with runtime.uow_factory.snapshot() as uow:
        entries = [e for chunk in log_chunks(uow.log, uow.log.size(), 1000) for e in chunk]
    for entry in entries:
        replay_record(state, entry.record_json(), trusted=True)
        yield entry.index + 1, state


def _assert_history_equals_replay(runtime: Any, monkeypatch: pytest.MonkeyPatch, subjects: list[tuple[str, str | None]], sizes: set[int] | None = None) -> int:
    """At each size (all by default), every report from the history equals the one from the replay."""
    compared = 0
    for size, state in _replays(runtime):
        if sizes is not None and size not in sizes:
            continue
        with monkeypatch.context() as replaying:
            replaying.setattr(SqlAlchemyProjectionRepository, "history_complete_from", lambda self: NO_HISTORY)
            replaying.setattr(report_service, "replayed_state", lambda uow, n, state=state, size=size: _checked(state, n, size))
            replayed = [_outcome(runtime, kind, subject, size) for kind, subject in subjects]
        from_history = [_outcome(runtime, kind, subject, size) for kind, subject in subjects]
        for (kind, subject), want, got in zip(subjects, replayed, from_history, strict=True):
            assert got == want, f"{kind} {subject} at tree size {size}"
        compared += len(subjects)
    return compared


def _checked(state: MemoryState, asked: int, replayed: int) -> MemoryState:
    assert asked == replayed
    return state


def _history(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every replaced version, per table, in key and index order."""
    with psycopg.connect(libpq_url(url)) as conn:
        return {
            table.name: conn.execute(f'SELECT * FROM {table.name} ORDER BY "{next(iter(table.primary_key.columns)).name}", {VALID_TO}').fetchall()
            for table in HISTORY_TABLES.values()
        }


def _projections(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(libpq_url(url)) as conn:
        return {
            table.name: conn.execute(f'SELECT * FROM {table.name} ORDER BY "{next(iter(table.primary_key.columns)).name}"').fetchall()
            for table in PROJECTION_TABLES.values()
        }


def _complete_from(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT complete_from FROM projection_history").fetchone()
        assert row is not None
        return int(row[0])


def test_every_report_at_every_tree_size_equals_the_replay(app, scenario, monkeypatch):  # noqa: F811
    _money_and_credits(scenario)
    subjects = _subjects(scenario)
    assert len(subjects) >= 10
    compared = _assert_history_equals_replay(app.extensions["ledger"], monkeypatch, subjects)
    assert compared == len(subjects) * tree_size(scenario.client)


def test_the_history_holds_every_replaced_version_and_a_rebuild_writes_the_same(app, scenario, database_url):  # noqa: F811
    _money_and_credits(scenario)
    history, live = _history(database_url), _projections(database_url)
    loan_b = [row for row in history["loans_history"] if row[0] == "L-B"]
    # registered, then three versions in one batch's round: the first two were replaced within the round.
    assert [(row[-2], row[-1]) for row in loan_b] == [(loan_b[0][-2], loan_b[1][-2]), (loan_b[1][-2], loan_b[1][-2] + 1), (loan_b[1][-2] + 1, loan_b[1][-2] + 2)]
    assert history["corrections_history"] == []  # each entry was corrected once: no replaced correction
    assert history["verifications_history"] and history["credit_blocks_history"] and history["park_targets_history"] == []

    result = app.test_cli_runner().invoke(args=["ledger", "rebuild"])
    assert result.exit_code == 0, result.output
    assert _history(database_url) == history
    assert _projections(database_url) == live
    assert _complete_from(database_url) == 0


def test_an_upgraded_database_answers_from_the_upgrade_on_and_everywhere_once_rebuilt(app, scenario, database_url, monkeypatch):  # noqa: F811
    runtime = app.extensions["ledger"]
    subjects = _subjects(scenario)
    app.extensions["ledger_engine"].dispose()  # no pooled connection may keep a plan of the old tables
    command.downgrade(alembic_config(database_url), "0009")
    upgrade(database_url)
    upgraded_at = tree_size(scenario.client)
    assert _complete_from(database_url) == upgraded_at
    assert all(rows == [] for rows in _history(database_url).values())

    _money_and_credits(scenario)
    size = tree_size(scenario.client)
    with runtime.uow_factory.snapshot() as uow:
        assert uow.projections.history_complete_from() == upgraded_at
    # Below the upgrade the server replays, from it on it reads the history: the same bytes either way.
    early = {1, upgraded_at // 2, upgraded_at - 1, upgraded_at, upgraded_at + 1, size - 1}
    _assert_history_equals_replay(runtime, monkeypatch, subjects, early)
    replayed = []
    with runtime.uow_factory.snapshot() as uow:
        real_replay = report_service.replayed_state
        calls: list[int] = []
        monkeypatch.setattr(report_service, "replayed_state", lambda uow, n: calls.append(n) or real_replay(uow, n))
        replayed = [_outcome(runtime, "summary", None, n) for n in (upgraded_at - 1, upgraded_at)]
    assert calls == [upgraded_at - 1]

    result = app.test_cli_runner().invoke(args=["ledger", "rebuild"])
    assert result.exit_code == 0, result.output
    assert _complete_from(database_url) == 0
    calls.clear()
    assert [_outcome(runtime, "summary", None, n) for n in (upgraded_at - 1, upgraded_at)] == replayed
    assert calls == []
    monkeypatch.undo()
    _assert_history_equals_replay(runtime, monkeypatch, subjects, set(range(1, size + 1, 3)))
