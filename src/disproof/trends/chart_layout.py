"""Layout arithmetic of the trend chart, as pure functions: round y ticks, x tick labels that do
not collide, and a legend that wraps (long names on several lines rather than cut)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CHAR_WIDTH", "LegendItem", "legend_layout", "wrap_text", "x_ticks", "y_ticks"]

#: Estimated width of one character of 12 px sans-serif text (a little wide on purpose).
CHAR_WIDTH = 7.0
LINE_HEIGHT = 16
SWATCH = 18  # swatch and its gap before the text
ITEM_GAP = 22


def y_ticks(largest: int, most: int = 5) -> tuple[int, list[int]]:
    """A round axis maximum at or above ``largest`` and integer ticks from 0 to it, at most
    ``most`` intervals, with a step of 1, 2 or 5 × a power of ten."""
    if largest <= 0:
        return 1, [0, 1]
    step = 1
    while math.ceil(largest / step) > most:
        magnitude = 10 ** int(math.log10(step))
        step = next(s * magnitude for s in (1, 2, 5, 10) if s * magnitude > step)
    top = math.ceil(largest / step) * step
    return top, list(range(0, top + 1, step))


#: Up to this many periods, every one may be labelled; beyond, only month or year starts.
_FEW = {"week": 16, "month": 24, "quarter": 24, "year": 10_000}


def _candidates(periods: Sequence[str], period: str) -> list[tuple[int, str]]:
    """Where labels may go: every period when few; else month starts or year starts."""
    n = len(periods)
    if n <= _FEW.get(period, 24):
        return list(enumerate(periods))
    if period == "week" and n <= 120:
        return [(i, p[:7]) for i, p in enumerate(periods) if i == 0 or p[:7] != periods[i - 1][:7]]
    return [(i, p[:4]) for i, p in enumerate(periods) if i == 0 or p[:4] != periods[i - 1][:4]]


def x_ticks(periods: Sequence[str], period: str, plot_width: float) -> list[tuple[int, str]]:
    """(index, label) of the periods to label on the x axis, spaced so labels never overlap."""
    if not periods:
        return []
    step = plot_width / (len(periods) - 1) if len(periods) > 1 else plot_width
    candidates = _candidates(periods, period)
    gap = max(len(label) for _, label in candidates) * CHAR_WIDTH + 14
    every = max(1, math.ceil(gap / (step * max(1.0, len(periods) / len(candidates)))))
    chosen = candidates[::every]
    if len(chosen) > 1 and (chosen[1][0] - chosen[0][0]) * step < gap:
        chosen = chosen[1:]  # a partial first year (or month) would crowd the next label
    return chosen


def wrap_text(text: str, limit: int) -> list[str]:
    """``text`` in lines of at most ``limit`` characters, broken between words (a longer word
    is split); nothing is dropped."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > limit:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:limit])
            word = word[limit:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= limit:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


@dataclass(frozen=True)
class LegendItem:
    """Where one legend entry goes (relative to the legend's top left) and its text lines."""

    x: float
    y: float
    lines: list[str]


def legend_layout(texts: Sequence[str], width: float) -> tuple[list[LegendItem], int]:
    """Legend entries flowed left to right and wrapped onto new rows within ``width``; an entry
    wider than a row is itself wrapped onto several lines. Returns the items and the height."""
    limit = max(8, int((width - SWATCH) / CHAR_WIDTH))
    items: list[LegendItem] = []
    x = y = row = 0.0
    for text in texts:
        lines = wrap_text(text, limit)
        item_width = SWATCH + max(len(line) for line in lines) * CHAR_WIDTH
        if x > 0 and x + item_width > width:
            x, y, row = 0.0, y + row, 0.0
        items.append(LegendItem(x, y, lines))
        x += item_width + ITEM_GAP
        row = max(row, LINE_HEIGHT * len(lines) + 4)
    return items, int(y + row)
