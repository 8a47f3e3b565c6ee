"""Trend charts: an SVG line chart (one line per series, labelled axes, a legend) and text
sparklines.

The SVG is standalone (it opens in a browser or an editor as a file, with its title, axis labels
and legend) and inline-safe in the web pages: colours are SVG presentation attributes (not
``style``, which the CSP forbids), every label is escaped (names are hostile input), and it has a
``<title>``/``<desc>`` for screen readers and a hover ``<title>`` on every line and point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from disproof.trends.chart_layout import LINE_HEIGHT, LegendItem, legend_layout, x_ticks, y_ticks
from disproof.trends.models import Trends, TrendSeries

__all__ = ["MAX_SERIES", "PALETTE", "sparkline", "trend_chart"]

#: Ten distinguishable colours (Tableau 10).
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
#: Most lines drawn on one chart: more are hard to tell apart (the rest are named, not drawn).
MAX_SERIES = 6
_BLOCKS = "▁▂▃▄▅▆▇█"
SVG_NS = "http://www.w3.org/2000/svg"
AXIS_NAMES = {
    "week": "Week (starting Monday)",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
}

Scale = Callable[[int], float]


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def sparkline(counts: Sequence[int], width: int = 40) -> str:
    """Counts as block characters, at most ``width`` of them (adjacent periods summed)."""
    if not counts:
        return ""
    size = -(-len(counts) // width)  # periods per character
    sums = [sum(counts[i : i + size]) for i in range(0, len(counts), size)]
    top = max(sums) or 1
    return "".join(_BLOCKS[min(7, round(7 * s / top))] if s else " " for s in sums)


def _cases(count: int) -> str:
    return f"{count:,} case" if count == 1 else f"{count:,} cases"


def _open(trends: Trends, title: str, shown: Sequence[TrendSeries], w: int, h: int) -> list[str]:
    desc = "; ".join(f"{s.label}: {s.total:,} cases" for s in shown) or "no data"
    if trends.periods:
        desc = f"{trends.periods[0]} to {trends.periods[-1]}. {desc}"
    return [
        f'<svg xmlns="{SVG_NS}" class="chart trend-chart" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-labelledby="trend-title trend-desc" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="trend-title">{escape(title)}</title>',
        f'<desc id="trend-desc">{escape(desc)}</desc>',
    ]


def _heading(trends: Trends, title: str, left: int) -> list[str]:
    span = f"{trends.periods[0]} to {trends.periods[-1]}, " if trends.periods else ""
    note = f"{span}{sum(trends.totals):,} dated cases in all"
    if trends.dataset:
        note += f", dataset {trends.dataset}"
    return [
        '<rect class="background" width="100%" height="100%" fill="#fff"/>',
        f'<text class="heading" x="{left}" y="20" fill="#1f2328" font-size="15" '
        f'font-weight="600">{escape(title)}</text>',
        f'<text class="note" x="{left}" y="37" fill="#57606a">{escape(note)}</text>',
    ]


def _axes(
    trends: Trends,
    left: int,
    top: int,
    plot_w: int,
    plot_h: int,
    ticks: Sequence[int],
    y: Scale,
    x: Scale,
) -> list[str]:
    """Grid lines, tick labels and the axis titles ("Cases", the period)."""
    right, base = left + plot_w, top + plot_h
    parts = []
    for tick in ticks:
        parts.append(
            f'<line class="grid" stroke="#d8dee4" x1="{left}" x2="{right}" '
            f'y1="{_fmt(y(tick))}" y2="{_fmt(y(tick))}"/>'
            f'<text class="tick" fill="#57606a" x="{left - 8}" y="{_fmt(y(tick) + 4)}" '
            f'text-anchor="end">{tick:,}</text>'
        )
    for i, label in x_ticks(trends.periods, trends.period, plot_w):
        parts.append(
            f'<line class="grid" stroke="#eef1f4" x1="{_fmt(x(i))}" x2="{_fmt(x(i))}" '
            f'y1="{top}" y2="{base}"/>'
            f'<line class="axis" stroke="#8c959f" x1="{_fmt(x(i))}" x2="{_fmt(x(i))}" '
            f'y1="{base}" y2="{base + 5}"/>'
            f'<text class="tick" fill="#57606a" x="{_fmt(x(i))}" y="{base + 18}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    middle = top + plot_h / 2
    parts.append(
        f'<line class="axis" stroke="#8c959f" x1="{left}" x2="{right}" y1="{base}" y2="{base}"/>'
        f'<text class="axis-label" fill="#1f2328" x="{_fmt(left + plot_w / 2)}" y="{base + 38}" '
        f'text-anchor="middle">{AXIS_NAMES[trends.period]}</text>'
        f'<text class="axis-label" fill="#1f2328" x="{_fmt(-middle)}" y="16" '
        f'transform="rotate(-90)" text-anchor="middle">Cases</text>'
    )
    return parts


def _series(trends: Trends, series: TrendSeries, colour: str, x: Scale, y: Scale) -> list[str]:
    """One line, with a point (and its hover title) at every period when there are few, else
    at every period with cases."""
    name = escape(series.label)
    points = " ".join(f"{_fmt(x(i))},{_fmt(y(c))}" for i, c in enumerate(series.counts))
    parts = [
        f'<g class="series"><polyline fill="none" stroke="{colour}" stroke-width="2" '
        f'stroke-linejoin="round" points="{points}">'
        f"<title>{name}: {_cases(series.total)}</title></polyline>"
    ]
    every = len(trends.periods) <= 24
    for i, (period, count) in enumerate(zip(trends.periods, series.counts, strict=True)):
        if count or every:
            parts.append(
                f'<circle cx="{_fmt(x(i))}" cy="{_fmt(y(count))}" r="3.5" fill="{colour}" '
                f'stroke="#fff" stroke-width="1">'
                f"<title>{name}, {escape(period)}: {_cases(count)}</title></circle>"
            )
    parts.append("</g>")
    return parts


def _legend_item(item: LegendItem, left: int, top: int, colour: str, drawn: bool) -> list[str]:
    x, y = left + item.x, top + item.y
    parts = [f'<rect x="{_fmt(x)}" y="{_fmt(y + 2)}" width="12" height="12" fill="{colour}"/>']
    if not drawn:
        parts = []
    spans = "".join(
        f'<tspan x="{_fmt(x + (18 if drawn else 0))}" dy="{0 if k == 0 else LINE_HEIGHT}">'
        f"{escape(line)}</tspan>"
        for k, line in enumerate(item.lines)
    )
    css = "legend" if drawn else "legend note"
    fill = "#1f2328" if drawn else "#57606a"
    parts.append(
        f'<text class="{css}" fill="{fill}" x="{_fmt(x)}" y="{_fmt(y + 12)}">{spans}</text>'
    )
    return parts


def trend_chart(
    trends: Trends,
    *,
    title: str = "",
    width: int = 960,
    height: int = 380,
    max_series: int = MAX_SERIES,
    standalone: bool = True,
) -> Markup:
    """A line chart of the first ``max_series`` series of ``trends`` (the largest; the others
    are named under the legend), with labelled axes and a legend that wraps full names.

    ``standalone`` also draws the title and a white background (for a file); a web page that
    has its own heading passes ``False``."""
    title = title or f"Cases per {trends.period} by {trends.by}"
    shown, hidden = trends.series[:max_series], trends.series[max_series:]
    head = 40 if standalone else 8
    left, right, top, bottom = 60, 16, head + 8, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    legend = [f"{s.label} ({s.total:,})" for s in shown]
    if hidden:
        legend.append(f"also counted, not drawn: {', '.join(s.label for s in hidden)}")
    items, legend_h = legend_layout(legend, plot_w)
    full_height = height + legend_h + 8
    n = len(trends.periods)
    axis_max, ticks = y_ticks(max((c for s in shown for c in s.counts), default=0))

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / axis_max

    parts = _open(trends, title, shown, width, full_height)
    if standalone:
        parts += _heading(trends, title, left)
    parts += _axes(trends, left, top, plot_w, plot_h, ticks, y, x)
    if not shown:
        parts.append(
            f'<text class="note" fill="#57606a" x="{_fmt(left + plot_w / 2)}" '
            f'y="{_fmt(top + plot_h / 2)}" text-anchor="middle">No dated cases in this range</text>'
        )
    for k, series in enumerate(shown):
        parts += _series(trends, series, PALETTE[k % len(PALETTE)], x, y)
    for k, item in enumerate(items):
        parts += _legend_item(item, left, height + 4, PALETTE[k % len(PALETTE)], k < len(shown))
    parts.append("</svg>")
    return Markup("".join(parts))
