"""Signed reconciliation reports, live from the projections or as of any earlier tree size.

A report as of an earlier size reads the projections' history (``ProjectionRepository.as_of``): the
same queries as the live report, bounded by the log index, and the same bytes as a replay of the log's
prefix (``replayed_state``, which remains the reference and serves the sizes below
``history_complete_from``, when a database upgraded to the history has not been rebuilt since).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Sequence, TypeVar

from ledger import tabular, tabular_xlsx
from ledger.crypto.canonical import b64encode, canonical_json_large
from ledger.domain.entities import Entity
from ledger.domain.replay import replay_record
from ledger.domain.state import MemoryState
from ledger.reconciliation import reports
from ledger.reconciliation.reports import Report
from ledger.services.ports import ProjectionRepository, UnitOfWork
from ledger.services.proofs import check_tree_size, range_hashes
from ledger.services.runtime import LedgerRuntime
from ledger.services.scan import log_chunks

E = TypeVar("E", bound=Entity)

REPLAY_CHUNK = 5000


class DatabaseSource:
    """A ``ReportSource`` over the live projection tables."""

    def __init__(self, projections: ProjectionRepository) -> None:
        self._projections = projections

    def get(self, kind: type[E], key: Any) -> E | None:
        return self._projections.get_many(kind, [key]).get(key)

    def get_many(self, kind: type[E], keys: Iterable[Any]) -> dict[Any, E]:
        return self._projections.get_many(kind, keys)

    def find(self, kind: type[E], **equals: Any) -> list[E]:
        return self._projections.find(kind, **equals)

    def find_in(self, kind: type[E], field: str, values: Iterable[Any]) -> list[E]:
        return self._projections.find_in(kind, field, values)

    def find_fields(self, kind: type[E], names: Sequence[str], **equals: Any) -> list[tuple[Any, ...]]:
        return self._projections.find_fields(kind, names, **equals)

    def get_referenced(self, kind: type[E], by: type[Entity], field: str, **equals: Any) -> dict[Any, E]:
        return self._projections.get_referenced(kind, by, field, **equals)


@dataclass(frozen=True)
class SignedReport:
    body: dict[str, Any]
    #: ``canonical_json(body)`` (as ``canonical_json_large`` computes it): the bytes the signature covers.
    canonical: bytes
    signature: bytes
    report: Report

    def as_json(self) -> dict[str, Any]:
        return {"report": self.body, "signature": b64encode(self.signature)}

    def json_bytes(self) -> bytes:
        """``canonical_json(as_json())``, spliced from the signed bytes: a report of a megabyte is encoded once."""
        return b'{"report":' + self.canonical + b',"signature":"' + b64encode(self.signature).encode("ascii") + b'"}'

    def as_csv(self) -> str:
        """The report's table, with its tree size and root in a comment line above the header.

        Written by ``ledger.tabular``, which every CSV goes through: a park's name and city are whatever
        its registration said, and must not run as formulas in an auditor's spreadsheet.
        """
        return tabular.to_csv(self.report.header, self.report.rows, comment=self._comment())

    def _comment(self) -> str:
        body = self.body
        return f"{body['kind']} {body['subject'] or ''} at tree size {body['tree_size']} root {body['root_hash']}"

    def as_xlsx(self) -> bytes:
        """The same table as a workbook (``ledger.tabular_xlsx``): the comment in row 1, then the header and
        rows; a cell that is a plain decimal number is a numeric cell, every other one text."""
        rows = ([_number_or_text(cell) for cell in row] for row in self.report.rows)
        return tabular_xlsx.to_xlsx(self.report.header, rows, comment=self._comment(), title=f"{self.body['kind']} report")


#: A decimal as reports write them (no leading zeros, so an id such as "0042" stays text).
_REPORT_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def _number_or_text(cell: Any) -> Any:
    return Decimal(cell) if isinstance(cell, str) and _REPORT_NUMBER.fullmatch(cell) else cell


def replayed_state(uow: UnitOfWork, tree_size: int) -> MemoryState:
    """The projections as the first ``tree_size`` entries made them, rebuilt in memory."""
    state = MemoryState()
    for entries in log_chunks(uow.log, tree_size, REPLAY_CHUNK):
        for entry in entries:
            replay_record(state, entry.record_json(), trusted=True)
    return state


def make_report(runtime: LedgerRuntime, kind: str, subject: str | None, *, tree_size: int | None = None) -> SignedReport:
    """Compute a report and sign it with the checkpoint key.

    :param tree_size: the log prefix to report on; the latest checkpoint when omitted.
    :raises TreeSizeOutOfRange: when ``tree_size`` is not between 1 and the log's size.
    :raises NotFound, InvalidInput: for an unknown subject or kind.
    """
    with runtime.reader(holding=tree_size).snapshot() as uow:
        identity = runtime.identity(uow)
        latest = uow.log.latest_checkpoint()
        assert latest is not None  # identity() found the genesis entry
        if tree_size is None or tree_size == latest.tree_size:
            size, root = latest.tree_size, latest.root_hash
            source: Any = DatabaseSource(uow.projections)
        else:
            check_tree_size(tree_size, latest.tree_size, "tree_size")
            size, root = tree_size, range_hashes(uow.log, [(0, tree_size)])[0]
            if tree_size >= uow.projections.history_complete_from():
                source = DatabaseSource(uow.projections.as_of(tree_size))
            else:
                source = replayed_state(uow, tree_size)
        last = uow.log.get(size - 1)
        assert last is not None
        as_of = last.recorded_at
        report = reports.build(kind, source, subject, as_of, runtime.reconciliation)
        # Signed like the checkpoint of that size: by the key in force then.
        signing_key = runtime.signing_key(runtime.identity_at(uow, size).checkpoint_public_key)
    body = reports.signed_body(report, origin=identity.origin, tree_size=size, root_hash=root, as_of=as_of, settings=runtime.reconciliation)
    canonical = canonical_json_large(body)  # a lender's report is about a megabyte
    return SignedReport(body, canonical, signing_key.sign(canonical), report)

