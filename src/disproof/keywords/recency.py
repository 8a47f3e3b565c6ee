"""Time in keyword training: the newest texts held out for calibration, and weights by age.

Keyword use drifts (new events, new habits of the analysts), so the newest texts tell more about
the next ones than old texts do. :func:`chronological_split` holds out the newest for choosing
thresholds; :func:`recency_weights` lets the scorers weigh each text by its age, halving every
``half_life_days``. Undated texts count as the oldest in both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def chronological_split(
    dates: Sequence[dt.date | None], share: float
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(older, newest) row numbers: the newest ``share`` of the texts by date, at least one."""
    order = sorted(range(len(dates)), key=lambda i: (dates[i] is not None, dates[i] or dt.date.min))
    held = min(max(1, round(share * len(dates))), len(dates) - 1)
    rows = np.array(order, dtype=np.intp)
    return np.sort(rows[: len(rows) - held]), np.sort(rows[len(rows) - held :])


def recency_weights(
    dates: Sequence[dt.date | None], half_life_days: float
) -> npt.NDArray[np.float64] | None:
    """Each text's weight ``0.5 ** (age / half_life_days)``, its age counted in days before the
    newest text (which weighs 1); undated texts weigh as the oldest dated one. None (no weights)
    when no text is dated."""
    known = [d for d in dates if d is not None]
    if not known:
        return None
    newest, oldest = max(known), min(known)
    ages = np.array([(newest - (d or oldest)).days for d in dates], dtype=np.float64)
    weights: npt.NDArray[np.float64] = np.maximum(0.5 ** (ages / half_life_days), 1e-6)
    return weights
