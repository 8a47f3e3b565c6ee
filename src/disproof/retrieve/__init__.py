"""Retrieval: lexical (BM25), dense (vectors), and fusion of ranked lists (pure functions)."""

from disproof.retrieve.dense import DenseIndex
from disproof.retrieve.fusion import reciprocal_rank_fusion
from disproof.retrieve.lexical import BM25Index
from disproof.retrieve.types import Hit

__all__ = ["BM25Index", "DenseIndex", "Hit", "reciprocal_rank_fusion"]
