"""Emerging narratives: terms whose share of recent cases rose significantly above their own
baseline, and clusters of recent cases that no narrative covers.

The test (per term). Let r and b be the term's case counts in the recent window and in the
baseline window, R and B all cases in those windows. Under H0 "the term's share of cases did
not change" and Poisson counts, r given r + b is Binomial(r + b, R / (R + B)) — the exact
conditional test for a ratio of two Poisson rates (Przyborowski & Wilenski, 1940). The one-sided
p-value is P(X ≥ r). Because it compares shares, a term that grows only because the total
volume grew is not flagged. p-values of every term seen in the recent window are adjusted with
Benjamini–Hochberg; a term is flagged when q ≤ alpha, r ≥ min_count and r is above expectation.
A flagged term the baseline never saw (b = 0) is marked ``new``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from disproof.errors import InvalidInput
from disproof.store.trends import TrendStore, UnlabelledCase, WindowCounts
from disproof.trends.clusters import JACCARD_THRESHOLD, keyword_clusters, top_keywords
from disproof.trends.models import (
    PERIODS,
    CaseRef,
    EmergingCluster,
    EmergingReport,
    EmergingSeries,
    Period,
)
from disproof.trends.periods import check_date, shift
from disproof.trends.stats import benjamini_hochberg, binomial_sf

__all__ = ["ALPHA", "MIN_COUNT", "cluster_unlabelled", "detect_emerging", "rising_shares"]

#: False discovery rate the alerts are controlled at.
ALPHA = 0.05
#: A term needs at least this many recent cases to be flagged.
MIN_COUNT = 5
#: At most this many (newest) unlabelled recent cases are clustered.
MAX_CLUSTER_CASES = 2000


def rising_shares(
    rows: Sequence[WindowCounts],
    recent_total: int,
    baseline_total: int,
    *,
    alpha: float = ALPHA,
    min_count: int = MIN_COUNT,
) -> tuple[list[EmergingSeries], int]:
    """The flagged terms (smallest q first) and how many terms were tested (see module doc).

    Without a baseline (``baseline_total`` 0) nothing can be told from history: nothing is
    flagged."""
    tested = [r for r in rows if r.recent > 0]
    if not tested or recent_total == 0 or baseline_total == 0:
        return [], len(tested)
    p0 = recent_total / (recent_total + baseline_total)
    p_values = [binomial_sf(r.recent, r.recent + r.baseline, p0) for r in tested]
    q_values = benjamini_hochberg(p_values)
    flagged: list[EmergingSeries] = []
    for row, p, q in zip(tested, p_values, q_values, strict=True):
        expected = row.baseline / baseline_total * recent_total
        if q > alpha or row.recent < min_count or row.recent <= expected:
            continue
        ratio = (
            (row.recent / recent_total) / (row.baseline / baseline_total) if row.baseline else None
        )
        flagged.append(
            EmergingSeries(
                key=row.key,
                label=row.label,
                recent=row.recent,
                baseline=row.baseline,
                expected=round(expected, 3),
                rate_ratio=round(ratio, 3) if ratio is not None else None,
                p_value=p,
                q_value=q,
                new=row.baseline == 0,
            )
        )
    flagged.sort(key=lambda s: (s.q_value, -s.recent, s.key))
    return flagged, len(tested)


def cluster_unlabelled(
    found: Sequence[UnlabelledCase], *, threshold: float = JACCARD_THRESHOLD, min_size: int = 3
) -> list[EmergingCluster]:
    """Keyword clusters (Jaccard ≥ ``threshold``, single linkage) of cases without a narrative,
    each with its most shared keywords."""
    groups = keyword_clusters([c.keywords for c in found], threshold=threshold, min_size=min_size)
    out: list[EmergingCluster] = []
    for members in groups:
        spelling = {
            k: v
            for i in members
            for k, v in zip(found[i].keywords, found[i].keyword_labels, strict=True)
        }
        keys = top_keywords([found[i].keywords for i in members])
        out.append(
            EmergingCluster(
                size=len(members),
                keywords=[spelling[k] for k in keys],
                cases=[
                    CaseRef(id=found[i].id, title=found[i].title, date=found[i].date)
                    for i in members
                ],
            )
        )
    return out


def detect_emerging(
    store: TrendStore,
    since: dt.date,
    *,
    until: dt.date | None = None,
    by: str = "keyword",
    period: Period = "month",
    baseline_periods: int = 12,
    dataset: str | None = None,
    alpha: float = ALPHA,
    min_count: int = MIN_COUNT,
    clusters: bool = True,
    labels: dict[str, str] | None = None,
) -> EmergingReport:
    """Terms rising in ``[since, until]`` against the ``baseline_periods`` periods before the
    period holding ``since`` (up to the day before ``since``), and clusters of the recent cases
    without a narrative."""
    if by not in ("keyword", "narrative"):
        raise InvalidInput(f"unknown kind {by!r}; choose keyword or narrative")
    if period not in PERIODS:
        raise InvalidInput(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    if baseline_periods < 1:
        raise InvalidInput("the baseline needs at least one period")
    check_date(since, "--since")
    check_date(until, "--until")
    if until is not None and until < since:
        raise InvalidInput("--until is before --since")
    baseline_from = shift(since, period, -baseline_periods)
    rows, recent_total, baseline_total = store.window_counts(
        by, baseline_from, since, until, dataset
    )
    flagged, tested = rising_shares(
        rows, recent_total, baseline_total, alpha=alpha, min_count=min_count
    )
    names = labels or {}
    flagged = [s.model_copy(update={"label": names.get(s.label, s.label)}) for s in flagged]
    report = EmergingReport(
        by="narrative" if by == "narrative" else "keyword",
        period=period,
        since=since,
        until=until,
        baseline_from=baseline_from,
        baseline_periods=baseline_periods,
        recent_total=recent_total,
        baseline_total=baseline_total,
        tested=tested,
        alpha=alpha,
        min_count=min_count,
        series=flagged,
    )
    if clusters:
        found, unlabelled = store.unlabelled_cases(since, until, dataset, MAX_CLUSTER_CASES)
        report.unlabelled = unlabelled
        report.clusters = cluster_unlabelled(found)
    return report
