"""Chunk embeddings of SemEval documents, cached in ``benchmarks/.work`` for fast reruns.

Each document's chunk vectors (``(n_chunks, dim)`` float32) are saved as one ``.npy`` named by the
SHA-256 of its text, in a folder named by the embedder's ``model_id`` and the chunking settings.

    python -m benchmarks.semeval_cache [--chars 600]  # warm the cache (minutes, once)
    python -m benchmarks.semeval_cache --export models/semeval.vectors.npz

``--chars 600`` caches a lead of 600 characters instead. ``--export`` writes the cached lead
vectors of the four folders and the taxonomy's texts as the ``--vector-cache`` file of
``narratives train`` (to time a retraining without encoding again).
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from disproof.embed import Embedder, load_embedder
from disproof.embed.base import Vectors
from disproof.narratives.chunks import Chunking, document_chunks, pool_chunks
from disproof.narratives.semeval import load_semeval_documents
from disproof.narratives.vectors import VectorCache

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "semeval"
DATA = Path("/work/shared/data/semeval2025_t10")
LANGUAGES = ("EN", "BG", "PT", "HI")
#: What the benchmark embeds: the first 1,200 characters of whole sentences (title and lead).
LEAD = Chunking(max_chunks=1, max_chars=1200)


def cache_dir(model_id: str, chunking: Chunking) -> Path:
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", model_id).strip("-")
    return WORK / f"{slug}-{chunking.key}"


def chunk_vectors(
    embedder: Embedder, texts: Sequence[str], chunking: Chunking = LEAD
) -> list[Vectors]:
    """Chunk vectors of each text, from the cache or encoded (and then cached)."""
    folder = cache_dir(embedder.model_id, chunking)
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Vectors] = []
    for text in texts:
        path = folder / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:24]}.npy"
        if path.exists():
            out.append(np.load(path))
            continue
        vectors = embedder.encode_documents(document_chunks(text, chunking), batch_size=8)
        np.save(path, vectors)
        out.append(vectors)
    return out


def export(embedder: Embedder, path: Path) -> None:
    """The cached lead vectors as a :class:`~disproof.narratives.vectors.VectorCache` file."""
    from benchmarks.semeval import taxonomy_documents

    texts = [d.text for lang in LANGUAGES for d in load_semeval_documents(DATA / lang)]
    texts += [d.text for d in taxonomy_documents()]
    cache = VectorCache(path, embedder.model_id, LEAD, embedder.dim)
    for text, chunks in zip(texts, chunk_vectors(embedder, texts, LEAD), strict=True):
        cache.put(text, pool_chunks(chunks))
    cache.save()
    print(f"{len(cache)} vectors → {path}")


def main() -> None:
    embedder, notes = load_embedder()
    for note in notes:
        print(note, file=sys.stderr)
    if len(sys.argv) == 3 and sys.argv[1] == "--export":
        export(embedder, Path(sys.argv[2]))
        return
    chunking = LEAD
    if len(sys.argv) == 3 and sys.argv[1] == "--chars":  # a shorter or longer lead
        chunking = Chunking(max_chunks=1, max_chars=int(sys.argv[2]))
    for language in LANGUAGES:
        documents = load_semeval_documents(DATA / language)
        start = time.perf_counter()
        chunk_vectors(embedder, [d.text for d in documents], chunking)
        print(f"{language}: {len(documents)} documents in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
