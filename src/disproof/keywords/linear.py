"""Many labels at once: L2-regularised logistic regression by bound optimisation.

:mod:`disproof.narratives.logistic` fits one label at a time by Newton's method, exact but a
``d × d`` solve per label and step: right for a few dozen narratives, slow for the hundreds of
keywords of a case database. Here all labels are fitted together, as one matrix ``W``
``(d, labels)``, minimising the mean weighted log loss

    1/n · Σᵢ Σₗ cᵢₗ · log(1 + exp(−ŷᵢₗ (xᵢ·wₗ + bₗ))) + λ/2 · |W|²

where a positive row of label ``l`` weighs ``sₗ = (negatives / positives) ** power`` (rare labels
are not drowned by their negatives, without the extreme weights of full balancing) and a negative
one 1. Each step is a Newton step with a fixed upper bound of the Hessian in its place (the log
loss curves at most 1/4, so ``sₗ/(4n) · XᵀX + λI`` bounds it), accelerated by Nesterov's momentum;
a step costs two products of the data with a ``(d, labels)`` matrix.

* Dense features (embeddings) are centred, so the unpenalised bias separates from the weights,
  and ``XᵀX`` is diagonalised once for every label and step.
* Sparse non-negative features (TF-IDF, :class:`.sparse.SparseRows`) keep their zeros; the bound
  is the diagonal ``diag(Xₐᵀ Xₐ 1)`` of the data with its constant bias column, which dominates
  ``Xₐᵀ Xₐ`` because every entry of it is non-negative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from disproof.narratives.logistic import sigmoid
from disproof.text.sparse import SparseRows

Array = npt.NDArray[np.float64]
Array32 = npt.NDArray[np.float32]


def positive_weights(targets: npt.NDArray[np.bool_], power: float) -> Array:
    """Per-label weight of a positive row, ``(negatives / positives) ** power`` (≥ 1)."""
    positives = targets.sum(axis=0).astype(np.float64)
    negatives = len(targets) - positives
    ratio = np.maximum(negatives, 1.0) / np.maximum(positives, 1.0)
    out: Array = np.maximum(ratio, 1.0) ** power
    return out


@dataclass(frozen=True)
class _Problem:
    """The data's two products and the bound's inverse for the weights and for the biases."""

    forward: Callable[[Array], Array]  # X @ W
    backward: Callable[[Array], Array]  # Xᵀ @ R
    solve_w: Callable[[Array], Array]  # bound⁻¹ · gradient of W
    curvature_b: Array  # the bound of each bias
    shift: Array  # the centring, folded back into the biases at the end


def _dense(x: npt.NDArray[np.floating], scale: Array, l2: float, rows: Array) -> _Problem:
    n = float(rows.sum())
    mean = rows @ np.asarray(x, np.float64) / n
    xc = (np.asarray(x, np.float64) - mean).astype(np.float32)
    weighted = xc * rows[:, None].astype(np.float32)
    eigenvalues, basis = np.linalg.eigh(xc.T.astype(np.float64) @ weighted)
    curvature = np.maximum(eigenvalues, 0.0)[:, None] * scale[None, :] / (4.0 * n) + l2
    return _Problem(
        forward=lambda w: (xc @ w.astype(np.float32)).astype(np.float64),
        backward=lambda r: (xc.T @ r.astype(np.float32)).astype(np.float64),
        solve_w=lambda g: basis @ ((basis.T @ g) / curvature),
        curvature_b=scale / 4.0,
        shift=mean,
    )


def _sparse(x: SparseRows, scale: Array, l2: float, rows: Array) -> _Problem:
    if x.data.size and float(x.data.min()) < 0:
        raise ValueError("sparse features must be non-negative")
    n = float(rows.sum())
    xt = x.transpose()
    mass = rows * (x.row_sums().astype(np.float64) + 1.0)  # each row's sum and bias column's 1
    diagonal = xt.dot(mass[:, None])[:, 0].astype(np.float64)
    curvature = diagonal[:, None] * scale[None, :] / (4.0 * n) + l2
    return _Problem(
        forward=lambda w: x.dot(w).astype(np.float64),
        backward=lambda r: xt.dot(r).astype(np.float64),
        solve_w=lambda g: g / curvature,
        curvature_b=float(mass.sum()) * scale / (4.0 * n),
        shift=np.zeros(x.cols),
    )


def fit_logistic_multilabel(
    x: npt.NDArray[np.floating] | SparseRows,
    targets: npt.NDArray[np.bool_],
    l2: float,
    *,
    power: float = 0.5,
    iterations: int = 100,
    tolerance: float = 1e-5,
    sample_weight: Array | None = None,
) -> tuple[Array32, Array32]:
    """Weights ``(d, labels)`` and biases ``(labels,)`` of one logistic model per label.

    ``sample_weight`` (in (0, 1], default all 1) weighs each row's loss; the loss is then the
    weighted mean, so the penalty keeps its strength relative to it.
    """
    y = targets.astype(np.float64)
    rows = np.ones(len(x)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    if rows.shape != (len(x),) or (rows <= 0).any() or (rows > 1).any():
        raise ValueError("sample weights must be one per row, in (0, 1]")
    n = float(rows.sum())
    scale = positive_weights(targets, power)
    c = (1.0 + y * (scale - 1.0)) * rows[:, None]
    problem = (
        _sparse(x, scale, l2, rows) if isinstance(x, SparseRows) else _dense(x, scale, l2, rows)
    )
    prior = np.clip(rows @ y / n, 1e-4, 1 - 1e-4)
    w = np.zeros((len(problem.shift), y.shape[1]))
    b = np.log(prior / (1 - prior))
    w_last, b_last = w, b
    for t in range(iterations):
        momentum = t / (t + 3)  # Nesterov's look-ahead
        vw, vb = w + momentum * (w - w_last), b + momentum * (b - b_last)
        residual = c * (sigmoid(problem.forward(vw) + vb) - y) / n
        step_w = problem.solve_w(problem.backward(residual) + l2 * vw)
        step_b = residual.sum(axis=0) / problem.curvature_b
        w_last, b_last = w, b
        w, b = vw - step_w, vb - step_b
        if max(float(np.abs(step_w).max(initial=0.0)), float(np.abs(step_b).max())) < tolerance:
            break
    return w.astype(np.float32), (b - problem.shift @ w).astype(np.float32)
