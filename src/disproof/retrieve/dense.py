"""Exact nearest neighbours over unit vectors (cosine = dot product).

At the sizes disproof serves (tens of thousands of cases, 384–512 dimensions) an exact matrix
product takes a few milliseconds, so no approximate index is needed; the class keeps that door
open behind ``search``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from disproof.retrieve.lexical import top_hits
from disproof.retrieve.types import Hit


class DenseIndex:
    def __init__(self, vectors: npt.NDArray[np.float32], name: str = "dense") -> None:
        if vectors.ndim != 2:
            raise ValueError("vectors must be a 2-d array (documents × dimensions)")
        self.vectors = vectors
        self.name = name

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def scores(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Cosine similarity of every document to a unit query vector."""
        if len(self) == 0:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.vectors @ query.astype(np.float32), dtype=np.float32)

    def search(self, query: npt.NDArray[np.float32], k: int = 10) -> list[Hit]:
        """Top ``k`` by cosine (only positive similarities are returned)."""
        return top_hits(self.scores(query), k, self.name)
