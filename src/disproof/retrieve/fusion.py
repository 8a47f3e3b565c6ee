"""Fusion of ranked lists: pure functions, no I/O, testable alone."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from disproof.retrieve.types import Hit

RRF_K = 60


@dataclass(frozen=True, slots=True)
class FusedHit:
    """A document after fusion: its fused score and rank, and which retrievers found it."""

    doc: int
    score: float
    rank: int
    retrievers: tuple[str, ...]


def reciprocal_rank_fusion(rankings: Iterable[Sequence[Hit]], k: int = RRF_K) -> list[FusedHit]:
    """Cormack et al. (2009): score(d) = Σ 1 / (k + rank_r(d)) over the rankings that hold d."""
    parts: dict[int, list[float]] = {}
    found: dict[int, list[str]] = {}
    for ranking in rankings:
        for hit in ranking:
            parts.setdefault(hit.doc, []).append(1.0 / (k + hit.rank))
            found.setdefault(hit.doc, []).append(hit.retriever)
    # fsum is exactly rounded, so a document's score (and the ties) cannot depend on the order
    # the rankings come in
    scores = {doc: math.fsum(values) for doc, values in parts.items()}
    order = sorted(scores, key=lambda d: (-scores[d], d))
    return [
        FusedHit(doc, scores[doc], rank, tuple(found[doc])) for rank, doc in enumerate(order, 1)
    ]
