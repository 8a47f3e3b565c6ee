"""What the narrative classifier reads of a document: its embedding, or its embedding and its
TF-IDF vector side by side.

``e5`` — the pooled embedding of the title and lead (``chunks``): carries across languages.
``e5+tfidf`` — the same embedding, standardised on the training documents and scaled by
``dense_weight / sqrt(dim)``, next to the document's TF-IDF row over Analyzer terms of the
*whole* text. One linear model reads both: the words of the whole article (strong within a
language) and the meaning of its lead (across languages). On the SemEval EN held-out split this
scored 0.628 / 0.509 samples-F1 against 0.602 / 0.505 for TF-IDF alone and 0.497 / 0.392 for the
embedding alone (docs/benchmarks.md). In a language absent from training the TF-IDF half knows
few words, so texts it barely covers go to the embedding-only model trained beside it
(:mod:`.pipeline`).

The standardisation is folded into the weights after training, so a saved model applies to the
raw embedding: ``[embedding, tfidf] @ weights + bias``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from disproof.narratives.classify import NarrativeModel
from disproof.text.sparse import SparseRows, hstack
from disproof.text.tfidf import TfIdf, char_ngrams, fit_tfidf, tokenize

FeatureSet = Literal["e5", "e5+tfidf"]
FEATURE_SETS: tuple[FeatureSet, ...] = ("e5", "e5+tfidf")
#: Weight of the embedding block beside TF-IDF, chosen by cross-validation inside the English
#: training documents (``python -m benchmarks.semeval --cv``; docs/benchmarks.md).
DENSE_WEIGHT = 0.5
#: At most this many character n-grams (those in most training texts) in a vocabulary.
CHAR_TERMS = 50_000
Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Scaling:
    """How the embedding block was scaled for training: ``(x - mean) / scale · factor``, the
    factor ``weight / sqrt(dim)`` per column of each embedding's block (two embeddings side by
    side are each scaled as one alone would be)."""

    mean: Array
    scale: Array
    factor: Array

    @classmethod
    def fit(cls, dense: Array, weight: float, blocks: Sequence[int] | None = None) -> Scaling:
        """``blocks``: the widths of the embeddings laid side by side in ``dense`` (default:
        one embedding)."""
        widths = list(blocks) if blocks is not None else [dense.shape[1]]
        if sum(widths) != dense.shape[1]:
            raise ValueError(f"blocks {widths} do not add up to {dense.shape[1]} columns")
        scale = dense.std(axis=0)
        scale[scale == 0] = 1.0
        factor = np.concatenate([np.full(w, weight / float(np.sqrt(w))) for w in widths])
        return cls(dense.mean(axis=0), scale, factor)

    def apply(self, dense: Array) -> Array:
        return (dense - self.mean) / self.scale * self.factor

    def fold(self, model: NarrativeModel) -> NarrativeModel:
        """The model rewritten to read the raw embedding in its first ``dim`` columns."""
        dim = len(self.mean)
        weights = model.weights.astype(np.float64)
        dense = weights[:dim] * (self.factor / self.scale)[:, None]
        bias = (
            model.bias.astype(np.float64) - (self.mean * self.factor / self.scale) @ weights[:dim]
        )
        folded = np.vstack([dense, weights[dim:]]).astype(np.float32)
        return replace(model, weights=folded, bias=bias.astype(np.float32))


#: Weight of each TF-IDF block (words, character n-grams) when both are used: the two
#: unit-length rows side by side make one row of unit length.
BLOCK_WEIGHT = float(np.sqrt(0.5))


@dataclass(frozen=True)
class LexicalFeatures:
    """The TF-IDF half of ``e5+tfidf``: stemmed words and, when ``chars`` is set, character
    n-grams (:func:`disproof.text.tfidf.char_ngrams`) beside them, each block weighted by
    :data:`BLOCK_WEIGHT`. Rows are evidence-scaled (:mod:`disproof.text.tfidf`): a text whose
    terms the vocabularies do not know gets a short row, not a full-length one made of the few
    it shares."""

    tfidf: TfIdf
    chars: TfIdf | None = None

    @classmethod
    def fit(
        cls, texts: Sequence[str], languages: Sequence[str | None], chars: bool = True
    ) -> tuple[LexicalFeatures, SparseRows]:
        tokens = tokenize(texts, languages)
        grams = [char_ngrams(text) for text in texts] if chars else None
        features = cls(fit_tfidf(tokens), fit_tfidf(grams, max_terms=CHAR_TERMS) if grams else None)
        return features, features._rows(tokens, grams)

    def _rows(self, tokens: list[list[str]], grams: list[list[str]] | None) -> SparseRows:
        words = self.tfidf.sparse(tokens, evidence=True)
        if self.chars is None or grams is None:
            return words
        characters = self.chars.sparse(grams, evidence=True)
        return hstack([(words, BLOCK_WEIGHT), (characters, BLOCK_WEIGHT)])

    @property
    def width(self) -> int:
        return len(self.tfidf.vocabulary) + (len(self.chars.vocabulary) if self.chars else 0)

    def transform(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> SparseRows:
        tokens = tokenize(texts, languages or [None] * len(texts))
        grams = [char_ngrams(text) for text in texts] if self.chars is not None else None
        return self._rows(tokens, grams)

    def coverage(self, rows: SparseRows) -> Array:
        """How much of each text the vocabularies know (0–1): the length of its row."""
        squares = SparseRows(rows.data**2, rows.indices, rows.indptr, rows.cols).row_sums()
        out: Array = np.sqrt(np.asarray(squares, np.float64))
        return out
