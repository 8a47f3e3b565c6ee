"""Fusion of ranked lists: pure functions, no I/O, testable alone."""

from __future__ import annotations

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
    scores: dict[int, float] = {}
    found: dict[int, list[str]] = {}
    for ranking in rankings:
        for hit in ranking:
            scores[hit.doc] = scores.get(hit.doc, 0.0) + 1.0 / (k + hit.rank)
            found.setdefault(hit.doc, []).append(hit.retriever)
    order = sorted(scores, key=lambda d: (-scores[d], d))
    return [
        FusedHit(doc, scores[doc], rank, tuple(found[doc])) for rank, doc in enumerate(order, 1)
    ]
