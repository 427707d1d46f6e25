"""Entity.evolve: dataclasses.replace without __init__, for every kind of projection."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from ledger.domain.entities import ENTITY_KINDS, Loan

LOAN = Loan(
    loan_id="l1",
    project_id="p1",
    lender="bank",
    principal=Decimal("100.00"),
    currency="CNY",
    annual_rate_percent=Decimal("3.1000"),
    term_months=12,
    disbursed=Decimal("0.00"),
    repaid=Decimal("0.00"),
    exceeds_investment=False,
    registered_index=5,
    first_disbursed_at=None,
    last_index=5,
)


def test_evolve_equals_dataclasses_replace_and_leaves_the_original_alone() -> None:
    when = datetime(2026, 1, 2, tzinfo=timezone.utc)
    evolved = LOAN.evolve(disbursed=Decimal("40.00"), first_disbursed_at=when, last_index=9)
    assert evolved == dataclasses.replace(LOAN, disbursed=Decimal("40.00"), first_disbursed_at=when, last_index=9)
    assert type(evolved) is Loan and evolved is not LOAN
    assert LOAN.disbursed == Decimal("0.00") and LOAN.last_index == 5
    assert evolved.outstanding == Decimal("40.00")


def test_evolve_copies_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        LOAN.evolve(last_index=6).repaid = Decimal("1.00")  # type: ignore[misc]


def test_evolve_refuses_a_field_the_kind_does_not_have() -> None:
    with pytest.raises(TypeError, match="Loan has no field colour, size"):
        LOAN.evolve(size=1, colour="green", last_index=6)


@pytest.mark.parametrize("kind", ENTITY_KINDS, ids=lambda kind: kind.__name__)
def test_an_entitys_dict_holds_its_fields_and_nothing_else(kind) -> None:
    # evolve compares names only when merging the changes grows the __dict__: it relies on this.
    entity = kind(**{f.name: None for f in dataclasses.fields(kind)})
    assert entity.__dict__.keys() == {f.name for f in dataclasses.fields(kind)}
    with pytest.raises(TypeError, match=f"{kind.__name__} has no field colour"):
        entity.evolve(colour="green")
    assert entity.evolve(**{kind.KEY: "k"}).key == "k"
