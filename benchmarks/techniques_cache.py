"""e5 vectors of the persuasion paragraphs, cached in ``benchmarks/.work`` for fast reruns.

Vectors are saved in shards (``.npz``: the SHA-256 keys of the texts and their rows), in a folder
named by the embedder's ``model_id``; a rerun encodes only texts not yet cached.

    nice python -m benchmarks.techniques_cache   # warm the cache (about half an hour, once)

``DISPROOF_TECHNIQUES_CACHE=DIR`` puts (or finds) the cache in ``DIR`` instead, so several
checkouts can share one set of vectors.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from disproof.embed import Embedder, load_embedder
from disproof.embed.base import Vectors

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(
    os.environ.get("DISPROOF_TECHNIQUES_CACHE") or ROOT / "benchmarks" / ".work" / "techniques"
)
DATA = Path("/work/shared/data/persuasion")
#: Languages in the order they are warmed: the small sets first, so a partial cache is useful.
ORDER = ("de", "fr", "it", "pl", "ru", "en", "bg", "pt")
#: English has four times the paragraphs of the others: the benchmark uses every
#: ``EN_STRIDE``-th article (by sorted name) when the machine cannot encode them all in time.
EN_STRIDE = 4
SHARD = 256


def key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def cache_dir(model_id: str) -> Path:
    return WORK / re.sub(r"[^A-Za-z0-9.]+", "-", model_id).strip("-")


def load_cache(folder: Path) -> dict[str, Vectors]:
    out: dict[str, Vectors] = {}
    for path in sorted(folder.glob("*.npz")):
        with np.load(path) as shard:
            for name, row in zip(shard["keys"], shard["vectors"], strict=True):
                out[str(name)] = row
    return out


def cached_vectors(embedder: Embedder, texts: Sequence[str], *, verbose: bool = False) -> Vectors:
    """One vector per text (``encode_queries``), from the cache or encoded and cached."""
    folder = cache_dir(embedder.model_id)
    folder.mkdir(parents=True, exist_ok=True)
    known = load_cache(folder)
    missing = sorted({key(t): t for t in texts if key(t) not in known}.items())
    started = time.monotonic()
    for first in range(0, len(missing), SHARD):
        part = missing[first : first + SHARD]
        vectors = embedder.encode_queries([text for _, text in part], batch_size=16)
        names = np.array([name for name, _ in part])
        np.savez(folder / f"{names[0]}-{len(known)}.npz", keys=names, vectors=vectors)
        known.update(zip(names.tolist(), vectors, strict=True))
        if verbose:
            done = first + len(part)
            rate = done / max(time.monotonic() - started, 1e-9)
            print(f"{done}/{len(missing)} encoded, {rate:.1f}/s", file=sys.stderr, flush=True)
    return (
        np.stack([known[key(t)] for t in texts])
        if texts
        else np.zeros((0, embedder.dim), np.float32)
    )


def paragraph_texts(language: str, stride: int = 1) -> list[str]:
    """The stripped non-empty lines of every ``stride``-th article of ``language``."""
    out: list[str] = []
    for path in sorted((DATA / "articles" / language).glob("*.txt"))[::stride]:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        out.extend(line.strip() for line in text.split("\n") if line.strip())
    return out


def main() -> None:
    embedder, notes = load_embedder()
    for note in notes:
        print(note, file=sys.stderr)
    for language, stride in [(lang, 1) for lang in ORDER[:5]] + [("en", EN_STRIDE), ("en", 1)]:
        texts = paragraph_texts(language, stride)
        print(f"{language}: {len(texts)} paragraphs", file=sys.stderr, flush=True)
        cached_vectors(embedder, texts, verbose=True)


if __name__ == "__main__":
    main()
