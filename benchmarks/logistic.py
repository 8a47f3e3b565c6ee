"""A small L2-regularised logistic regression (Newton / IRLS) in numpy, for calibration."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from disproof.match.calibration import Scorer, Thresholds

Fitted = tuple[npt.NDArray[np.float64], float, npt.NDArray[np.float64], npt.NDArray[np.float64]]


def fit_logistic(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], l2: float = 1.0, iterations: int = 50
) -> tuple[npt.NDArray[np.float64], float, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Weights, bias, feature means and scales (features are standardised before fitting)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.column_stack([(x - mean) / scale, np.ones(len(x))])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2
    penalty[-1, -1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1]), mean, scale


def fitted_scorer(fitted: Fitted, thresholds: Thresholds) -> Scorer:
    """A :class:`Scorer` from ``fit_logistic``'s weights, bias, means and scales."""
    weights, bias, mean, scale = fitted
    return Scorer(
        weights=weights.tolist(),
        bias=bias,
        mean=mean.tolist(),
        scale=scale.tolist(),
        thresholds=thresholds,
    )
