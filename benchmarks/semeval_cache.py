"""Chunk embeddings of SemEval documents, cached in ``benchmarks/.work`` for fast reruns.

Each document's chunk vectors (``(n_chunks, dim)`` float32) are saved as one ``.npy`` named by the
SHA-256 of its text, in a folder named by the embedder's ``model_id`` and the chunking settings.

    python -m benchmarks.semeval_cache   # warm the cache for every language (minutes, once)
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
from disproof.narratives.chunks import Chunking, document_chunks
from disproof.narratives.semeval import load_semeval_documents

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


def main() -> None:
    embedder, notes = load_embedder()
    for note in notes:
        print(note, file=sys.stderr)
    for language in LANGUAGES:
        documents = load_semeval_documents(DATA / language)
        start = time.perf_counter()
        chunk_vectors(embedder, [d.text for d in documents], LEAD)
        print(f"{language}: {len(documents)} documents in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
