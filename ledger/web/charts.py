"""Charts drawn by pygal as inline SVG, each with the table of exact figures it is drawn from.

One unit per chart, round ticks from zero, every bar labelled by its own row (horizontal bars, top
down in the table's order), values printed where a bar may be too short to see, and colours that keep
3:1 against white and stay apart for the common colour-vision deficiencies (Okabe and Ito's palette).
Titles, units and legends are HTML around the SVG, in the page's language, so they wrap at any width
and carry no estimate of how wide a Chinese glyph is.

Floats appear here only: a chart's geometry needs them, and the exact decimal strings stay in the
table behind every chart.
"""

from __future__ import annotations

import re
import statistics
import sys
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Sequence

import pygal
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.style import Style

from ledger.web import i18n

# pygal appends a sys.meta_path finder for its optional pygal.maps plugins that has only the legacy
# find_module method, so every later import in the process raises an ImportWarning (an error under
# the tests' filterwarnings). The pages draw no maps: take the finder out again.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

#: Okabe and Ito's blue, vermillion and bluish green, then a dark grey for baselines and medians.
BLUE, VERMILLION, GREEN, GREY = "#0072B2", "#D55E00", "#009E73", "#595959"
SERIES_COLOURS = (BLUE, VERMILLION, GREEN)
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
LABEL_SIZE = 13
VALUE_SIZE = 12

#: The SVGs' own widths: small enough that a phone shows them at a readable scale.
HORIZONTAL_WIDTH = 520
SMALL_WIDTH = 480
PANEL_WIDTH = 340

MILLION = Decimal(1_000_000)
TEN_THOUSAND = Decimal(10_000)


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class Row:
    """One row of the table behind a chart: its label, where it links, and exact decimal strings."""

    label: str
    values: tuple[str | None, ...]
    link: str | None = None


@dataclass(frozen=True)
class Chart:
    """An SVG with its caption, unit, legend and the table of figures it draws."""

    testid: str
    title: str
    unit: str
    table_unit: str  # of the exact figures in the table (yuan where the chart draws million yuan)
    svg: Markup
    series: tuple[Series, ...]
    label_heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str | None = None
    #: The SVG's own width: the page draws it between 0.85 and 1.2 times that (a narrower screen
    #: scrolls the chart sideways rather than shrink its labels below about 11 px).
    width: int = 480


@dataclass(frozen=True)
class Panel:
    title: str
    link: str | None
    svg: Markup
    latest: str | None  # the latest value, written out for reading without the chart


@dataclass(frozen=True)
class Multiples:
    """Small multiples: one small chart per subject on a shared scale, and one table behind them all."""

    testid: str
    title: str
    unit: str
    table_unit: str
    series: tuple[Series, ...]
    panels: tuple[Panel, ...]
    label_heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str | None = None
    shared_ticks: tuple[Decimal, ...] = field(default_factory=tuple)


# --- scales ---------------------------------------------------------------------------------------

STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))


def nice_ticks(low: Decimal, high: Decimal, most: int = 6) -> list[Decimal]:
    """Round ticks from at or below ``min(low, 0)`` to at or above ``max(high, 0)``: steps of 1, 2, 2.5
    or 5 times a power of ten, at most ``most`` of them plus the ends."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        high = low + 1
    span = high - low
    power = Decimal(10) ** (span.adjusted() - 1)
    while True:
        for step in STEPS:
            size = step * power
            first = (low / size).to_integral_value(rounding="ROUND_FLOOR")
            last = (high / size).to_integral_value(rounding="ROUND_CEILING")
            if last - first <= most:
                return [(first + i) * size for i in range(int(last - first) + 1)]
        power *= 10


def _places(ticks: Sequence[Decimal]) -> int:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else Decimal(1)
    return max(0, -int(step.normalize().as_tuple().exponent))


def _scaled(value: str | None, scale: Decimal) -> Decimal | None:
    return None if value is None else Decimal(value) / scale


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- drawing --------------------------------------------------------------------------------------


def _style(colours: Sequence[str]) -> Style:
    return Style(
        background="transparent",
        plot_background="#ffffff",
        foreground="#1f2a24",
        foreground_strong="#1f2a24",
        foreground_subtle="#5b6b61",
        guide_stroke_color="#e3e9e5",  # guide lines: light and solid, the bars carry the ink
        guide_stroke_dasharray="0",
        major_guide_stroke_color="#d3dbd6",
        major_guide_stroke_dasharray="0",
        font_family=FONT,
        colors=tuple(colours) or (BLUE,),
        opacity="1",
        opacity_hover="0.85",
        stroke_width="3",
        stroke_width_hover="3",
        label_font_size=LABEL_SIZE,
        major_label_font_size=LABEL_SIZE,
        value_font_size=VALUE_SIZE,
        title_font_size=14,
        legend_font_size=LABEL_SIZE,
    )


def text_width(text: str, size: int = LABEL_SIZE) -> float:
    """Roughly how wide ``text`` is drawn: East Asian wide glyphs take a full em, others about 0.6."""
    return sum(size * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6) for ch in text)


#: A bar's label longer than this (in px at LABEL_SIZE) is set on two lines.
LABEL_LINE = 150.0


def label_lines(label: str) -> list[str]:
    """A label on one line, or two: split at the space (or before the full-width bracket) nearest the
    middle, so the label column stays narrow enough to leave the bars room. An identifier (no space)
    is never broken."""
    if text_width(label) <= LABEL_LINE:
        return [label]
    cuts = [i for i, ch in enumerate(label) if ch == " " or ch == "（"]
    if not cuts and any(unicodedata.east_asian_width(ch) in "WF" for ch in label):
        cuts = list(range(1, len(label)))  # Chinese breaks between any two characters
    if not cuts:
        return [label]
    middle = text_width(label) / 2
    cut = min(cuts, key=lambda i: abs(text_width(label[:i]) - middle))
    first, second = label[:cut].rstrip(), label[cut:].lstrip()
    return [first, second] if first and second else [label]


def _placeholder(i: int) -> str:
    """What pygal is handed as the ``i``-th category label (private-use characters around the index):
    pygal measures labels at 0.6 em a character and cannot break them, so the real label, on its lines,
    replaces this in the SVG it writes (``_put_labels``)."""
    return f"\ue000{i}\ue001"


def _label_margin(labels: Sequence[str], size: int = LABEL_SIZE) -> int:
    """The left margin that, with what pygal reserves for the placeholders, fits the widest line."""
    widest = max((text_width(line, size) for label in labels for line in label_lines(label)), default=0.0)
    reserved = max((0.6 * size * len(_placeholder(i)) for i in range(len(labels))), default=0.0)
    return int(max(widest - reserved, 0)) + 12


def _put_labels(svg: str, labels: Sequence[str]) -> str:
    """Write each category label where pygal wrote its placeholder: on the axis on its lines, in the
    bars' descriptions whole."""
    for i, label in enumerate(labels):
        token = re.escape(_placeholder(i))
        lines = label_lines(label)

        def axis_text(match: re.Match[str], lines: list[str] = lines) -> str:
            if len(lines) == 1:
                return match.group(1) + str(Markup.escape(lines[0])) + "</text>"
            x = match.group(2)
            first = f'<tspan x="{x}" dy="-0.55em">{Markup.escape(lines[0])}</tspan>'
            rest = f'<tspan x="{x}" dy="1.15em">{Markup.escape(lines[1])}</tspan>'
            return match.group(1) + first + rest + "</text>"

        svg = re.sub(r'(<text x="(-?[\d.]+)"[^>]*>)' + token + "</text>", axis_text, svg)
        svg = svg.replace(_placeholder(i), str(Markup.escape(label)))
    return svg


def _config(ticks: Sequence[Decimal], series: Sequence[Series], **extra: Any) -> dict[str, Any]:
    places = _places(ticks)

    def axis(value: float) -> str:
        return i18n.rounded(Decimal(repr(value)), places)

    base: dict[str, Any] = {
        "style": _style([s.colour for s in series]),
        "js": [],  # pygal would link its tooltip script from the internet
        "disable_xml_declaration": True,
        "explicit_size": False,
        "show_legend": False,  # the legend is HTML beside the chart
        "width": 760,
        "height": 420,
        "margin": 12,
        "truncate_label": -1,
        "truncate_legend": -1,
        "include_x_axis": True,
        "zero": 0,
        "range": (float(ticks[0]), float(ticks[-1])),
        "y_labels": [float(t) for t in ticks],
        "x_label_rotation": 0,
        "formatter": axis,
        "value_formatter": axis,
        "print_values": False,
        "no_data_text": _("No data"),
        "css": CSS,
    }
    base.update(extra)
    return base


class _HorizontalBar(pygal.HorizontalBar):  # type: ignore[misc]
    """Horizontal bars that print their value just past the bar's end (pygal centres it on the end),
    so a short bar, a zero among them, still says its value."""

    def _static_value(self, serie_node: Any, value: Any, x: Any, y: Any, metadata: Any, align_text: str = "left", classes: Any = None) -> Any:
        return super()._static_value(serie_node, value, x, y, metadata, "start", classes)


#: A printed value keeps a white halo, so a guide line or a bar never crosses its digits.
CSS = ["file://style.css", "file://graph.css", "inline:.text-overlay text.value { paint-order: stroke; stroke: #fff; stroke-width: 3px; fill: #1f2a24; }"]

#: pygal writes its config into an inline script for its optional tooltips; the pages run no inline script.
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
PYGAL_TITLE = re.compile(r"<title>Pygal</title>")


def _svg(chart: Any, title: str, labels: Sequence[str] = ()) -> Markup:
    svg = _put_labels(INLINE_SCRIPT.sub("", chart.render(is_unicode=True)), labels)
    return Markup(PYGAL_TITLE.sub(lambda _match: f"<title>{Markup.escape(title)}</title>", svg, count=1))


def _point(value: Decimal | None, link: str | None, shown: str | None = None) -> dict[str, Any] | None:
    if value is None:
        return None
    point: dict[str, Any] = {"value": float(value)}
    if link:
        point["xlink"] = {"href": link, "target": "_top"}
    if shown is not None:
        point["formatter"] = lambda _value, text=shown: text
    return point


def _exact_printer(exacts: Sequence[str | None], scale: Decimal, places: int) -> list[str | None]:
    """What a bar prints: its figure in the chart's unit, to ``places`` decimals."""
    return [None if value is None else i18n.fixed(Decimal(value) / scale, places) for value in exacts]


def horizontal_bars(
    *,
    testid: str,
    title: str,
    unit: str,
    table_unit: str,
    label_heading: str,
    labels: Sequence[str],
    links: Sequence[str | None],
    series: Sequence[tuple[Series, Sequence[str | None]]],
    scale: Decimal = Decimal(1),
    print_places: int = 0,
    top: Decimal | None = None,
    note: str | None = None,
) -> Chart:
    """Rows top down in the order given, one bar per series in each, every bar printing its value.

    :param series: each series with one exact decimal string (or None) per label, in the chart's
        unit times ``scale`` (say yuan for a chart in million yuan, ``scale`` a million).
    :param top: where the value axis ends, when no bar is longer (a cap the bars are measured against).
    """
    values = [[_scaled(v, scale) for v in figures] for _, figures in series]
    highest = max((v for column in values for v in column if v is not None), default=Decimal(0))
    margin_left = _label_margin(labels)
    plot = HORIZONTAL_WIDTH - margin_left - 0.6 * LABEL_SIZE * 3 - 8 - 56  # less the labels' column and the right margin
    most = 5
    while True:
        if top is not None and highest <= top:
            # The axis ends exactly at ``top``, labelled there even where that is no round step.
            ticks = [t for t in nice_ticks(Decimal(0), top, most=most) if t < top] + [top]
        else:
            ticks = nice_ticks(Decimal(0), highest, most=most)  # the value printed past the longest bar goes in the right margin
        # As many ticks as their labels fit side by side under the plot, each centred on its tick.
        widest = max(text_width(i18n.rounded(t, _places(ticks))) for t in ticks) + 8
        if plot / max(len(ticks) - 1, 1) >= widest or most == 1:
            break
        most -= 1
    height = 56 + len(labels) * max(len(series) * 17 + 12, 36)
    chart = _HorizontalBar(**_config(
        ticks, [s for s, _ in series], width=HORIZONTAL_WIDTH, height=max(height, 160),
        margin_left=margin_left, margin_right=56, print_values=True,
        print_values_position="top", print_zeroes=True, spacing=8,
    ))
    # pygal draws the first label at the bottom: hand it the rows reversed so they read top down.
    chart.x_labels = list(reversed([_placeholder(i) for i in range(len(labels))]))
    for (s, figures), scaled in zip(series, values):
        printed = _exact_printer(figures, scale, print_places)
        points = [_point(v, link, shown) for v, link, shown in zip(scaled, links, printed)]
        chart.add(s.name, list(reversed(points)))
    rows = tuple(Row(label, tuple(figures[i] for _, figures in series), links[i]) for i, label in enumerate(labels))
    return Chart(
        testid, title, unit, table_unit, _svg(chart, title, labels), tuple(s for s, _ in series), label_heading,
        tuple(s.name for s, _ in series), rows, note, HORIZONTAL_WIDTH,
    )


def vertical_bars(
    *,
    testid: str,
    title: str,
    unit: str,
    table_unit: str,
    label_heading: str,
    labels: Sequence[str],
    links: Sequence[str | None],
    series: Sequence[tuple[Series, Sequence[str | None]]],
    scale: Decimal = Decimal(1),
    print_places: int = 0,
    note: str | None = None,
) -> Chart:
    """Groups of bars with their label centred under them (a few groups: periods, vintages, lenders);
    a bar of zero, which draws nothing, says 0 (the others' figures are in the table beneath)."""
    values = [[_scaled(v, scale) for v in figures] for _, figures in series]
    highest = max((v for column in values for v in column if v is not None), default=Decimal(0))
    ticks = nice_ticks(Decimal(0), highest)
    chart = pygal.Bar(**_config(
        ticks, [s for s, _ in series], width=SMALL_WIDTH, height=320, margin_bottom=8, print_values=True,
        print_values_position="top", print_zeroes=True,
    ))
    chart.x_labels = list(labels)
    for (s, figures), scaled in zip(series, values):
        printed = [text if v == 0 else "" for v, text in zip(scaled, _exact_printer(figures, scale, print_places))]
        chart.add(s.name, [_point(v, link, shown) for v, link, shown in zip(scaled, links, printed)])
    rows = tuple(Row(label, tuple(figures[i] for _, figures in series), links[i]) for i, label in enumerate(labels))
    return Chart(testid, title, unit, table_unit, _svg(chart, title), tuple(s for s, _ in series), label_heading, tuple(s.name for s, _ in series), rows, note, SMALL_WIDTH)


def lines(
    *,
    testid: str,
    title: str,
    unit: str,
    table_unit: str,
    label_heading: str,
    labels: Sequence[str],
    series: Sequence[tuple[Series, Sequence[str | None], Sequence[str | None]]],
    note: str | None = None,
) -> Chart:
    """A line per series over ``labels`` (periods), with the links of each point."""
    values = [[_scaled(v, Decimal(1)) for v in figures] for _, figures, _ in series]
    present = [v for column in values for v in column if v is not None]
    ticks = nice_ticks(min(present, default=Decimal(0)), max(present, default=Decimal(0)))
    chart = pygal.Line(**_config(ticks, [s for s, _, _ in series], width=SMALL_WIDTH, height=320, dots_size=4, margin_bottom=8, margin_right=24))
    chart.x_labels = list(labels)
    for (s, _, links), scaled in zip(series, values):
        options: dict[str, Any] = {"stroke_style": {"width": 3, "dasharray": "7, 5"} if s.dashed else {"width": 3}}
        if s.dashed:
            options["show_dots"] = False
        chart.add(s.name, [_point(v, link) for v, link in zip(scaled, links)], **options)
    rows = tuple(Row(label, tuple(figures[i] for _, figures, _ in series)) for i, label in enumerate(labels))
    return Chart(testid, title, unit, table_unit, _svg(chart, title), tuple(s for s, _, _ in series), label_heading, tuple(s.name for s, _, _ in series), rows, note, SMALL_WIDTH)


# --- the pages' charts ----------------------------------------------------------------------------


def park_financing(parks: list[dict[str, Any]], names: Sequence[str], links: Sequence[str]) -> Chart:
    """Per park: loan principal and outstanding, in million yuan."""
    return horizontal_bars(
        testid="financing-chart",
        title=_("Green loans per park"),
        unit=_("million yuan"),
        table_unit=_("yuan"),
        label_heading=_("Park"),
        labels=names,
        links=links,
        series=[
            (Series(_("Loan principal"), BLUE), [p["loan_principal"] for p in parks]),
            (Series(_("Outstanding"), VERMILLION), [p["outstanding"] for p in parks]),
        ],
        scale=MILLION,
        print_places=1,
    )


def park_rewards(parks: list[dict[str, Any]], names: Sequence[str], links: Sequence[str]) -> Chart:
    """Per park: rewards received, in 10,000 yuan (a scale of their own: beside loans they would not show)."""
    return horizontal_bars(
        testid="rewards-chart",
        title=_("Rewards received per park"),
        unit=_("10,000 yuan"),
        table_unit=_("yuan"),
        label_heading=_("Park"),
        labels=names,
        links=links,
        series=[(Series(_("Rewards received"), GREEN), [p["rewards_received"] for p in parks])],
        scale=TEN_THOUSAND,
        print_places=1,
        note=_("A park that has received no reward shows 0."),
    )


def park_reductions(parks: list[dict[str, Any]], names: Sequence[str], links: Sequence[str]) -> Chart:
    """Per park: verified reductions in tCO2e."""
    return horizontal_bars(
        testid="reductions-chart",
        title=_("Verified reductions per park"),
        unit=_("tCO2e"),
        table_unit=_("tCO2e"),
        label_heading=_("Park"),
        labels=names,
        links=links,
        series=[(Series(_("Verified reductions"), BLUE), [p["verified_reductions"] for p in parks])],
    )


def _median(values: list[Decimal]) -> Decimal | None:
    return statistics.median(values) if values else None


def intensity_multiples(
    parks: Sequence[tuple[str, str, list[dict[str, Any]]]], park_link: Callable[[str], str]
) -> Multiples:
    """Each park's emission intensity against its own baseline (in %), one small chart per park, on
    one shared scale, each beside the programme's median of the same period.

    Intensities differ by two orders of magnitude between a steel park and a headquarters district;
    against each park's baseline they share one scale.

    :param parks: (park id, name on this page, the park report's periods) in the table's order.
    """
    starts = sorted({p["period_start"] for _, _, periods in parks for p in periods})
    ends = {p["period_start"]: p["period_end"] for _, _, periods in parks for p in periods}
    labels = [i18n.period(start, ends[start]) for start in starts]
    by_park = {park_id: {p["period_start"]: p.get("intensity_change_percent") for p in periods} for park_id, _, periods in parks}
    medians = [_median([Decimal(v[s]) for v in by_park.values() if v.get(s) is not None]) for s in starts]
    present = [Decimal(v) for values in by_park.values() for v in values.values() if v is not None]
    present += [m for m in medians if m is not None]
    ticks = nice_ticks(min(present, default=Decimal(0)), max(present, default=Decimal(0)), most=5)
    park_series, median_series = Series(_("This park"), BLUE), Series(_("Programme median"), GREY, dashed=True)
    places = _places(ticks)

    def axis(value: float) -> str:
        return i18n.percent(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places)))

    panels = []
    for park_id, name, _periods in parks:
        mine = [by_park[park_id].get(s) for s in starts]
        chart = pygal.Line(**_config(
            ticks, [park_series, median_series], width=PANEL_WIDTH, height=210, dots_size=4, margin=6, margin_right=22,
            formatter=axis, value_formatter=axis,
        ))
        chart.x_labels = labels
        chart.add(park_series.name, [_point(_scaled(v, Decimal(1)), park_link(park_id)) for v in mine], stroke_style={"width": 3})
        chart.add(median_series.name, [_float(m) for m in medians], show_dots=False, stroke_style={"width": 2, "dasharray": "6, 4"})
        latest = next((v for v in reversed(mine) if v is not None), None)
        panels.append(Panel(name, park_link(park_id), _svg(chart, name), latest))
    rows = [Row(name, tuple(by_park[park_id].get(s) for s in starts), park_link(park_id)) for park_id, name, _ in parks]
    rows.append(Row(_("Programme median"), tuple(None if m is None else str(m) for m in medians)))
    return Multiples(
        "intensity-chart",
        _("Emission intensity against each park's baseline"),
        _("change against the baseline in percent (negative: lower intensity)"),
        "%",
        (park_series, median_series),
        tuple(panels),
        _("Park"),
        tuple(labels),
        tuple(rows),
        _("Every park on the same scale; the dashed line is the median of all parks reporting that period."),
        tuple(ticks),
    )


def park_intensity(periods: list[dict[str, Any]], baseline: str | None, entry_link: Callable[[int], str]) -> Chart:
    """A park's intensity per period against its baseline intensity."""
    links = [entry_link(p["reported_index"]) for p in periods]
    series: list[tuple[Series, Sequence[str | None], Sequence[str | None]]] = [
        (Series(_("Intensity"), BLUE), [p["intensity"] for p in periods], links)
    ]
    if baseline is not None:
        series.append((Series(_("Baseline"), GREY, dashed=True), [baseline] * len(periods), [None] * len(periods)))
    return lines(
        testid="park-intensity-chart",
        title=_("Emission intensity against the baseline"),
        unit=_("tCO2e per 10,000 yuan"),
        table_unit=_("tCO2e per 10,000 yuan"),
        label_heading=_("Period"),
        labels=[i18n.period(p["period_start"], p["period_end"]) for p in periods],
        series=series,
    )


def park_emissions(periods: list[dict[str, Any]], baseline: str, entry_link: Callable[[int], str]) -> Chart:
    """A park's total emissions per period against its baseline emissions."""
    return vertical_bars(
        testid="park-emissions-chart",
        title=_("Total emissions against the baseline"),
        unit=_("tCO2e"),
        table_unit=_("tCO2e"),
        label_heading=_("Period"),
        labels=[i18n.period(p["period_start"], p["period_end"]) for p in periods],
        links=[entry_link(p["reported_index"]) for p in periods],
        series=[
            (Series(_("Total emissions"), BLUE), [p["total_emissions"] for p in periods]),
            (Series(_("Baseline emissions"), GREY), [baseline] * len(periods)),
        ],
    )


def project_financing(lenders: list[dict[str, Any]], link: Callable[[str], str | None]) -> Chart:
    """A project's financing by lender: principal, disbursed, outstanding (million yuan)."""
    return vertical_bars(
        testid="project-financing-chart",
        title=_("Financing by lender"),
        unit=_("million yuan"),
        table_unit=_("yuan"),
        label_heading=_("Lender"),
        labels=[line["lender"] for line in lenders],
        links=[link(line["lender"]) for line in lenders],
        series=[
            (Series(_("Principal"), BLUE), [line["principal"] for line in lenders]),
            (Series(_("Disbursed"), GREEN), [line["disbursed"] for line in lenders]),
            (Series(_("Outstanding"), VERMILLION), [line["outstanding"] for line in lenders]),
        ],
        scale=MILLION,
        print_places=1,
    )


def reductions_by_vintage(vintages: list[dict[str, Any]], link: Callable[[int], str] | None = None) -> Chart:
    """Verified tCO2e per vintage."""
    return vertical_bars(
        testid="project-vintage-chart",
        title=_("Verified reductions by vintage"),
        unit=_("tCO2e"),
        table_unit=_("tCO2e"),
        label_heading=_("Vintage"),
        labels=[str(v["vintage"]) for v in vintages],
        links=[link(v["vintage"]) if link else None for v in vintages],
        series=[(Series(_("Verified reductions"), BLUE), [v["tonnes"] for v in vintages])],
    )


def lender_projects(projects: list[dict[str, Any]], link: Callable[[str], str | None]) -> Chart:
    """A lender's financed reductions against each project's verified reductions (tCO2e)."""
    return horizontal_bars(
        testid="lender-chart",
        title=_("Financed against verified reductions per project"),
        unit=_("tCO2e"),
        table_unit=_("tCO2e"),
        label_heading=_("Project"),
        labels=[p["project_id"] for p in projects],
        links=[link(p["project_id"]) for p in projects],
        series=[
            (Series(_("Verified reductions"), BLUE), [p["verified_reductions"] for p in projects]),
            (Series(_("Financed by this lender"), VERMILLION), [p["financed_reductions"] for p in projects]),
        ],
    )


def programme_budget(figures: dict[str, Any]) -> Chart:
    """A reward programme's budget, disbursed and remaining (million yuan)."""
    return horizontal_bars(
        testid="budget-chart",
        title=_("Budget"),
        unit=_("million yuan"),
        table_unit=_("yuan"),
        label_heading=_("Figure"),
        labels=[_("Budget"), _("Disbursed"), _("Remaining")],
        links=[None, None, None],
        series=[(Series(_("Amount"), GREEN), [figures["budget"], figures["disbursed"], figures["remaining"]])],
        scale=MILLION,
        print_places=2,
    )


def paid_per_project(
    lines_: list[dict[str, Any]], cap: Decimal | None, link: Callable[[str], str | None]
) -> Chart:
    """Rewards paid to each project so far, against the programme's cap per project (10,000 yuan)."""
    paid: dict[str, Decimal] = {}
    for line in lines_:
        paid[line["project_id"]] = paid.get(line["project_id"], Decimal(0)) + Decimal(line["amount"])
    projects = sorted(paid, key=lambda p: (-paid[p], p))
    if cap is None:
        note = _("The programme sets no cap per project.")
    else:
        note = _("The axis ends at the cap per project, %(cap)s yuan: a bar that reaches it has been paid the most the programme allows.", cap=i18n.exact(cap))
    return horizontal_bars(
        testid="paid-per-project-chart",
        title=_("Rewards paid per project, against the cap per project"),
        unit=_("10,000 yuan"),
        table_unit=_("yuan"),
        label_heading=_("Project"),
        labels=projects,
        links=[link(p) for p in projects],
        series=[(Series(_("Paid"), GREEN), [str(paid[p]) for p in projects])],
        scale=TEN_THOUSAND,
        print_places=1,
        top=None if cap is None else cap / TEN_THOUSAND,
        note=note,
    )
