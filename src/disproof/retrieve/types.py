"""Typed retrieval results."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """One document found by one retriever: its row in the index, score and 1-based rank."""

    doc: int
    score: float
    rank: int
    retriever: str
