"""Projection reads by many keys: keys of any spelling come back, and timestamps come back in UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.exc import DataError

from ledger.domain.entities import Loan, ProjectTotals
from ledger.domain.state import MemoryState
from ledger.persistence.db import make_engine
from ledger.persistence.repositories import SqlAlchemyProjectionRepository

#: Keys that need quoting or escaping in a PostgreSQL array literal, or in JSON.
ODD_KEYS = [
    "plain",
    'with "quotes"',
    "back\\slash",
    "comma,brace{}",
    " spaces ",
    "NULL",
    "",
    "tab\tnewline\n",
    "\u00e9\u6210\u90fd\U0001f600\u2028",
    "\x7f",
]


def _totals(project_id: str, n: int = 0) -> ProjectTotals:
    return ProjectTotals(
        project_id=project_id,
        total_investment=Decimal("1000.00"),
        loan_principal=Decimal(f"{n}.00"),
        outstanding=Decimal("0.00"),
        verified=Decimal("1.500"),
        verifications=n,
        over_credited=0,
    )


@pytest.fixture
def connection(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    with engine.connect() as conn:
        yield conn
        conn.rollback()
    engine.dispose()


@pytest.mark.parametrize("count", [1, 70, 1500])
def test_get_many_and_find_in_find_every_key(connection, count: int) -> None:  # type: ignore[no-untyped-def]
    repo = SqlAlchemyProjectionRepository(connection)
    keys = ODD_KEYS + [f"park-{i % 17}/p{i:04d}" for i in range(count)]
    repo.put([_totals(k, i) for i, k in enumerate(keys)])
    wanted = ODD_KEYS + keys[len(ODD_KEYS) :: 2] + ["missing", 'missing "too"', "tab\\tnewline\\n"]
    found = repo.get_many(ProjectTotals, wanted)
    assert found == {k: _totals(k, i) for i, k in enumerate(keys) if k in wanted}
    by_field = repo.find_in(ProjectTotals, "project_id", wanted)
    assert len(by_field) == len(found) and {t.project_id: t for t in by_field} == found


def test_a_key_no_text_column_can_hold_is_refused_as_before(connection) -> None:  # type: ignore[no-untyped-def]
    repo = SqlAlchemyProjectionRepository(connection)
    with pytest.raises(DataError):  # psycopg refuses a NUL in text, as it did in an array of keys
        repo.get_many(ProjectTotals, ["nul\x00"])


def test_timestamps_come_back_in_utc(connection) -> None:  # type: ignore[no-untyped-def]
    repo = SqlAlchemyProjectionRepository(connection)
    when = datetime(2024, 1, 15, 8, 30, tzinfo=timezone.utc)
    loan = Loan(
        loan_id="L1", lender="bank-a", project_id="p1", principal=Decimal("100.00"), currency="CNY",
        annual_rate_percent=Decimal("3.1000"), term_months=12, exceeds_investment=False, disbursed=Decimal("0.00"),
        repaid=Decimal("0.00"), first_disbursed_at=when, registered_index=1, last_index=1,
    )
    repo.put([loan])
    (read,) = repo.find(Loan, lender="bank-a")
    assert read == loan
    assert read.first_disbursed_at is not None and read.first_disbursed_at.tzinfo is timezone.utc


def _loan(loan_id: str, lender: str, project_id: str, disbursed: str) -> Loan:
    return Loan(
        loan_id=loan_id, lender=lender, project_id=project_id, principal=Decimal("900.00"), currency="CNY",
        annual_rate_percent=Decimal("3.1000"), term_months=12, exceeds_investment=False, disbursed=Decimal(disbursed),
        repaid=Decimal("0.00"), first_disbursed_at=None, registered_index=7, last_index=9,
    )


def test_narrow_and_referencing_reads_match_the_in_memory_state(connection) -> None:  # type: ignore[no-untyped-def]
    """What a lender's report reads: a few fields of its loans, and the totals of the projects they go
    to, read in one query each; the in-memory state (as-of reports, the verifier) answers the same."""
    repo, state = SqlAlchemyProjectionRepository(connection), MemoryState()
    projects = ODD_KEYS[:5] + ["p-unlent"]
    entities: list[Any] = [_totals(p, i) for i, p in enumerate(projects)]
    entities += [_loan(f"L{i}", "bank-a" if i % 3 else "bank-b", projects[i % 5], f"{i}.50") for i in range(12)]
    repo.put(entities)
    state.put(entities)
    fields = ("loan_id", "project_id", "disbursed", "registered_index")
    for lender in ("bank-a", "bank-b", "nobody"):
        read = sorted(map(tuple, repo.find_fields(Loan, fields, lender=lender)))
        assert read == sorted(state.find_fields(Loan, fields, lender=lender))
        assert read == sorted((e.loan_id, e.project_id, e.disbursed, 7) for e in entities if isinstance(e, Loan) and e.lender == lender)
        totals = repo.get_referenced(ProjectTotals, Loan, "project_id", lender=lender)
        assert totals == state.get_referenced(ProjectTotals, Loan, "project_id", lender=lender)
        assert set(totals) == {p for _, p, _, _ in read} and "p-unlent" not in totals
