"""The results of trends and emerging-narrative detection (what CLI, web and JSON show)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from disproof.store.trends import Period

#: What cases can be counted by over time.
TrendBy = Literal["keyword", "narrative", "country", "outlet", "language", "technique"]
TREND_BYS: tuple[TrendBy, ...] = (
    "keyword",
    "narrative",
    "country",
    "outlet",
    "language",
    "technique",
)
PERIODS: tuple[Period, ...] = ("month", "week")
#: Months summed into longer periods, for sparse data (see :func:`disproof.trends.regroup`).
Grouping = Literal["quarter", "year"]
GROUPINGS: tuple[Grouping, ...] = ("quarter", "year")

__all__ = [
    "PERIODS",
    "TREND_BYS",
    "CaseRef",
    "EmergingCluster",
    "EmergingReport",
    "EmergingSeries",
    "GROUPINGS",
    "Grouping",
    "Period",
    "TrendBy",
    "TrendSeries",
    "Trends",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrendSeries(_Model):
    """One term's case counts, aligned with :attr:`Trends.periods`."""

    key: str
    label: str
    total: int
    counts: list[int]


class Trends(_Model):
    """Cases per period for the top terms of one kind; ``totals`` counts every case in scope
    per period (whatever its terms), so shares can be read off."""

    by: TrendBy
    period: Period | Grouping
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    dataset: str | None = None
    #: Only the cases of this narrative (id) / of outlets whose name contains this (key).
    narrative: str | None = None
    outlet: str | None = None
    periods: list[str]
    totals: list[int]
    series: list[TrendSeries]


class EmergingSeries(_Model):
    """A term whose share of recent cases is significantly above its share in the baseline.

    ``expected`` is the recent count the baseline share predicts (baseline / baseline_total ×
    recent_total); ``rate_ratio`` is observed share / baseline share (None for a new term);
    ``p_value`` is the exact one-sided conditional binomial test, ``q_value`` its
    Benjamini–Hochberg adjustment over every term seen in the recent window."""

    key: str
    label: str
    recent: int
    baseline: int
    expected: float
    rate_ratio: float | None
    p_value: float
    q_value: float
    new: bool


class CaseRef(_Model):
    id: str
    title: str
    date: dt.date | None = None


class EmergingCluster(_Model):
    """Recent cases without a narrative that share keywords (a candidate new narrative)."""

    size: int
    keywords: list[str]
    cases: list[CaseRef]


class EmergingReport(_Model):
    by: Literal["keyword", "narrative"]
    period: Period
    since: dt.date
    until: dt.date | None = None
    baseline_from: dt.date
    baseline_periods: int
    recent_total: int
    baseline_total: int
    tested: int
    alpha: float
    min_count: int
    series: list[EmergingSeries] = Field(default_factory=list)
    unlabelled: int = 0
    clusters: list[EmergingCluster] = Field(default_factory=list)
