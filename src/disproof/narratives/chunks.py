"""Long documents as a few embeddable chunks, and one vector per document from them.

A news article is longer than the 512 tokens e5 reads, so it is cut into at most ``max_chunks``
windows of whole sentences, each at most ``max_chars`` characters (about 300–400 tokens of
European text), starting from the top: the title and lead carry most of an article's framing.
The document vector is the mean of its chunk vectors, normalised again to unit length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from disproof.embed.base import Embedder, Vectors
from disproof.text.sentences import split_sentences


@dataclass(frozen=True, slots=True)
class Chunking:
    """How a document is cut: at most ``max_chunks`` windows of at most ``max_chars`` chars."""

    max_chunks: int = 8
    max_chars: int = 1200

    @property
    def key(self) -> str:
        """A short name of these settings, stored with a model and in embedding caches."""
        return f"chunks{self.max_chunks}x{self.max_chars}"


def document_chunks(text: str, chunking: Chunking = Chunking()) -> list[str]:
    """The first ``max_chunks`` windows of whole sentences of ``text`` (never empty).

    Sentences are packed greedily in order; a sentence longer than ``max_chars`` is a window of
    its own and is cut by the embedder. Whitespace inside a window is collapsed.
    """
    chunks: list[str] = []
    current = ""
    for span in split_sentences(text):
        sentence = " ".join(span.text.split())
        if not sentence:
            continue
        if current and len(current) + 1 + len(sentence) > chunking.max_chars:
            chunks.append(current)
            if len(chunks) == chunking.max_chunks:
                return chunks
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        chunks.append(current)
    return chunks or [" ".join(text.split()) or "empty"]


def pool_chunks(vectors: Vectors) -> Vectors:
    """The unit-length mean of chunk vectors (shape ``(dim,)``)."""
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    pooled: Vectors = (mean / norm if norm > 0 else mean).astype(np.float32)
    return pooled


#: Chunks encoded between two progress reports.
PROGRESS_BATCH = 64


def embed_documents(
    embedder: Embedder,
    texts: Sequence[str],
    chunking: Chunking = Chunking(),
    progress: Callable[[int, int], None] | None = None,
) -> Vectors:
    """One unit vector per document: its chunks encoded together, then pooled; ``progress``
    hears (chunks encoded, chunks in all) every :data:`PROGRESS_BATCH` chunks."""
    pieces = [document_chunks(text, chunking) for text in texts]
    flat = [chunk for chunk_list in pieces for chunk in chunk_list]
    encoded = np.zeros((len(flat), embedder.dim), np.float32)
    step = PROGRESS_BATCH if progress is not None else max(1, len(flat))
    for start in range(0, len(flat), step):
        encoded[start : start + step] = embedder.encode_documents(flat[start : start + step])
        if progress is not None:
            progress(min(start + step, len(flat)), len(flat))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    start = 0
    for row, chunk_list in enumerate(pieces):
        out[row] = pool_chunks(encoded[start : start + len(chunk_list)])
        start += len(chunk_list)
    return out
