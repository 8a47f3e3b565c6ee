"""Trend charts: an SVG line chart (one line per series, a legend) and text sparklines.

The SVG is standalone (it opens in a browser or an editor as a file) and inline-safe in the web
pages: colours are SVG presentation attributes (not ``style``, which the CSP forbids), every
label is escaped, and it has a ``<title>``/``<desc>`` and a tooltip per point.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from disproof.trends.models import Trends

__all__ = ["PALETTE", "sparkline", "trend_chart"]

#: Ten distinguishable colours (Tableau 10).
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
_BLOCKS = "▁▂▃▄▅▆▇█"
SVG_NS = "http://www.w3.org/2000/svg"


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × a power of ten)."""
    if value <= 5:
        return max(value, 1)
    magnitude: int = 10 ** (len(str(value)) - 1)
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def sparkline(counts: Sequence[int], width: int = 40) -> str:
    """Counts as block characters, at most ``width`` of them (adjacent periods summed)."""
    if not counts:
        return ""
    size = -(-len(counts) // width)  # periods per character
    sums = [sum(counts[i : i + size]) for i in range(0, len(counts), size)]
    top = max(sums) or 1
    return "".join(_BLOCKS[min(7, round(7 * s / top))] if s else " " for s in sums)


def trend_chart(trends: Trends, *, title: str = "", width: int = 760, height: int = 300) -> Markup:
    """A line chart of every series of ``trends`` against its periods, with a legend below."""
    title = title or f"Cases per {trends.period} by {trends.by}"
    left, right, top, bottom = 44, 12, 12, 30
    legend_rows = -(-len(trends.series) // 3)
    full_height = height + 18 * legend_rows + 6
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(trends.periods)
    axis_max = _nice_max(max((c for s in trends.series for c in s.counts), default=0))
    desc = "; ".join(f"{s.label}: {s.total:,} cases" for s in trends.series) or "no data"
    parts = [
        f'<svg xmlns="{SVG_NS}" class="chart trend-chart" width="{width}" height="{full_height}" '
        f'viewBox="0 0 {width} {full_height}" role="img" aria-labelledby="trend-title trend-desc" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="trend-title">{escape(title)}</title>',
        f'<desc id="trend-desc">{escape(desc)}</desc>',
    ]

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / axis_max

    for tick in sorted({0, axis_max // 2, axis_max}):
        parts.append(
            f'<line class="grid" stroke="#ddd" x1="{left}" x2="{width - right}" '
            f'y1="{_fmt(y(tick))}" y2="{_fmt(y(tick))}"/>'
            f'<text class="tick" fill="#666" x="{left - 6}" y="{_fmt(y(tick) + 4)}" '
            f'text-anchor="end">{tick:,}</text>'
        )
    every = max(1, -(-n * 62 // plot_w)) if n else 1  # a label needs ~62 px
    for i, label in enumerate(trends.periods):
        if i % every == 0:
            parts.append(
                f'<text class="label" fill="#666" x="{_fmt(x(i))}" y="{height - 10}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for k, series in enumerate(trends.series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{_fmt(x(i))},{_fmt(y(c))}" for i, c in enumerate(series.counts))
        parts.append(
            f'<g class="series"><polyline fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{points}"><title>{escape(series.label)}: {series.total:,} cases</title>'
            "</polyline>"
        )
        if n <= 60:
            parts += [
                f'<circle cx="{_fmt(x(i))}" cy="{_fmt(y(c))}" r="2.5" fill="{colour}">'
                f"<title>{escape(series.label)}, {escape(p)}: {c:,}</title></circle>"
                for i, (p, c) in enumerate(zip(trends.periods, series.counts, strict=True))
            ]
        parts.append("</g>")
        lx, ly = left + (k % 3) * (plot_w // 3), height + 18 * (k // 3) + 4
        parts.append(
            f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{colour}"/>'
            f'<text class="legend" fill="#333" x="{lx + 16}" y="{ly + 11}">'
            f"{escape(_shorten(series.label, 32))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
