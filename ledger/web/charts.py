"""Charts drawn by pygal as inline SVG: no script, no asset from outside the machine.

Floats appear here only: a chart's geometry needs them, and the exact decimal strings stay in the
tables beside every chart.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable, Iterable

import sys

import pygal
from markupsafe import Markup
from pygal.style import Style

# pygal appends a sys.meta_path finder for its optional pygal.maps plugins that has only the legacy
# find_module method, so every later import in the process raises an ImportWarning (an error under
# the tests' filterwarnings). The pages draw no maps: take the finder out again.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    foreground="#1f2a24",
    foreground_strong="#1f2a24",
    foreground_subtle="#6b7a70",
    font_family="system-ui, sans-serif",
    # Seventeen distinguishable colours: one line per park on the dashboard.
    colors=(
        "#2e7d4f", "#c9a227", "#3b6ea5", "#b5523b", "#7b5ea7", "#4aa3a2", "#8c8c3c", "#d17fa5", "#5c6b73",
        "#e07b00", "#1b9e77", "#a6761d", "#666666", "#e7298a", "#66a61e", "#1f78b4", "#b15928",
    ),
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
)

MILLION = Decimal(1_000_000)


def _number(value: str | None, scale: Decimal = Decimal(1)) -> float | None:
    return None if value is None else float(Decimal(value) / scale)


def _readable(value: float) -> str:
    """Axis and tooltip numbers: thousands separators, decimals only for small values."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def _config(**extra: Any) -> dict[str, Any]:
    # js=[] keeps pygal from linking its tooltip script from the internet.
    base: dict[str, Any] = {
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        "width": 900,
        "height": 380,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "print_values": False,
        "truncate_label": -1,
        "truncate_legend": -1,
        "include_x_axis": True,  # both axes start at zero, the secondary one too
        "x_label_rotation": 35,
        "margin_bottom": 20,
        "formatter": _readable,
        "value_formatter": _readable,  # the axes' labels, the secondary one included
    }
    base.update(extra)
    return base


#: pygal writes its config into an inline script for its optional tooltips; the pages run no inline script.
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def _svg(chart: Any, label: str) -> Markup:
    svg = INLINE_SCRIPT.sub("", chart.render(is_unicode=True))
    return Markup(f'<figure class="chart" role="img" aria-label="{Markup.escape(label)}">{svg}</figure>')


def _point(value: float | None, link: str | None, label: str | None = None) -> dict[str, Any] | None:
    if value is None:
        return None
    point: dict[str, Any] = {"value": value}
    if link:
        point["xlink"] = {"href": link, "target": "_top"}
    if label:
        point["label"] = label
    return point


def financing_vs_tonnes(parks: list[dict[str, Any]], link: Callable[[str], str]) -> Markup:
    """Per park: loans and rewards (million yuan, left axis) against verified tCO2e (right axis)."""
    chart = pygal.Bar(**_config(title="Financing and verified reductions per park", y_title="million yuan", height=440, legend_at_bottom_columns=2))
    chart.x_labels = [p["park_id"] for p in parks]
    chart.add("Loan principal (million yuan)", [_point(_number(p["loan_principal"], MILLION), link(p["park_id"])) for p in parks])
    chart.add("Outstanding (million yuan)", [_point(_number(p["outstanding"], MILLION), link(p["park_id"])) for p in parks])
    chart.add("Rewards received (million yuan)", [_point(_number(p["rewards_received"], MILLION), link(p["park_id"])) for p in parks])
    tonnes = [_point(_number(p["verified_reductions"]), link(p["park_id"])) for p in parks]
    if any(tonnes):  # pygal cannot scale a secondary axis without a value (early in the log, nothing is verified)
        chart.add("Verified reductions (tCO2e)", tonnes, secondary=True)
    return _svg(chart, "Bar chart of loan principal, outstanding amount and rewards per park, against verified tonnes")


def _period_label(period: dict[str, Any]) -> str:
    return str(period["period_start"])[:10]


def intensity_over_time(series: Iterable[tuple[str, list[dict[str, Any]]]], link: Callable[[str], str]) -> Markup:
    """Each park's emission intensity per reporting period, as the change in percent against its own baseline.

    Intensities differ by two orders of magnitude between a steel park and a headquarters district;
    against each park's baseline they share one scale.
    """
    series = list(series)
    labels = sorted({_period_label(p) for _, periods in series for p in periods})
    chart = pygal.Line(**_config(
        title="Emission intensity per period against each park's baseline (%)", y_title="change in % (negative: lower intensity)",
        legend_at_bottom_columns=4, height=480, dots_size=3, include_x_axis=False,
    ))
    chart.x_labels = labels
    for name, periods in series:
        by_label = {_period_label(p): p for p in periods}
        chart.add(name, [
            _point(_number(by_label[label]["intensity_change_percent"]), link(name), f"intensity {by_label[label]['intensity']}")
            if label in by_label else None
            for label in labels
        ])
    return _svg(chart, "Line chart of each park's emission intensity per reporting period, in percent against its baseline")


def park_intensity(periods: list[dict[str, Any]], baseline: str | None, entry_link: Callable[[int], str]) -> Markup:
    """A park's intensity per period against its baseline intensity."""
    chart = pygal.Line(**_config(title="Emission intensity against the baseline", y_title="tCO2e per 10,000 yuan", dots_size=4, width=640, height=400))
    chart.x_labels = [_period_label(p) for p in periods]
    chart.add("Intensity", [_point(_number(p["intensity"]), entry_link(p["reported_index"])) for p in periods])
    if baseline is not None:
        chart.add("Baseline", [_number(baseline)] * len(periods), stroke_style={"dasharray": "6, 4"}, show_dots=False)
    return _svg(chart, "Line chart of the park's emission intensity per period against its baseline")


def park_emissions(periods: list[dict[str, Any]], baseline: str, entry_link: Callable[[int], str]) -> Markup:
    """A park's total emissions per period against its baseline emissions."""
    chart = pygal.Bar(**_config(title="Total emissions against the baseline", y_title="tCO2e", width=640, height=400))
    chart.x_labels = [_period_label(p) for p in periods]
    chart.add("Total emissions", [_point(_number(p["total_emissions"]), entry_link(p["reported_index"])) for p in periods])
    chart.add("Baseline", [_number(baseline)] * len(periods))
    return _svg(chart, "Bar chart of the park's total emissions per period against its baseline")


def project_financing(lenders: list[dict[str, Any]], link: Callable[[str], str | None]) -> Markup:
    """A project's financing by lender: principal, disbursed, outstanding."""
    chart = pygal.Bar(**_config(title="Financing by lender", y_title="million yuan", width=640, height=400))
    chart.x_labels = [line["lender"] for line in lenders]
    for field, name in (("principal", "Principal"), ("disbursed", "Disbursed"), ("outstanding", "Outstanding")):
        chart.add(name, [_point(_number(line[field], MILLION), link(line["lender"])) for line in lenders])
    return _svg(chart, "Bar chart of the project's financing by lender")


def reductions_by_vintage(vintages: list[dict[str, Any]], link: Callable[[int], str] | None = None) -> Markup:
    """Verified tCO2e per vintage."""
    chart = pygal.Bar(**_config(title="Verified reductions by vintage", y_title="tCO2e", width=640, height=400, x_label_rotation=0))
    chart.x_labels = [str(v["vintage"]) for v in vintages]
    chart.add("Verified (tCO2e)", [_point(_number(v["tonnes"]), link(v["vintage"]) if link else None) for v in vintages])
    return _svg(chart, "Bar chart of verified reductions by vintage")


def lender_projects(projects: list[dict[str, Any]], link: Callable[[str], str | None]) -> Markup:
    """A lender's financed reductions against each project's verified reductions."""
    projects = list(reversed(projects))  # pygal stacks horizontal bars bottom up; read them top down like the table
    chart = pygal.HorizontalBar(**_config(title="Financed against verified reductions per project", height=max(300, 40 * len(projects) + 120)))
    chart.x_labels = [p["project_id"] for p in projects]
    chart.add("Verified (tCO2e)", [_point(_number(p["verified_reductions"]), link(p["project_id"])) for p in projects])
    chart.add("Financed by this lender (tCO2e)", [_point(_number(p["financed_reductions"]), link(p["project_id"])) for p in projects])
    return _svg(chart, "Horizontal bar chart of financed and verified reductions per project")


def programme_budget(figures: dict[str, Any]) -> Markup:
    """A reward programme's budget: disbursed and remaining."""
    chart = pygal.Pie(**_config(title="Budget", inner_radius=0.45, height=320, width=480))
    chart.add("Disbursed", _number(figures["disbursed"], MILLION))
    chart.add("Remaining", _number(figures["remaining"], MILLION))
    return _svg(chart, "Doughnut chart of the programme's budget: disbursed and remaining, in million yuan")


def programme_disbursements(lines: list[dict[str, Any]], entry_link: Callable[[int], str]) -> Markup:
    """Each reward disbursement's amount (ten thousand yuan) and the tonnes it pays for."""
    chart = pygal.Bar(**_config(title="Disbursements", y_title="10,000 yuan", height=360))
    chart.x_labels = [line["disbursement_id"] for line in lines]
    chart.add("Amount (10,000 yuan)", [_point(_number(line["amount"], Decimal(10_000)), entry_link(line["disbursed_index"])) for line in lines])
    chart.add("Tonnes paid for (tCO2e)", [_point(_number(line["tonnes"]), entry_link(line["disbursed_index"])) for line in lines], secondary=True)
    return _svg(chart, "Bar chart of reward disbursements: amount and tonnes")
