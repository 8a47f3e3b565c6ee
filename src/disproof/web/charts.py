"""Small server-side SVG bar charts (no JavaScript, no library).

Each chart is one ``<svg>`` element with ``width``/``height``/``viewBox``, ``role="img"``, a
``<title>`` and ``<desc>`` for screen readers, and a ``<title>`` on every bar (a tooltip with the
exact number). Every label is escaped, so the output is well-formed XML as well as safe HTML.
Colours come from classes styled in ``static/disproof.css`` (no inline styles: the CSP forbids
them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × a power of ten)."""
    if value <= 5:
        return max(value, 1)
    magnitude = int(10 ** (len(str(value)) - 1))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _open(width: int, height: int, title: str, desc: str, css: str) -> list[str]:
    return [
        f'<svg xmlns="{SVG_NS}" class="chart {css}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{css}-title {css}-desc">',
        f'<title id="{css}-title">{escape(title)}</title>',
        f'<desc id="{css}-desc">{escape(desc)}</desc>',
    ]


def _describe(bars: Sequence[Bar]) -> str:
    return "; ".join(f"{b.label}: {b.value:,}" for b in bars) or "no data"


def column_chart(
    bars: Sequence[Bar], title: str, *, key: str = "columns", height: int = 220
) -> Markup:
    """Vertical bars, one per label in the given order (e.g. cases per year)."""
    left, bottom, top = 40, 28, 12
    slot = max(18, min(56, 640 // max(len(bars), 1)))
    width = left + slot * max(len(bars), 1) + 8
    plot = height - bottom - top
    axis_max = _nice_max(max((b.value for b in bars), default=0))
    parts = _open(width, height, title, _describe(bars), key)
    for tick in (0, axis_max // 2, axis_max) if axis_max > 1 else (0, axis_max):
        y = top + plot - plot * tick / axis_max
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - 4}" y1="{_fmt(y)}" y2="{_fmt(y)}"/>'
            f'<text class="tick" x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end">{tick:,}</text>'
        )
    every = max(1, (len(bars) * 34) // (width - left))  # thin out labels that would collide
    for i, bar in enumerate(bars):
        x = left + i * slot + slot * 0.15
        h = plot * bar.value / axis_max
        parts.append(
            f'<rect class="bar" x="{_fmt(x)}" y="{_fmt(top + plot - h)}" '
            f'width="{_fmt(slot * 0.7)}" height="{_fmt(h)}">'
            f"<title>{escape(bar.label)}: {bar.value:,}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text class="label" x="{_fmt(x + slot * 0.35)}" y="{height - 10}" '
                f'text-anchor="middle">{escape(_shorten(bar.label, 8))}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(bars: Sequence[Bar], title: str, *, key: str = "bars", width: int = 420) -> Markup:
    """Horizontal bars, one row per label, longest label text shortened (e.g. top keywords)."""
    row, label_width, top = 22, 150, 4
    height = top + row * max(len(bars), 1) + 4
    plot = width - label_width - 48
    axis_max = max((b.value for b in bars), default=0) or 1
    parts = _open(width, height, title, _describe(bars), key)
    for i, bar in enumerate(bars):
        y = top + i * row
        w = plot * bar.value / axis_max
        parts.append(
            f'<text class="label" x="{label_width - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(_shorten(bar.label, 22))}</text>"
            f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{_fmt(w)}" height="{row - 6}">'
            f"<title>{escape(bar.label)}: {bar.value:,}</title></rect>"
            f'<text class="value" x="{_fmt(label_width + w + 6)}" y="{y + 15}">{bar.value:,}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
