"""Monthly trends summed into quarters or years: sparse data (a few cases a month over ten
years) reads as spikes per month and as a trend per year."""

from __future__ import annotations

from collections.abc import Sequence

from disproof.errors import InvalidInput
from disproof.trends.models import Grouping, Trends

__all__ = ["group_label", "regroup"]


def group_label(month: str, grouping: Grouping) -> str:
    """``2020-05`` as ``2020-Q2`` (quarter) or ``2020`` (year)."""
    year, number = month[:4], int(month[5:7])
    return year if grouping == "year" else f"{year}-Q{(number - 1) // 3 + 1}"


def _sums(labels: Sequence[str], groups: Sequence[str], counts: Sequence[int]) -> list[int]:
    index = {label: i for i, label in enumerate(groups)}
    out = [0] * len(groups)
    for label, count in zip(labels, counts, strict=True):
        out[index[label]] += count
    return out


def regroup(trends: Trends, grouping: Grouping) -> Trends:
    """``trends`` counted per month, with every count summed per quarter or year (a case is
    in one month, so sums of distinct-case counts stay distinct-case counts)."""
    if trends.period != "month":
        raise InvalidInput(f"only monthly trends can be grouped by {grouping}")
    labels = [group_label(p, grouping) for p in trends.periods]
    groups = list(dict.fromkeys(labels))
    series = [
        s.model_copy(update={"counts": _sums(labels, groups, s.counts)}) for s in trends.series
    ]
    return trends.model_copy(
        update={
            "period": grouping,
            "periods": groups,
            "totals": _sums(labels, groups, trends.totals),
            "series": series,
        }
    )
