"""Surge rules: a narrative whose share of the sightings rose above its baseline.

Each round of ``disproof watch`` tests the current window — ``window_hours`` long, aligned to
the epoch in UTC (with the default 24 hours: the current UTC day, as it fills) — against the
``baseline_days`` before it, with the emerging-narrative statistics
(:func:`disproof.trends.emerging.rising_shares`): for a narrative with r sightings in the window
and b in the baseline, out of R and B sightings in all, r given r + b is Binomial(r + b,
R / (R + B)) when its share did not change; the one-sided p-value P(X ≥ r) of every narrative
seen in the window is adjusted with Benjamini–Hochberg, and a narrative surges when q ≤ alpha,
r ≥ min_count and r is above its expected R · b / B. Shares, not raw counts: a source added, or
a busy news day for every narrative, raises no surge. Without any sighting in the baseline
nothing is flagged (a new watch has no history yet).

A surge rule alerts once per (narrative, window), ever; it counts the sightings at its band or
above, not dismissed, of the narrative given as its value — or of every narrative when it has
none (the q-values are those of all narratives either way).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from disproof.store.alerts import RuleRow
from disproof.store.surges import SurgeRecords
from disproof.store.trends import WindowCounts
from disproof.trends.emerging import rising_shares
from disproof.watch.models import Surge, SurgeOptions

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def current_window(now: dt.datetime, hours: int) -> tuple[dt.datetime, dt.datetime]:
    """The window of ``hours`` (aligned to the epoch, UTC) holding ``now``: [start, end)."""
    length = dt.timedelta(hours=hours)
    start = _EPOCH + (now.astimezone(dt.UTC) - _EPOCH) // length * length
    return start, start + length


def evaluate_surges(records: SurgeRecords, rules: Sequence[RuleRow], now: dt.datetime) -> int:
    """Raise the surge alerts of ``rules`` (the surge ones) in their current windows; returns
    how many are new."""
    counts: dict[tuple[str, int, int], tuple[list[WindowCounts], int, int]] = {}
    raised = 0
    for rule in rules:
        if rule.rule.kind != "surge":
            continue
        options = rule.rule.surge or SurgeOptions()
        start, end = current_window(now, options.window_hours)
        baseline_start = start - dt.timedelta(days=options.baseline_days)
        key = (rule.rule.min_band, options.window_hours, options.baseline_days)
        if key not in counts:
            counts[key] = records.window_counts(rule.rule.min_band, baseline_start, start, end)
        rows, recent_total, baseline_total = counts[key]
        flagged, _ = rising_shares(
            rows,
            recent_total,
            baseline_total,
            alpha=options.alpha,
            min_count=options.min_count,
        )
        wanted = rule.rule.value.casefold()
        for series in flagged:
            if wanted and series.key != wanted:
                continue
            surge = Surge(
                narrative=series.label,
                window_start=start,
                window_end=end,
                baseline_start=baseline_start,
                recent=series.recent,
                baseline=series.baseline,
                recent_total=recent_total,
                baseline_total=baseline_total,
                baseline_share=round(series.baseline / baseline_total, 6),
                expected=series.expected,
                rate_ratio=series.rate_ratio,
                p_value=series.p_value,
                q_value=series.q_value,
            )
            raised += records.raise_surge(rule, surge, series.key, now)
    return raised
