#!/usr/bin/env python3
"""Build the shipped persuasion-technique models in ``src/disproof/data``.

Both are trained on the development part of the SemEval-2023 Task 3 data laid out in
``../shared/data/persuasion`` (all six languages and the eight CheckThat! articles):

- ``--no-embed`` (the default of this script): hashed n-grams only, ``techniques.npz`` — one
  weight per hash bucket and technique, no text and no vocabulary (~0.4 MB); the model used
  where multilingual-e5-small cannot run.
- ``--embed``: the paragraphs' multilingual-e5-small vectors beside the n-grams, with a head per
  language, ``techniques-e5.npz`` — the default wherever e5 runs (docs/techniques.md). The
  vectors come from the benchmarks' cache (``benchmarks/.work/techniques``, filled by
  ``python -m benchmarks.techniques_cache``) and whatever is missing is encoded and cached.
  ``--en-stride N`` keeps every N-th English article by name (English has four times the
  paragraphs of any other language; the benchmarks' cross-validation uses every 4th).

The same data and vectors give the same bytes (seeded folds, fixed zip entry dates).

    PYTHONPATH=src nice .venv/bin/python scripts/build_technique_model.py [--embed] [--data DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from disproof.techniques.corpus import Article, read_corpus  # noqa: E402
from disproof.techniques.fit import fit_model, paragraph_rows  # noqa: E402
from disproof.techniques.model import E5_MODEL_FILE, MODEL_FILE  # noqa: E402
from disproof.techniques.training import train  # noqa: E402

DATA = ROOT / "src" / "disproof" / "data"


def english_every(articles: list[Article], stride: int) -> list[Article]:
    """Every ``stride``-th English article by name, every article of the other languages."""
    english = sorted((a for a in articles if a.lang == "en"), key=lambda a: a.id)
    kept = {id(a) for a in english[::stride]}
    return [a for a in articles if a.lang != "en" or id(a) in kept]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/persuasion"))
    parser.add_argument("--embed", action="store_true", help="the e5 model (techniques-e5.npz)")
    parser.add_argument("--en-stride", type=int, default=1, help="every N-th English article")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or DATA / (E5_MODEL_FILE if args.embed else MODEL_FILE)
    started = time.monotonic()
    articles = english_every(read_corpus(args.data), args.en_stride)

    def progress(stage: str, done: int, total: int) -> None:
        print(f"{stage}: {done}/{total} ({time.monotonic() - started:.0f} s)", flush=True)

    if args.embed:
        from benchmarks.techniques_cache import cached_vectors

        from disproof.embed import load_embedder

        embedder, _ = load_embedder("e5", fallback=False)
        vectors = cached_vectors(embedder, paragraph_rows(articles).texts, verbose=True)
        progress("vectors", len(vectors), len(vectors))
        model = fit_model(
            articles, vectors=vectors, embedder_id=embedder.model_id, progress=progress
        )
    else:
        model = train(articles, embed=False, progress=progress)
    model.save(out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
    print(f"{out}: {out.stat().st_size:,} bytes, sha256 {digest}, {model.trained_on}")


if __name__ == "__main__":
    main()
