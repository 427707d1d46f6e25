"""The lender report read from project totals says exactly what the projects' full books say."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from ledger.crypto.canonical import canonical_json
from ledger.domain.entities import CreditBlock, Entity, Loan, Project, ProjectTotals, Verification
from ledger.domain.state import MemoryState
from ledger.domain.totals import with_totals
from ledger.reconciliation.books import Books
from ledger.reconciliation.exceptions import Settings, project_findings
from ledger.reconciliation.figures import ZERO, factor, money, tonnes
from ledger.reconciliation.reports import lender_report

T = datetime(2024, 1, 1, tzinfo=timezone.utc)
AS_OF = datetime(2026, 6, 1, tzinfo=timezone.utc)


def project(pid: str, equity: str, debt: str, principal: str, index: int) -> Project:
    return Project(pid, "park", pid, "owner", "cat", Decimal(equity), Decimal(debt), "CNY", Decimal("1.000"), Decimal(principal), index, index + 1)


def loan(lid: str, lender: str, pid: str, principal: str, disbursed: str, repaid: str, index: int, *, beyond: bool = False) -> Loan:
    first = T if Decimal(disbursed) > 0 else None
    return Loan(lid, lender, pid, Decimal(principal), "CNY", Decimal("3.0000"), 12, beyond, Decimal(disbursed), Decimal(repaid), first, index, index + 2)


def verification(vid: str, pid: str, reduction: str, credits: int, index: int) -> Verification:
    return Verification(vid, "mrv", pid, T, T + timedelta(days=365), Decimal(reduction), ZERO, ZERO, Decimal(reduction), "m", "ab" * 32, 2024, credits, None, index, index + 1)


def programme() -> MemoryState:
    """Two lenders over five projects: one plain, one over-attributed, one with loans beyond its investment,
    one with credits beyond its verified tonnes, and one with financing but nothing verified."""
    entities: list[Entity] = [
        project("p-plain", "700.00", "300.00", "300.00", 1),
        project("p-capped", "50.00", "50.00", "150.00", 3),
        project("p-beyond", "100.00", "0.00", "120.00", 5),
        project("p-credits", "500.00", "500.00", "200.00", 7),
        project("p-unverified", "100.00", "100.00", "150.00", 9),
        loan("a1", "bank-a", "p-plain", "200.00", "200.00", "50.5", 20),
        loan("b1", "bank-b", "p-plain", "100.00", "100.00", "0.00", 21),
        loan("a2", "bank-a", "p-capped", "100.00", "100.00", "0.00", 22),
        loan("b2", "bank-b", "p-capped", "50.00", "40.00", "0.00", 23, beyond=True),
        loan("b3", "bank-b", "p-beyond", "120.00", "60.00", "10.00", 24, beyond=True),
        loan("a3", "bank-a", "p-beyond", "0.01", "0.01", "0.00", 25),
        loan("a4", "bank-a", "p-credits", "200.00", "150.00", "0.00", 26),
        loan("a5", "bank-a", "p-unverified", "100.00", "100.00", "0.00", 27),
        loan("b5", "bank-b", "p-unverified", "50.00", "50.00", "0.00", 28),
        verification("v-plain", "p-plain", "123.457", 0, 40),
        verification("v-plain-2", "p-plain", "0.5", 0, 41),
        verification("v-capped", "p-capped", "77.777", 0, 42),
        verification("v-beyond", "p-beyond", "10.000", 0, 43),
        verification("v-credits", "p-credits", "100.000", 101, 44),
        CreditBlock(1, 60, 2024, "v-credits", "h", "active", None, 50, 50),
        CreditBlock(61, 101, 2024, "v-credits", "h", "retired", "b", 51, 52),
    ]
    state = MemoryState()
    for entity in entities:
        state.put(with_totals(state, [entity]))
    return state


def lender_report_from_books(state: MemoryState, lender: str, settings: Settings) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report as it was computed before project totals: every loan and verification of the lender's projects."""
    own = state.find(Loan, lender=lender)
    project_ids = sorted({x.project_id for x in own})
    books = Books.for_projects(state, project_ids)
    lines, per_project = [], {}
    for p in project_ids:
        for line in books.attribution(p).lines:
            if line.loan.lender != lender:
                continue
            x = line.loan
            lines.append({
                "loan_id": x.loan_id, "project_id": p, "principal": money(x.principal), "disbursed": money(x.disbursed),
                "repaid": money(x.repaid), "outstanding": money(x.outstanding), "attribution_factor": factor(line.factor),
                "financed_reductions": tonnes(line.financed_reductions), "registered_index": x.registered_index,
            })
            sub = per_project.setdefault(p, defaultdict(lambda: ZERO))
            sub["outstanding"] += x.outstanding
            sub["factor"] += line.factor
            sub["financed"] += line.financed_reductions
    lines.sort(key=lambda line: str(line["loan_id"]))
    figures = {
        "lender": lender,
        "loans": lines,
        "projects": [
            {"project_id": p, "verified_reductions": tonnes(books.verified(p)), "outstanding": money(t["outstanding"]),
             "attribution_factor": factor(t["factor"]), "financed_reductions": tonnes(t["financed"])}
            for p, t in sorted(per_project.items())
        ],
        "totals": {
            "loans": len(own),
            "principal": money(sum((x.principal for x in own), ZERO)),
            "disbursed": money(sum((x.disbursed for x in own), ZERO)),
            "outstanding": money(sum((x.outstanding for x in own), ZERO)),
            "financed_reductions": tonnes(sum((t["financed"] for t in per_project.values()), ZERO)),
        },
    }
    mine = {f"loan:{x.loan_id}" for x in own}
    findings = [f.as_json() for p in project_ids for f in project_findings(books, p, AS_OF, settings) if not f.subject.startswith("loan:") or f.subject in mine]
    return figures, findings


def test_project_totals_sum_the_loans_and_verifications():
    state = programme()
    capped = state.get(ProjectTotals, "p-capped")
    assert capped == ProjectTotals("p-capped", Decimal("100.00"), Decimal("150.00"), Decimal("140.00"), Decimal("77.777"), 1, 0)
    assert state.get(ProjectTotals, "p-credits").over_credited == 1
    assert state.get(ProjectTotals, "p-unverified").verifications == 0
    state.put(with_totals(state, [state.get(Loan, "a2").evolve(repaid=Decimal("30.00"))]))
    assert state.get(ProjectTotals, "p-capped").outstanding == Decimal("110.00")


def test_the_lender_report_from_totals_matches_the_full_books_byte_for_byte():
    state = programme()
    settings = Settings()
    for lender in ("bank-a", "bank-b", "nobody"):
        report = lender_report(state, lender, AS_OF, settings)
        figures, findings = lender_report_from_books(state, lender, settings)
        assert canonical_json(report.figures) == canonical_json(figures)
        assert canonical_json([f.as_json() for f in report.findings]) == canonical_json(findings)
    codes = {f.code for f in lender_report(state, "bank-a", AS_OF, settings).findings}
    assert codes == {"attribution-over-100-percent", "loans-beyond-total-investment", "credits-beyond-verified-reduction", "financing-without-verified-reduction"}
