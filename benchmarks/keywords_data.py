"""The EUvsDisinfo case index as a keyword benchmark: cases from a database, cached embeddings.

The cases come from ``benchmarks/.work/euvsdisinfo.db``, imported with ``disproof import`` from the
shared case index the first time. Text vectors are cached in one ``.npz`` per embedder under
``benchmarks/.work/keywords/``, keyed by the SHA-256 of each text, so reruns encode nothing.

    python -m benchmarks.keywords_data   # import and warm the e5 cache (minutes, once)
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from disproof.embed import Embedder, load_embedder
from disproof.keywords.model import case_text
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
DB = WORK / "euvsdisinfo.db"
CASE_INDEX = ROOT.parent / "shared" / "data" / "euvsdisinfo" / "case_index_2015_2019.csv"
BATCH = 256


def load_cases(db: Path = DB) -> list[Case]:
    """Every case of the benchmark database (imported from the case index if it is new)."""
    service = Disproof.open(Settings(db=str(db)))
    if service.count() == 0:
        report = service.import_file(CASE_INDEX, "euvsdisinfo-index")
        print(f"imported {len(report.created)} cases into {db}", file=sys.stderr)
    return sorted(service.store.iter_cases(), key=lambda c: (c.date or "", c.id))


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def cache_path(model_id: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", model_id).strip("-")
    return WORK / "keywords" / f"vectors-{slug}.npz"


def text_vectors(embedder: Embedder, texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """``(len(texts), dim)`` document vectors, from the cache or encoded (and then cached)."""
    path = cache_path(embedder.model_id)
    cached: dict[str, npt.NDArray[np.float32]] = {}
    if path.exists():
        with np.load(path) as data:
            cached = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    keys = [_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cached}.items())
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        encoded = embedder.encode_documents([t for _, t in batch])
        cached.update((k, v) for (k, _), v in zip(batch, encoded, strict=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, keys=np.array(list(cached)), vectors=np.stack(list(cached.values())))
        print(f"encoded {start + len(batch)}/{len(missing)}", file=sys.stderr)
    return np.stack([cached[k] for k in keys]).astype(np.float32)


def main() -> None:
    cases = load_cases()
    for backend in sys.argv[1:] or ["e5"]:
        embedder, notes = load_embedder(backend, fallback=False)
        for note in notes:
            print(note, file=sys.stderr)
        start = time.perf_counter()
        text_vectors(embedder, [case_text(c) for c in cases])
        print(f"{backend}: {len(cases)} cases in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
