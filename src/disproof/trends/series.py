"""Trends: case counts per period for the top terms of one kind (aggregated in SQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from disproof.errors import InvalidInput
from disproof.normalize import keyword_key
from disproof.store.trends import CaseScope, TermTotal
from disproof.trends.models import PERIODS, TREND_BYS, Period, TrendBy, Trends, TrendSeries
from disproof.trends.periods import bucket_label, check_date, label_start, labels_between, shift

__all__ = ["MAX_PERIODS", "compute_trends"]

#: Most periods one answer counts: 1,200 months is a century, 1,200 weeks 23 years. A wider
#: range asked for is refused; a wider span of dated cases shows its latest periods.
MAX_PERIODS = 1_200


class TermSource(Protocol):
    """What trends count from: :class:`~disproof.store.trends.TrendStore` (terms in SQL), or
    :class:`~disproof.trends.techniques.TechniqueSource` (persuasion techniques)."""

    def period_totals(self, scope: CaseScope, period: Period) -> dict[str, int]: ...
    def top_terms(self, kind: str, scope: CaseScope, top: int) -> list[TermTotal]: ...
    def term_counts(
        self, kind: str, keys: Sequence[str], scope: CaseScope, period: Period
    ) -> dict[tuple[str, str], int]: ...


def check_choice(value: str, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise InvalidInput(f"unknown {what} {value!r}; choose one of {', '.join(choices)}")


def count_periods(first: str, last: str, period: Period) -> int:
    """How many periods from the one labelled ``first`` to ``last``, both included."""
    start, end = label_start(first, period), label_start(last, period)
    if period == "week":
        return (end - start).days // 7 + 1
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _check_span(date_from: dt.date, date_to: dt.date, period: Period) -> None:
    """Refuse a range of more than :data:`MAX_PERIODS` periods (it cost minutes and 169 MB)."""
    count = count_periods(bucket_label(date_from, period), bucket_label(date_to, period), period)
    if count > MAX_PERIODS:
        raise InvalidInput(
            f"from {date_from.isoformat()} to {date_to.isoformat()} is {count:,} {period}s; "
            f"trends show at most {MAX_PERIODS:,} periods: choose a shorter range"
            + (" or count by month" if period == "week" else "")
        )


def compute_trends(
    store: TermSource,
    by: TrendBy,
    period: Period,
    *,
    top: int = 10,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    dataset: str | None = None,
    labels: dict[str, str] | None = None,
    narrative: str | None = None,
    outlet: str | None = None,
) -> Trends:
    """The ``top`` terms of kind ``by`` (most cases in scope first) with their case counts per
    period, every period from the first to the last dated case in scope (empty ones as 0).
    ``labels`` renames terms by value (e.g. narrative id → name). With ``narrative`` (an id)
    or ``outlet`` (a part of its name) only the cases of that narrative or outlet count."""
    check_choice(by, TREND_BYS, "trend kind")
    check_choice(period, PERIODS, "period")
    if top < 1:
        raise InvalidInput("top must be at least 1")
    check_date(date_from, "the start date (from)")
    check_date(date_to, "the end date (to)")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("the start date is after the end date")
    if date_from and date_to:
        _check_span(date_from, date_to, period)
    narrative_key = narrative.strip().casefold() if narrative and narrative.strip() else None
    outlet_key = keyword_key(outlet) if outlet and outlet.strip() else None
    scope = CaseScope(dataset, date_from, date_to, narrative_key, outlet_key)
    totals = store.period_totals(scope, period)
    if date_from and date_to:
        bounds = [bucket_label(date_from, period), bucket_label(date_to, period)]
    else:
        bounds = sorted(totals)
        if bounds and count_periods(bounds[0], bounds[-1], period) > MAX_PERIODS:
            # one case dated in the year 1000 must not make every trends page count a thousand
            # years: the latest MAX_PERIODS periods of the dated cases are shown
            date_from = shift(label_start(bounds[-1], period), period, 1 - MAX_PERIODS)
            scope = CaseScope(dataset, date_from, date_to, narrative_key, outlet_key)
            totals = store.period_totals(scope, period)
            bounds = [bucket_label(date_from, period), bounds[-1]]
    periods = labels_between(bounds[0], bounds[-1], period) if bounds else []
    terms = store.top_terms(by, scope, top)
    counts = store.term_counts(by, [t.key for t in terms], scope, period)
    names = labels or {}
    series = [
        TrendSeries(
            key=t.key,
            label=names.get(t.label, t.label),
            total=t.count,
            counts=[counts.get((p, t.key), 0) for p in periods],
        )
        for t in terms
    ]
    return Trends(
        by=by,
        period=period,
        date_from=date_from,
        date_to=date_to,
        dataset=dataset,
        narrative=narrative_key,
        outlet=outlet_key,
        periods=periods,
        totals=[totals.get(p, 0) for p in periods],
        series=series,
    )
