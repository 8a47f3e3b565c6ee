"""A design matrix as the narrative classifier reads it: a dense block (the embedding) beside
a sparse one (TF-IDF rows), never made dense as a whole.

Wide features are fitted in the row space (:func:`.logistic.fit_dual`), which needs only the
rows' inner products (:meth:`Design.gram`) and, at the end, ``xᵀ α`` (:meth:`Design.transpose_dot`)
to turn the row weights into feature weights; scoring needs ``x @ w`` (:meth:`Design.dot`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from disproof.text.sparse import SparseRows

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Design:
    """``[dense, sparse]`` rows: ``dense`` ``(n, d₁)``, ``sparse`` ``(n, d₂)`` or None."""

    dense: Array
    sparse: SparseRows | None = None

    def __post_init__(self) -> None:
        if self.sparse is not None and len(self.sparse) != len(self.dense):
            raise ValueError("the dense and sparse blocks differ in rows")

    def __len__(self) -> int:
        return len(self.dense)

    @property
    def width(self) -> int:
        return int(self.dense.shape[1]) + (self.sparse.cols if self.sparse is not None else 0)

    def rows(self, index: npt.NDArray[np.intp]) -> Design:
        """The given rows, in that order."""
        sparse = self.sparse.take(index) if self.sparse is not None else None
        return Design(self.dense[index], sparse)

    def gram(self) -> Array:
        """``x @ x.T``."""
        out: Array = self.dense @ self.dense.T
        if self.sparse is not None:
            out += self.sparse.gram()
        return out

    def dot(self, weights: npt.NDArray[np.floating]) -> Array:
        """``x @ weights`` for ``(width, k)`` weights."""
        w = np.asarray(weights, np.float64)
        d = self.dense.shape[1]
        out: Array = self.dense @ w[:d]
        if self.sparse is not None and self.sparse.cols:
            out += self.sparse.dot(w[d:]).astype(np.float64)
        return out

    def transpose_dot(self, alpha: Array) -> Array:
        """``x.T @ alpha`` for ``(n, k)`` row weights: ``(width, k)``."""
        parts = [self.dense.T @ alpha]
        if self.sparse is not None:
            parts.append(self.sparse.transpose().dot(alpha).astype(np.float64))
        return np.vstack(parts)
