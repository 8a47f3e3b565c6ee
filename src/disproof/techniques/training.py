"""``disproof techniques train``: read, encode (optionally) and fit, with progress."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from disproof import embed as embedding
from disproof.embed import Embedder
from disproof.techniques.corpus import Article
from disproof.techniques.fit import DEFAULT_SPEC, FeatureSpec, Progress, fit_model, paragraph_rows
from disproof.techniques.model import TechniqueModel

#: Paragraphs encoded between two progress reports.
ENCODE_BATCH = 64


def encode_paragraphs(
    embedder: Embedder, texts: Sequence[str], progress: Progress | None = None
) -> np.ndarray:
    """e5 rows of ``texts`` (``encode_queries``, as :class:`~.detect.Detector` encodes them)."""
    out = np.zeros((len(texts), embedder.dim), np.float32)
    for start in range(0, len(texts), ENCODE_BATCH):
        out[start : start + ENCODE_BATCH] = embedder.encode_queries(
            texts[start : start + ENCODE_BATCH], batch_size=16
        )
        if progress is not None:
            progress("encoding paragraphs", min(start + ENCODE_BATCH, len(texts)), len(texts))
    return out


def train(
    articles: Sequence[Article],
    *,
    embed: bool = True,
    embedder: Embedder | None = None,
    spec: FeatureSpec = DEFAULT_SPEC,
    progress: Progress | None = None,
) -> TechniqueModel:
    """A model of ``articles``; with ``embed`` the paragraphs' e5 vectors are read too
    (``embedder``, or the bundled e5 loaded here)."""
    if not embed:
        return fit_model(articles, spec=spec, progress=progress)
    if embedder is None:
        embedder, _ = embedding.load_embedder("e5")
    texts = paragraph_rows(articles).texts
    vectors = encode_paragraphs(embedder, texts, progress)
    return fit_model(
        articles, vectors=vectors, embedder_id=embedder.model_id, spec=spec, progress=progress
    )
