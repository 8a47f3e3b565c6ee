"""Exact nearest neighbours over unit vectors (cosine = dot product).

At the sizes disproof serves (tens of thousands of cases, 384–512 dimensions) an exact matrix
product takes a few milliseconds, so no approximate index is needed; the class keeps that door
open behind ``search``.

The vectors are a main matrix (memory-mapped once saved) plus, after updates, a small tail of
rows appended since and a few rows whose vector changed: adding a case copies and saves its
own vector, not the whole matrix (:meth:`DenseIndex.updated`); :meth:`DenseIndex.merged` folds
them into one matrix again. The main matrix has an identity (``base_id``, random, kept by
updates that leave it as it is): an HNSW graph saved for it knows that the rows beside it are
all it lacks (``retrieve/ann.py``).
"""

from __future__ import annotations

import secrets

import numpy as np
import numpy.typing as npt

from disproof.retrieve.lexical import top_hits
from disproof.retrieve.rows import RowArray
from disproof.retrieve.types import Hit

#: Tail rows per saved log chunk (384 KB of 384-dimension vectors).
TAIL_CHUNK = 256

Vectors = npt.NDArray[np.float32]
Rows = npt.NDArray[np.int64]


def stored_precision(vectors: npt.ArrayLike) -> Vectors:
    """Vectors as the match index stores them: float32 numbers rounded to float16's precision
    (a relative error below 5e-4, a cosine's below ~1e-4), the very numbers an HNSW graph
    (``retrieve/ann.py``, f16) holds. So the matrix and the graphs hold the same numbers, and
    the matcher re-scores a graph's candidates from the graph's own vectors (the matrix's pages
    untouched while serving: docs/scale.md) with exactly the cosines exact search computes."""
    return np.asarray(vectors, dtype=np.float16).astype(np.float32)


class DenseIndex:
    def __init__(
        self,
        vectors: Vectors,
        name: str = "dense",
        *,
        tail: Vectors | RowArray | None = None,
        changed_rows: Rows | None = None,
        changed: Vectors | None = None,
        base_id: str | None = None,
    ) -> None:
        if vectors.ndim != 2:
            raise ValueError("vectors must be a 2-d array (documents × dimensions)")
        self.main = vectors
        self.name = name
        dim = vectors.shape[1]
        if tail is None:
            tail = np.zeros((0, dim), np.float32)
        #: Rows after the main matrix's: they grow without a copy and are saved as a base and
        #: a log (``retrieve/rows.py``).
        self.tail_rows = tail if isinstance(tail, RowArray) else RowArray.of(tail, TAIL_CHUNK)
        #: Rows of the main matrix whose vector is ``changed[i]`` instead (ascending).
        self.changed_rows = np.zeros(0, np.int64) if changed_rows is None else changed_rows
        self.changed = np.zeros((0, dim), np.float32) if changed is None else changed
        #: The identity of ``main``: the same for every index that keeps this very matrix.
        self.base_id = base_id or secrets.token_hex(16)

    @property
    def tail(self) -> Vectors:
        """Rows after the main matrix's."""
        return self.tail_rows.values

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

    @property
    def pending_rows(self) -> Rows:
        """The rows held outside the main matrix (changed ones, then the tail's), ascending."""
        base = self.main.shape[0]
        return np.concatenate([self.changed_rows, np.arange(base, len(self), dtype=np.int64)])

    def held(self) -> int:
        """How many rows hold a vector (a zero row is a case without the field), read in blocks
        of the main matrix: no copy of it."""
        block, base = 65_536, self.main.shape[0]
        main_rows = np.zeros(base, dtype=np.bool_)
        for start in range(0, base, block):
            main_rows[start : start + block] = np.any(self.main[start : start + block] != 0, axis=1)
        if len(self.changed_rows):
            main_rows[self.changed_rows] = np.any(self.changed != 0, axis=1)
        return int(main_rows.sum()) + int(np.count_nonzero(np.any(self.tail != 0, axis=1)))

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
        late = rows >= base
        tail = self.tail_rows.updated(rows[late] - base, vectors[late], total - base)
        changed = dict(zip(self.changed_rows.tolist(), self.changed, strict=True))
        changed.update(zip(rows[~late].tolist(), vectors[~late], strict=True))
        order = sorted(changed)
        matrix = np.array([changed[r] for r in order], dtype=np.float32).reshape(-1, self.dim)
        out = DenseIndex(
            self.main,
            self.name,
            tail=tail,
            changed_rows=np.array(order, np.int64),
            changed=matrix,
            base_id=self.base_id,
        )
        return out.merged() if out.pending > max(512, total // 16) else out

    def merged(self) -> DenseIndex:
        """The same vectors as one main matrix."""
        return DenseIndex(np.ascontiguousarray(self.vectors), self.name)
