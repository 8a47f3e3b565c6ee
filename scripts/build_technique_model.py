#!/usr/bin/env python3
"""Build the shipped persuasion-technique model, ``src/disproof/data/techniques.npz``.

It is trained on the development part of the SemEval-2023 Task 3 data laid out in
``../shared/data/persuasion`` (all six languages and the eight CheckThat! articles) over hashed
n-grams only (``--no-embed``): the file holds one weight per hash bucket and technique, no text
and no vocabulary, and it is small (~0.4 MB). The same data gives the same bytes (seeded folds,
fixed zip entry dates).

    PYTHONPATH=src nice .venv/bin/python scripts/build_technique_model.py [--data DIR]

A model with e5 features is better (docs/techniques.md) but needs every paragraph encoded;
train it for a database with ``disproof techniques train --data DIR``.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from disproof.techniques.corpus import read_corpus
from disproof.techniques.training import train

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "disproof" / "data" / "techniques.npz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/persuasion"))
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    started = time.monotonic()
    articles = read_corpus(args.data)

    def progress(stage: str, done: int, total: int) -> None:
        print(f"{stage}: {done}/{total} ({time.monotonic() - started:.0f} s)", flush=True)

    model = train(articles, embed=False, progress=progress)
    model.save(args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]
    print(f"{args.out}: {args.out.stat().st_size:,} bytes, sha256 {digest}, {model.trained_on}")


if __name__ == "__main__":
    main()
