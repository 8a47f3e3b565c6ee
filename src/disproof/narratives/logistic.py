"""L2-regularised, class-weighted logistic regression in numpy (Newton's method), one vs rest.

For one label the weights ``w`` and bias ``b`` minimise

    Σᵢ cᵢ · log(1 + exp(−ŷᵢ (xᵢ·w + b))) + λ/2 · (|w|² + (b/s)²)

where ``cᵢ`` weighs each class by ``n / (2 · its count)`` ("balanced", so a rare label is not
drowned by its negatives) and the bias is fitted as the weight of a constant feature ``s``
(``INTERCEPT_SCALING``), which leaves it almost unpenalised. Each Newton step solves the
``d × d`` system, or, when there are more features than rows (a TF-IDF matrix), the equivalent
``n × n`` system through the Woodbury identity, solved by conjugate gradients (matrix–vector
products with the Gram matrix only: far cheaper than factorising it at every step, and as exact);
a backtracking line search keeps every step a descent.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

INTERCEPT_SCALING = 10.0
#: A label with no positive (or no negative) row gets this constant logit.
CONSTANT_LOGIT = 12.0


def sigmoid(z: Array) -> Array:
    """The logistic function, without overflow warnings for large ``|z|``."""
    out: Array = np.exp(-np.logaddexp(0.0, -z))
    return out


def balanced_weights(y: Array) -> Array:
    """Per-row weights ``n / (2 · count of the row's class)`` for a 0/1 target ``y``."""
    n = len(y)
    positives = float(y.sum())
    negatives = n - positives
    return np.where(y > 0, n / (2 * max(positives, 1.0)), n / (2 * max(negatives, 1.0)))


def _loss(z: Array, y: Array, c: Array, penalty: float) -> float:
    """Weighted log loss of logits ``z`` plus ``penalty / 2`` (``penalty`` = λ·|w|²)."""
    signed = np.where(y > 0, z, -z)
    return float((c * np.logaddexp(0.0, -signed)).sum() + 0.5 * penalty)


def fit_binary(
    x: Array,
    y: Array,
    l2: float = 1.0,
    *,
    balanced: bool = True,
    iterations: int = 30,
    gram: Array | None = None,
) -> tuple[Array, float]:
    """Weights and bias of one label (``x``: ``(n, d)``, ``y``: 0/1 of length ``n``).

    With more features than rows the fit runs in the row space (``w = x_augᵀ α``, every Newton
    step stays there), on the ``n × n`` Gram matrix ``gram`` = ``x_aug @ x_aug.T`` (see
    :func:`augment`), which may be passed in to share it between labels.
    """
    if y.min() == y.max():
        return np.zeros(x.shape[1]), CONSTANT_LOGIT if y[0] > 0 else -CONSTANT_LOGIT
    c = balanced_weights(y) if balanced else np.ones(len(y))
    if x.shape[1] + 1 > x.shape[0]:
        xa = augment(x)
        alpha = _newton_dual(xa @ xa.T if gram is None else gram, y, c, l2, iterations)
        w = xa.T @ alpha
    else:
        w = _newton_primal(augment(x), y, c, l2, iterations)
    return w[:-1], float(w[-1] * INTERCEPT_SCALING)


def _newton_primal(xa: Array, y: Array, c: Array, l2: float, iterations: int) -> Array:
    w = np.zeros(xa.shape[1])
    z = np.zeros(len(y))
    loss = _loss(z, y, c, l2 * float(w @ w))
    for _ in range(iterations):
        p = sigmoid(z)
        gradient = xa.T @ (c * (p - y)) + l2 * w
        s = c * p * (1.0 - p)
        hessian = (xa * s[:, None]).T @ xa + l2 * np.eye(xa.shape[1])
        step = np.asarray(np.linalg.solve(hessian, gradient), dtype=np.float64)
        found = _line_search(z, xa @ step, w, step, y, c, l2, loss)
        if found is None:
            break
        z, w, new_loss = found
        converged = loss - new_loss < 1e-9 * max(1.0, loss)
        loss = new_loss
        if converged:
            break
    return w


def _newton_dual(gram: Array, y: Array, c: Array, l2: float, iterations: int) -> Array:
    """Newton in ``α`` (``w = x_augᵀ α``): the primal step through the Woodbury identity."""
    alpha = np.zeros(len(y))
    z = np.zeros(len(y))
    loss = _loss(z, y, c, 0.0)
    for _ in range(iterations):
        p = sigmoid(z)
        u = c * (p - y) + l2 * alpha  # the gradient is x_augᵀ u
        root = np.sqrt(c * p * (1.0 - p))

        def inner(v: Array, root: Array = root) -> Array:  # (λI + R K R) v, R = diag(root)
            return l2 * v + root * (gram @ (root * v))

        step = (u - root * conjugate_gradient(inner, root * (gram @ u))) / l2
        found = _line_search(z, gram @ step, alpha, step, y, c, l2, loss, gram)
        if found is None:
            break
        z, alpha, new_loss = found
        converged = loss - new_loss < 1e-9 * max(1.0, loss)
        loss = new_loss
        if converged:
            break
    return alpha


def conjugate_gradient(
    matvec: Callable[[Array], Array], b: Array, tol: float = 1e-8, max_iterations: int = 1000
) -> Array:
    """``x`` with ``A x ≈ b`` for a symmetric positive definite ``A`` given as ``matvec``, to a
    relative residual of ``tol`` (or after ``max_iterations``)."""
    x = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    rs = float(r @ r)
    stop = tol * tol * rs
    for _ in range(max_iterations):
        if rs <= stop:
            break
        ap = matvec(p)
        a = rs / float(p @ ap)
        x += a * p
        r -= a * ap
        rs_new = float(r @ r)
        p = r + (rs_new / rs) * p
        rs = rs_new
    return x


def _line_search(
    z: Array,
    z_step: Array,
    theta: Array,
    step: Array,
    y: Array,
    c: Array,
    l2: float,
    loss: float,
    gram: Array | None = None,
) -> tuple[Array, Array, float] | None:
    """(logits, parameters, loss) after the first of the step sizes 1, 1/2, 1/4 … that does
    not increase the loss, or None. The penalty is ``|θ|²``, or ``θᵀ K θ`` with a Gram ``K``."""
    rate = 1.0
    while rate > 1e-4:
        new_z, new_theta = z - rate * z_step, theta - rate * step
        norm = new_theta @ (gram @ new_theta) if gram is not None else new_theta @ new_theta
        new_loss = _loss(new_z, y, c, l2 * float(norm))
        if new_loss <= loss:
            return new_z, new_theta, new_loss
        rate /= 2
    return None


def augment(x: Array) -> Array:
    """``x`` with the constant column that carries the bias."""
    return np.column_stack([x, np.full(len(x), INTERCEPT_SCALING)])


def fit_one_vs_rest(
    x: Array, targets: npt.NDArray[np.bool_], l2: float = 1.0, *, balanced: bool = True
) -> tuple[Array, Array]:
    """Weights ``(d, L)`` and biases ``(L,)`` of one binary model per column of ``targets``."""
    x = np.asarray(x, dtype=np.float64)
    gram = None
    if x.shape[1] + 1 > x.shape[0]:
        xa = augment(x)
        gram = xa @ xa.T
    weights = np.zeros((x.shape[1], targets.shape[1]))
    biases = np.zeros(targets.shape[1])
    for label in range(targets.shape[1]):
        y = targets[:, label].astype(np.float64)
        weights[:, label], biases[label] = fit_binary(x, y, l2, balanced=balanced, gram=gram)
    return weights, biases
