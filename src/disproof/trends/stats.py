"""Exact tail probabilities and false-discovery-rate control, in plain numpy (no scipy).

All functions are pure. Tails are summed in log space from the first term with the pmf ratio
recurrence, so they stay accurate for tiny p-values (no ``1 - cdf`` cancellation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["benjamini_hochberg", "binomial_sf", "poisson_sf"]


def _log_sum(first: float, steps: npt.NDArray[np.float64]) -> float:
    """log(sum_i exp(first + cumsum(steps)[i-1])) with the first term exp(first)."""
    logs = first + np.concatenate(([0.0], np.cumsum(steps)))
    top = float(logs.max())
    return top + math.log(float(np.exp(logs - top).sum()))


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), exact."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_first = (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )
    i = np.arange(k, n, dtype=np.float64)  # pmf(i + 1) / pmf(i) for i = k … n-1
    steps = np.log((n - i) / (i + 1)) + math.log(p) - math.log1p(-p)
    return min(1.0, math.exp(_log_sum(log_first, steps)))


def poisson_sf(k: int, mu: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mu), exact up to terms below 1e-300 of the tail."""
    if k <= 0:
        return 1.0
    if mu <= 0.0:
        return 0.0
    log_first = k * math.log(mu) - mu - math.lgamma(k + 1)
    last = int(max(k, mu) + 40 * math.sqrt(mu) + 100)
    i = np.arange(k, last, dtype=np.float64)  # pmf(i + 1) / pmf(i) = mu / (i + 1)
    steps = math.log(mu) - np.log(i + 1)
    return min(1.0, math.exp(_log_sum(log_first, steps)))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order.

    q_(i) = min over j ≥ i of p_(j) · m / j for the ascending p-values p_(1) ≤ … ≤ p_(m),
    capped at 1; rejecting every q ≤ α controls the false discovery rate at α (for independent
    or positively dependent tests).
    """
    m = len(p_values)
    if m == 0:
        return []
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    out = np.empty(m, dtype=np.float64)
    out[order] = adjusted
    return [float(q) for q in out]
