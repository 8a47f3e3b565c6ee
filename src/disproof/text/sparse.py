"""Sparse rows (CSR) in numpy: just the products a linear model over TF-IDF needs.

A short text has a handful of terms among thousands, so its TF-IDF row is almost all zeros;
multiplying the dense matrix by a ``(terms, labels)`` weight matrix wastes nearly all the work.
:class:`SparseRows` keeps the non-zeros only and multiplies by gathering the weight rows of each
text's terms, in chunks that bound the temporary memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array32 = npt.NDArray[np.float32]
#: Largest temporary (non-zeros × columns) a product builds at once.
CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class SparseRows:
    """A ``(rows, cols)`` matrix: row ``i``'s values ``data[indptr[i]:indptr[i+1]]`` sit in
    columns ``indices[indptr[i]:indptr[i+1]]``."""

    data: Array32
    indices: npt.NDArray[np.int64]
    indptr: npt.NDArray[np.int64]
    cols: int

    @classmethod
    def from_rows(cls, rows: list[dict[int, float]], cols: int) -> SparseRows:
        """From one ``{column: value}`` dict per row."""
        lengths = np.array([len(row) for row in rows], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        indices = np.fromiter((c for row in rows for c in sorted(row)), np.int64, int(indptr[-1]))
        data = np.fromiter(
            (row[c] for row in rows for c in sorted(row)), np.float32, int(indptr[-1])
        )
        return cls(data, indices, indptr, cols)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.indptr) - 1, self.cols

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def transpose(self) -> SparseRows:
        """The ``(cols, rows)`` transpose, also as sparse rows."""
        order = np.argsort(self.indices, kind="stable")
        rows = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.indptr))
        counts = np.bincount(self.indices, minlength=self.cols)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return SparseRows(self.data[order], rows[order], indptr, len(self))

    def dot(self, dense: npt.NDArray[np.floating]) -> Array32:
        """``self @ dense`` for a dense ``(cols, k)`` matrix, as a dense ``(rows, k)`` one."""
        dense = np.asarray(dense, dtype=np.float32)
        out = np.zeros((len(self), dense.shape[1]), dtype=np.float32)
        per_chunk = max(1, CHUNK_CELLS // max(1, dense.shape[1]))
        start_row = 0
        while start_row < len(self):
            end_row = int(np.searchsorted(self.indptr, self.indptr[start_row] + per_chunk, "right"))
            end_row = min(max(end_row - 1, start_row + 1), len(self))
            self._dot_rows(dense, out, start_row, end_row)
            start_row = end_row
        return out

    def _dot_rows(self, dense: Array32, out: Array32, first: int, last: int) -> None:
        lo, hi = int(self.indptr[first]), int(self.indptr[last])
        if hi == lo:
            return
        gathered = dense[self.indices[lo:hi]] * self.data[lo:hi, None]
        starts = self.indptr[first:last] - lo
        filled = np.flatnonzero(np.diff(self.indptr[first : last + 1]) > 0)
        out[first + filled] = np.add.reduceat(gathered, starts[filled], axis=0)

    def gram(self, block: int = 4096) -> npt.NDArray[np.float64]:
        """``self @ self.T`` (``(rows, rows)``), summed over blocks of ``block`` columns, each
        made dense for one single-precision matrix product (BLAS is far faster per product than
        gathering the non-zeros, and memory stays at ``rows × block``)."""
        out = np.zeros((len(self), len(self)), dtype=np.float32)
        columns = self.transpose()
        for start in range(0, self.cols, block):
            part = columns.take(np.arange(start, min(self.cols, start + block))).toarray()
            out += part.T @ part
        return out.astype(np.float64)

    def row_sums(self) -> Array32:
        """The sum of each row's values."""
        return self.dot(np.ones((self.cols, 1), np.float32))[:, 0]

    def take(self, rows: npt.NDArray[np.intp]) -> SparseRows:
        """The given rows, in that order."""
        lengths = np.diff(self.indptr)[rows]
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        picks = np.concatenate(
            [np.arange(self.indptr[r], self.indptr[r + 1]) for r in rows] or [np.zeros(0, np.int64)]
        ).astype(np.int64)
        return SparseRows(self.data[picks], self.indices[picks], indptr, self.cols)

    def toarray(self) -> Array32:
        out = np.zeros(self.shape, dtype=np.float32)
        rows = np.repeat(np.arange(len(self)), np.diff(self.indptr))
        out[rows, self.indices] = self.data
        return out


def hstack(blocks: list[tuple[SparseRows, float]]) -> SparseRows:
    """Sparse blocks of the same rows side by side, each multiplied by its weight."""
    rows = len(blocks[0][0])
    if any(len(block) != rows for block, _ in blocks):
        raise ValueError("blocks differ in rows")
    offsets = np.cumsum([0] + [block.cols for block, _ in blocks])
    lengths = sum(np.diff(block.indptr) for block, _ in blocks)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    data = np.zeros(int(indptr[-1]), np.float32)
    indices = np.zeros(int(indptr[-1]), np.int64)
    place = indptr[:-1].copy()
    for (block, weight), offset in zip(blocks, offsets[:-1], strict=True):
        counts = np.diff(block.indptr)
        target = np.repeat(place - block.indptr[:-1], counts) + np.arange(len(block.data))
        data[target] = block.data * np.float32(weight)
        indices[target] = block.indices + offset
        place += counts
    return SparseRows(data, indices, indptr, int(offsets[-1]))
