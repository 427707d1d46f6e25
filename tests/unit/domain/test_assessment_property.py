"""Property: for any park, statistics covering a year and targets, the rules accept exactly one outcome,
and it is the one an independent computation (exact fractions, rounded as the payload states figures)
gives; the figures they accept are those fractions rounded. Plus the coverage rule's edge cases."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import errors
from ledger.crypto.canonical import format_timestamp
from ledger.domain.assessment import coverage_problem, judge
from ledger.domain.catalog import entry_type
from ledger.domain.entities import Park, ParkStatistics, ParkTargets, Party
from ledger.domain.replay import apply_entry
from ledger.domain.rules import EntryContext, load_payload
from ledger.domain.state import MemoryState

YEAR = 2025
SIGNED = datetime(2026, 3, 1, tzinfo=timezone.utc)
REPORT = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="


def _utc(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=timezone.utc)


def _apply(state: MemoryState, index: int, kind: str, signer: str, payload: dict[str, Any]) -> None:
    loaded = load_payload(entry_type(kind).schema, payload)
    apply_entry(state, EntryContext(index, kind, signer, "k" * 32, SIGNED, loaded), payload)


def _round(value: Fraction, places: int) -> Decimal:
    """An exact fraction rounded half-even to ``places``, independently of Decimal's division."""
    scaled = value * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * rest
    if twice > scaled.denominator or (twice == scaled.denominator and whole % 2):
        whole += 1
    return Decimal(whole).scaleb(-places)


def _cents(n: int) -> str:
    return str(Decimal(n).scaleb(-2))


def _grams(n: int) -> str:
    return str(Decimal(n).scaleb(-3))


period = st.fixed_dictionaries({
    # No output at all, or at least 10,000 yuan: a ratio of figures far apart would need more than the
    # 18 integer digits a payload's percentage may have.
    "output": st.just(0) | st.integers(10**6, 10**14),
    "emissions": st.integers(0, 10**10),
    "energy": st.integers(0, 10**10),
    "green": st.floats(0, 1),
    "coal": st.integers(0, 10**10),
    "clean": st.floats(0, 1),
    "reports_new_figures": st.booleans(),
})  # fmt: skip
#: Each target: none, anywhere, or at the year's own figure (give or take one unit of its last place),
#: where an off-by-one comparison or rounding would decide the outcome wrongly.
target = st.none() | st.integers(0, 10**11) | st.sampled_from([-1, 0, 1]).map(lambda offset: ("at", offset))
targets = st.fixed_dictionaries({"reduction": st.integers(0, 6000) | st.sampled_from([-1, 0, 1]).map(lambda o: ("at", o)),
                                 "emissions_cap": target, "coal_cap": target, "share": target})


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(2, 12), unique=True, max_size=3).map(sorted),
    st.lists(period, min_size=4, max_size=4),
    targets,
    st.integers(10**3, 10**10),
    st.integers(10**6, 10**14),
)
def test_the_rules_accept_exactly_the_outcome_the_figures_give(cuts, periods, goal, baseline_grams, baseline_cents):
    state = MemoryState()
    state.put([Party(p, p, "91510100MA61R8LX4E", (role,), 0) for p, role in (("op", "park_operator"), ("dept", "department"), ("expert", "assessor"))])
    state.put([Park("p", "P", "c", "chengdu_plain", ("x",), "op", 2020, Decimal(_grams(baseline_grams)), Decimal(_cents(baseline_cents)), "CNY", 0, 0)])
    bounds = [_utc(YEAR, 1), *(_utc(YEAR, month) for month in cuts), _utc(YEAR + 1, 1)]
    index = 1
    rows = []
    for (start, end), figures in zip(zip(bounds, bounds[1:]), periods):
        payload = {
            "park": "p", "period_start": format_timestamp(start), "period_end": format_timestamp(end), "currency": "CNY",
            "output_value": _cents(figures["output"]), "energy_use_tce": _grams(figures["energy"]), "total_emissions": _grams(figures["emissions"]),
        }  # fmt: skip
        if figures["reports_new_figures"]:
            payload |= {
                "green_output_value": _cents(int(figures["output"] * figures["green"])),
                "coal_consumption_tce": _grams(figures["coal"]),
                "clean_energy_tce": _grams(int(figures["energy"] * figures["clean"])),
            }
        _apply(state, index, "park.statistics.reported", "op", payload)
        rows.append((index, payload))
        index += 1
    # The independent computation: exact sums and ratios, rounded once.
    def total(name: str) -> Fraction | None:
        values = [p.get(name) for _, p in rows]
        return None if any(v is None for v in values) else sum((Fraction(v) for v in values), Fraction(0))

    output, emissions, energy = total("output_value"), total("total_emissions"), total("energy_use_tce")
    assert output is not None and emissions is not None and energy is not None
    intensity = None if output == 0 else emissions / (output / 10_000)
    base = Fraction(_grams(baseline_grams)) / (Fraction(_cents(baseline_cents)) / 10_000)
    reduction = None if intensity is None or base == 0 else (base - intensity) / base * 100
    clean, coal = total("clean_energy_tce"), total("coal_consumption_tce")
    share = None if clean is None or energy == 0 else clean / energy * 100
    rounded_reduction = None if reduction is None else _round(reduction, 2)
    rounded_share = None if share is None else _round(share, 2)

    def level(goal_value: Any, figure: Decimal | Fraction | None, places: int, *, low: int, high: int) -> str | None:
        """The target's text: a free value, or one next to the year's figure (within the field's range)."""
        if goal_value is None:
            return None
        if isinstance(goal_value, tuple):
            anchor = Decimal(0) if figure is None else Decimal(str(_round(Fraction(figure), places)))
            number = int(anchor.scaleb(places)) + goal_value[1]
        else:
            number = goal_value
        return str(Decimal(min(max(number, low), high)).scaleb(-places))

    target_payload = {
        "park": "p", "target_year": YEAR, "decided_at": "2022-06-30T00:00:00Z",
        "intensity_reduction_percent": level(goal["reduction"], rounded_reduction, 2, low=0, high=10_000),
        "emissions_cap": level(goal["emissions_cap"], emissions, 3, low=0, high=10**20),
        "coal_cap_tce": level(goal["coal_cap"], coal, 3, low=0, high=10**20),
        "min_clean_energy_share_percent": level(goal["share"], rounded_share, 2, low=0, high=10_000),
    }  # fmt: skip
    target_payload = {k: v for k, v in target_payload.items() if v is not None}
    _apply(state, index, "park.targets.set", "dept", target_payload)
    index += 1
    met = rounded_reduction is not None and rounded_reduction >= Decimal(target_payload["intensity_reduction_percent"])
    if "emissions_cap" in target_payload:
        met = met and emissions <= Fraction(target_payload["emissions_cap"])
    if "coal_cap_tce" in target_payload:
        met = met and coal is not None and coal <= Fraction(target_payload["coal_cap_tce"])
    if "min_clean_energy_share_percent" in target_payload:
        met = met and rounded_share is not None and rounded_share >= Decimal(target_payload["min_clean_energy_share_percent"])
    expected = "successful" if met else "not-successful"

    statistics = state.find(ParkStatistics, park_id="p")
    judged = judge(state.get(Park, "p"), statistics, state.get(ParkTargets, f"p/{YEAR}"))
    figures = judged.figures.as_dict()
    assert figures["intensity"] == (None if intensity is None else _round(intensity, 6))
    assert figures["intensity_reduction_percent"] == rounded_reduction
    assert figures["clean_energy_share_percent"] == rounded_share
    assert judged.outcome == expected

    stated = {name: None if value is None else str(value) for name, value in figures.items()}
    assessment = {"assessment": "a", "park": "p", "target_year": YEAR, "statistics": [i for i, _ in rows], "report_sha256": REPORT, **stated}
    wrong = "not-successful" if expected == "successful" else "successful"
    with pytest.raises(errors.RuleViolation) as refused:
        _apply(state, index, "park.assessed", "expert", {**assessment, "outcome": wrong})
    assert refused.value.code == "assessment-outcome-mismatch"
    _apply(state, index, "park.assessed", "expert", {**assessment, "outcome": expected})


@pytest.mark.parametrize(
    ("periods", "problem"),
    [
        ([], "no statistics for 2025"),
        ([(1, 7), (7, 13)], None),
        ([(1, 7)], "nothing covers 2025-07-01"),
        ([(2, 13)], "nothing covers 2025-01-01"),
        ([(1, 6), (7, 13)], "nothing covers 2025-06-01"),
        ([(1, 8), (7, 13)], "periods overlap"),
        ([(1, 14)], "reaches outside 2025"),
    ],
)
def test_coverage_of_a_calendar_year(periods, problem):
    def month(n: int) -> datetime:
        return _utc(YEAR + (n - 1) // 12, (n - 1) % 12 + 1)

    found = coverage_problem([(month(a), month(b)) for a, b in periods], YEAR)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_an_exact_tie_rounds_half_even():
    """32,000 t on 30 bn yuan, then 7,000 t on 30 bn: exactly 78.125 % below, which is 78.12 (two
    rounded divisions give 78.13, and a 78.13 % target would count as met)."""
    park = Park("p", "P", "c", "chengdu_plain", ("x",), "op", 2020, Decimal("32000.000"), Decimal("30000000000.00"), "CNY", 0, 0)
    year = ParkStatistics("p/2025", "p", _utc(YEAR, 1), _utc(YEAR + 1, 1), Decimal("30000000000.00"), "CNY", Decimal("8.000"), Decimal("7000.000"), 1, 1,
                          None, None, Decimal("1.000"))  # fmt: skip
    targets = ParkTargets("p/2025", "p", YEAR, Decimal("78.13"), None, None, Decimal("12.50"), SIGNED, 0, 0, SIGNED)
    judged = judge(park, [year], targets)
    assert judged.figures.intensity_reduction_percent == Decimal("78.12") and judged.missed == ("intensity-reduction",)
    assert judged.figures.clean_energy_share_percent == Decimal("12.50")  # 1 of 8 tce, exactly
