"""Grouping cases by shared keywords: single-linkage clusters on keyword-set Jaccard similarity.

Two cases are linked when the Jaccard similarity of their keyword sets, |A ∩ B| / |A ∪ B|, is at
least ``threshold`` (default 0.5: e.g. they share 2 of 3 distinct keywords, or both carry the
same single keyword); clusters are the connected components of that graph. Cases without
keywords are never linked. Pairwise intersections are one sparse-free matrix product, so keep
the number of cases to a few thousand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["JACCARD_THRESHOLD", "jaccard", "keyword_clusters", "top_keywords"]

JACCARD_THRESHOLD = 0.5


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 when both are empty)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _components(n: int, pairs: npt.NDArray[np.intp]) -> list[list[int]]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def keyword_clusters(
    keyword_sets: Sequence[Sequence[str]],
    *,
    threshold: float = JACCARD_THRESHOLD,
    min_size: int = 3,
) -> list[list[int]]:
    """Indices of the cases in each cluster of at least ``min_size``, largest cluster first
    (members in input order)."""
    sets = [set(s) for s in keyword_sets]
    vocabulary = {k: i for i, k in enumerate(sorted(set().union(*sets)))} if sets else {}
    n = len(sets)
    if n == 0 or not vocabulary:
        return []
    matrix = np.zeros((n, len(vocabulary)), dtype=np.float32)
    for row, words in enumerate(sets):
        matrix[row, [vocabulary[w] for w in words]] = 1.0
    inter = matrix @ matrix.T
    sizes = matrix.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        linked = (union > 0) & (inter / np.where(union > 0, union, 1) >= threshold - 1e-9)
    pairs = np.argwhere(np.triu(linked, k=1))
    clusters = [c for c in _components(n, pairs) if len(c) >= min_size]
    return sorted(clusters, key=lambda c: (-len(c), c[0]))


def top_keywords(keyword_sets: Sequence[Sequence[str]], limit: int = 5) -> list[str]:
    """The keywords most members carry, most frequent first (ties alphabetically)."""
    counts = Counter(k for words in keyword_sets for k in set(words))
    return [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
