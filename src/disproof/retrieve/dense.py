"""Exact nearest neighbours over unit vectors (cosine = dot product).

At the sizes disproof serves (tens of thousands of cases, 384–512 dimensions) an exact matrix
product takes a few milliseconds, so no approximate index is needed; the class keeps that door
open behind ``search``.

The vectors are a main matrix (memory-mapped once saved) plus, after updates, a small tail of
rows appended since and a few rows whose vector changed: adding a case copies and saves its
own vector, not the whole matrix (:meth:`DenseIndex.updated`); :meth:`DenseIndex.merged` folds
them into one matrix again.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from disproof.retrieve.lexical import top_hits
from disproof.retrieve.types import Hit

Vectors = npt.NDArray[np.float32]
Rows = npt.NDArray[np.int64]


class DenseIndex:
    def __init__(
        self,
        vectors: Vectors,
        name: str = "dense",
        *,
        tail: Vectors | None = None,
        changed_rows: Rows | None = None,
        changed: Vectors | None = None,
    ) -> None:
        if vectors.ndim != 2:
            raise ValueError("vectors must be a 2-d array (documents × dimensions)")
        self.main = vectors
        self.name = name
        dim = vectors.shape[1]
        #: Rows after the main matrix's.
        self.tail = np.zeros((0, dim), np.float32) if tail is None else tail
        #: Rows of the main matrix whose vector is ``changed[i]`` instead (ascending).
        self.changed_rows = np.zeros(0, np.int64) if changed_rows is None else changed_rows
        self.changed = np.zeros((0, dim), np.float32) if changed is None else changed

    @property
    def dim(self) -> int:
        return int(self.main.shape[1])

    def __len__(self) -> int:
        return int(self.main.shape[0] + self.tail.shape[0])

    @property
    def pending(self) -> int:
        """Rows held outside the main matrix."""
        return int(self.tail.shape[0] + self.changed.shape[0])

    @property
    def vectors(self) -> Vectors:
        """Every row as one matrix (the main one itself when nothing is pending)."""
        if not self.pending:
            return self.main
        out = np.concatenate([self.main, self.tail])
        out[self.changed_rows] = self.changed
        return out

    def take(self, rows: npt.ArrayLike) -> Vectors:
        """The vectors of some rows."""
        wanted = np.asarray(rows, dtype=np.int64)
        if not self.pending:
            return np.asarray(self.main[wanted], dtype=np.float32)
        out = np.empty((len(wanted), self.dim), dtype=np.float32)
        in_main = wanted < self.main.shape[0]
        out[in_main] = self.main[wanted[in_main]]
        out[~in_main] = self.tail[wanted[~in_main] - self.main.shape[0]]
        if len(self.changed_rows):
            at = np.minimum(np.searchsorted(self.changed_rows, wanted), len(self.changed_rows) - 1)
            hit = self.changed_rows[at] == wanted
            out[hit] = self.changed[at[hit]]
        return out

    def scores(self, query: Vectors) -> Vectors:
        """Cosine similarity of every document to a unit query vector."""
        if len(self) == 0:
            return np.zeros(0, dtype=np.float32)
        q = query.astype(np.float32)
        out = np.asarray(self.main @ q, dtype=np.float32)
        if self.pending:
            out = np.concatenate([out, np.asarray(self.tail @ q, dtype=np.float32)])
            out[self.changed_rows] = np.asarray(self.changed @ q, dtype=np.float32)
        return out

    def search(self, query: Vectors, k: int = 10) -> list[Hit]:
        """Top ``k`` by cosine (only positive similarities are returned)."""
        return top_hits(self.scores(query), k, self.name)

    def updated(self, rows: Rows, vectors: Vectors, total: int) -> DenseIndex:
        """A new index with ``vectors`` at ``rows`` (existing rows, or the new rows up to
        ``total``; the rows before are kept where they are). This one is left as it is."""
        base = self.main.shape[0]
        tail = np.zeros((total - base, self.dim), dtype=np.float32)
        tail[: len(self.tail)] = self.tail
        late = rows >= base
        tail[rows[late] - base] = vectors[late]
        changed = dict(zip(self.changed_rows.tolist(), self.changed, strict=True))
        changed.update(zip(rows[~late].tolist(), vectors[~late], strict=True))
        order = sorted(changed)
        matrix = np.array([changed[r] for r in order], dtype=np.float32).reshape(-1, self.dim)
        out = DenseIndex(
            self.main, self.name, tail=tail, changed_rows=np.array(order, np.int64), changed=matrix
        )
        return out.merged() if out.pending > max(512, total // 16) else out

    def merged(self) -> DenseIndex:
        """The same vectors as one main matrix."""
        return DenseIndex(np.ascontiguousarray(self.vectors), self.name)
