"""Trends over time and emerging-narrative alerts.

:func:`compute_trends` counts cases per week or month for the top keywords, narratives,
countries, outlets or languages (:func:`regroup` sums months into quarters or years);
:func:`detect_emerging` flags terms whose share of recent cases rose significantly (exact
conditional binomial test, Benjamini–Hochberg FDR) and clusters recent cases no narrative
covers. The statistics are pure functions in :mod:`disproof.trends.stats`.
"""

from disproof.trends.chart import sparkline, trend_chart
from disproof.trends.emerging import cluster_unlabelled, detect_emerging, rising_shares
from disproof.trends.models import (
    GROUPINGS,
    PERIODS,
    TREND_BYS,
    CaseRef,
    EmergingCluster,
    EmergingReport,
    EmergingSeries,
    Grouping,
    Period,
    TrendBy,
    Trends,
    TrendSeries,
)
from disproof.trends.regroup import regroup
from disproof.trends.series import compute_trends
from disproof.trends.stats import benjamini_hochberg, binomial_sf, poisson_sf

__all__ = [
    "GROUPINGS",
    "PERIODS",
    "TREND_BYS",
    "CaseRef",
    "EmergingCluster",
    "EmergingReport",
    "EmergingSeries",
    "Grouping",
    "Period",
    "TrendBy",
    "TrendSeries",
    "Trends",
    "benjamini_hochberg",
    "binomial_sf",
    "cluster_unlabelled",
    "compute_trends",
    "detect_emerging",
    "poisson_sf",
    "regroup",
    "rising_shares",
    "sparkline",
    "trend_chart",
]
