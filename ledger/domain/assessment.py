"""Whether a park met its targets in a year: the figures its statistics give and the outcome they decide.

One function of the park's baseline, the statistics covering the calendar year and the targets in
force, used by the rule that checks a ``park.assessed`` entry (an assessor can sign only the outcome
the numbers give) and by the reports that show each park's status. Figures are rounded as the
payload states them (money to the fen, tonnes to the kilogram, intensity to 6 places, percentages to
2), each from the statistics' exact sums (not from another rounded figure), and the targets are
compared with the rounded figures, so anyone can redo the judgement from the statistics entries and
the park's baseline. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Iterable, Mapping, Sequence

from ledger.domain.entities import Park, ParkStatistics, ParkTargets

SUCCESSFUL = "successful"
NOT_SUCCESSFUL = "not-successful"
OUTCOMES = (SUCCESSFUL, NOT_SUCCESSFUL)

#: The targets a park can miss, in the order reports list them.
INTENSITY_TARGET = "intensity-reduction"
EMISSIONS_TARGET = "emissions-cap"
COAL_TARGET = "coal-cap"
CLEAN_ENERGY_TARGET = "clean-energy-share"
TARGET_NAMES = (INTENSITY_TARGET, EMISSIONS_TARGET, COAL_TARGET, CLEAN_ENERGY_TARGET)

MONEY = Decimal("0.01")
TONNES = Decimal("0.001")
INTENSITY = Decimal("0.000001")
PERCENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10_000)
HUNDRED = Decimal(100)

#: The figure names of a judgement, as the ``park.assessed`` payload and the reports name them.
FIGURE_NAMES = (
    "output_value",
    "green_output_value",
    "total_emissions",
    "intensity",
    "intensity_reduction_percent",
    "coal_consumption_tce",
    "clean_energy_share_percent",
)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The calendar year as a half-open UTC period [1 January, next 1 January)."""
    return datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc)


def coverage_problem(periods: Iterable[tuple[datetime, datetime]], year: int) -> str | None:
    """Why ``periods`` do not cover ``year`` exactly, without gaps, overlaps or time outside it; None if they do."""
    start, end = year_bounds(year)
    ordered = sorted(periods)
    if not ordered:
        return f"no statistics for {year}"
    cursor = start
    for period_start, period_end in ordered:
        if period_start < start or period_end > end:
            return f"a period ({period_start.isoformat()} to {period_end.isoformat()}) reaches outside {year}"
        if period_start > cursor:
            return f"nothing covers {cursor.isoformat()} to {period_start.isoformat()}"
        if period_start < cursor:
            return f"periods overlap at {period_start.isoformat()}"
        cursor = period_end
    if cursor < end:
        return f"nothing covers {cursor.isoformat()} to {end.isoformat()}"
    return None


def statistics_of_year(statistics: Iterable[ParkStatistics], year: int) -> list[ParkStatistics]:
    """The park's statistics whose periods lie inside ``year``, in period order."""
    start, end = year_bounds(year)
    return sorted((s for s in statistics if s.period_start >= start and s.period_end <= end), key=lambda s: s.period_start)


def covers_year(statistics: Sequence[ParkStatistics], year: int) -> bool:
    return coverage_problem(((s.period_start, s.period_end) for s in statistics), year) is None


def _sum_or_none(values: Sequence[Decimal | None]) -> Decimal | None:
    """The sum when every period reported the figure, else None: a year's figure is never a part year's."""
    if not values or any(v is None for v in values):
        return None
    return sum(values, Decimal(0))  # type: ignore[arg-type]


def _rounded(value: Decimal | None, places: Decimal) -> Decimal | None:
    return None if value is None else value.quantize(places, ROUND_HALF_EVEN)


#: Wide enough that products of two figures (at most 18 + 3 digits each) are exact, and that each ratio
#: below is one division: a quotient that ends on a rounding tie is then exact, so half-even rounds it
#: the way exact arithmetic would (two rounded divisions can land a hair off the tie).
_EXACT = Context(prec=100)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return _EXACT.divide(numerator, denominator)


def intensity(emissions: Decimal, output_value: Decimal) -> Decimal | None:
    """tCO2e per 10,000 yuan of output value (unrounded); None without output."""
    return None if output_value == 0 else _ratio(_EXACT.multiply(emissions, TEN_THOUSAND), output_value)


@dataclass(frozen=True)
class YearFigures:
    """What a year's statistics give, rounded as a ``park.assessed`` payload states it."""

    output_value: Decimal
    green_output_value: Decimal | None
    total_emissions: Decimal
    intensity: Decimal | None
    intensity_reduction_percent: Decimal | None
    coal_consumption_tce: Decimal | None
    clean_energy_share_percent: Decimal | None

    def as_dict(self) -> dict[str, Decimal | None]:
        return {name: getattr(self, name) for name in FIGURE_NAMES}


def year_figures(park: Park, statistics: Sequence[ParkStatistics]) -> YearFigures:
    """The year's figures from the statistics that cover it (the caller checks the coverage)."""
    output = sum((s.output_value for s in statistics), Decimal(0))
    emissions = sum((s.total_emissions for s in statistics), Decimal(0))
    energy = sum((s.energy_use_tce for s in statistics), Decimal(0))
    clean = _sum_or_none([s.clean_energy_tce for s in statistics])
    year_intensity = intensity(emissions, output)
    base_emissions, base_output = park.baseline_emissions, park.baseline_output_value
    reduction = None
    if year_intensity is not None and base_emissions and base_output:
        # (B - I) / B with B = baseline emissions / output and I = emissions / output, as one division.
        scaled = _EXACT.multiply(output, base_emissions)
        reduction = _ratio(_EXACT.multiply(_EXACT.subtract(scaled, _EXACT.multiply(emissions, base_output)), HUNDRED), scaled)
    share = None if clean is None or energy == 0 else _ratio(_EXACT.multiply(clean, HUNDRED), energy)
    return YearFigures(
        output_value=output.quantize(MONEY, ROUND_HALF_EVEN),
        green_output_value=_rounded(_sum_or_none([s.green_output_value for s in statistics]), MONEY),
        total_emissions=emissions.quantize(TONNES, ROUND_HALF_EVEN),
        intensity=_rounded(year_intensity, INTENSITY),
        intensity_reduction_percent=_rounded(reduction, PERCENT),
        coal_consumption_tce=_rounded(_sum_or_none([s.coal_consumption_tce for s in statistics]), TONNES),
        clean_energy_share_percent=_rounded(share, PERCENT),
    )


def differing_figures(stated: Mapping[str, Decimal | None], figures: YearFigures) -> list[str]:
    """The figure names whose stated value is not the one ``figures`` holds (a missing figure differs
    from any value)."""
    return [name for name, value in figures.as_dict().items() if stated[name] != value]


def missed_targets(figures: YearFigures, targets: ParkTargets) -> tuple[str, ...]:
    """The targets the figures miss; a target whose figure was not reported counts as missed."""
    missed = []
    reduction = figures.intensity_reduction_percent
    if reduction is None or reduction < targets.intensity_reduction_percent:
        missed.append(INTENSITY_TARGET)
    if targets.emissions_cap is not None and figures.total_emissions > targets.emissions_cap:
        missed.append(EMISSIONS_TARGET)
    if targets.coal_cap_tce is not None and (figures.coal_consumption_tce is None or figures.coal_consumption_tce > targets.coal_cap_tce):
        missed.append(COAL_TARGET)
    share = figures.clean_energy_share_percent
    if targets.min_clean_energy_share_percent is not None and (share is None or share < targets.min_clean_energy_share_percent):
        missed.append(CLEAN_ENERGY_TARGET)
    return tuple(missed)


def outcome_of(missed: Sequence[str]) -> str:
    return NOT_SUCCESSFUL if missed else SUCCESSFUL


@dataclass(frozen=True)
class Judgement:
    figures: YearFigures
    missed: tuple[str, ...]

    @property
    def outcome(self) -> str:
        return outcome_of(self.missed)


def judge(park: Park, statistics: Sequence[ParkStatistics], targets: ParkTargets) -> Judgement:
    """The figures and outcome for ``targets.target_year`` (the statistics must cover it: ``covers_year``)."""
    figures = year_figures(park, statistics)
    return Judgement(figures, missed_targets(figures, targets))
