"""What encoding costs per text for ``narratives train``: e5 (or ``--backend use``) over the lead
of SemEval documents, at each lead length given, as the pipeline encodes them
(:func:`embed_documents`, no cache); with ``--train``, what each stage of a whole first training
on the four folders costs.

    python -m benchmarks.semeval_encode_time [--per-language 16] [--chars 1200,600] [--backend use]
    python -m benchmarks.semeval_encode_time --train [--backend use]

Prints wall and CPU seconds per text (CPU over all threads of the process) and the median
number of tokens e5 reads per lead; the same texts for every length. ``--train`` runs
:func:`~disproof.narratives.pipeline.train_semeval` as ``narratives train`` does (the taxonomy's
texts, no vector cache) and prints each stage's wall and CPU seconds and the load average.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks.semeval_cache import DATA, LANGUAGES
from disproof.embed import load_embedder
from disproof.narratives.chunks import Chunking, document_chunks, embed_documents
from disproof.narratives.pipeline import train_semeval
from disproof.narratives.semeval import load_semeval_documents, load_semeval_taxonomy


def time_training(backend: str) -> None:
    """Each stage of a first training (no vector cache) on the four folders: wall, CPU."""
    start = (time.perf_counter(), time.process_time())
    embedder, _ = load_embedder(backend, fallback=False)
    loaded = (time.perf_counter(), time.process_time())
    print(f"load average {Path('/proc/loadavg').read_text().split()[:3]}")
    print("| stage | wall s | CPU s |")
    print("|---|---:|---:|")
    print(f"| loading {backend} | {loaded[0] - start[0]:.1f} | {loaded[1] - start[1]:.1f} |")
    last: dict[str, tuple[float, float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        last[stage] = (time.perf_counter(), time.process_time())

    taxonomy = load_semeval_taxonomy(DATA / "taxonomy.json")
    train_semeval(
        [DATA / lang for lang in LANGUAGES], embedder, taxonomy=taxonomy, progress=progress
    )
    before = loaded
    for stage, mark in last.items():  # stages report in order; each ends at its last report
        print(f"| {stage} | {mark[0] - before[0]:.1f} | {mark[1] - before[1]:.1f} |")
        before = mark
    end = (time.perf_counter(), time.process_time())
    print(f"| **whole** | {end[0] - start[0]:.1f} | {end[1] - start[1]:.1f} |")
    print(f"load average {Path('/proc/loadavg').read_text().split()[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=16)
    parser.add_argument("--chars", default="1200,600")
    parser.add_argument("--backend", default="e5", help="e5 or use")
    parser.add_argument("--train", action="store_true", help="time a whole first training")
    args = parser.parse_args()
    if args.train:
        time_training(args.backend)
        return
    embedder, _ = load_embedder(args.backend, fallback=False)
    texts = [
        d.text
        for lang in LANGUAGES
        for d in load_semeval_documents(DATA / lang)[-args.per_language :]
    ]
    embed_documents(embedder, texts[:2], Chunking(1, 200))  # load the model outside the timing
    engine = getattr(embedder, "_model", None)
    print("| lead (characters) | texts | median tokens | wall s / text | CPU s / text |")
    print("|---:|---:|---:|---:|---:|")
    for chars in (int(c) for c in args.chars.split(",")):
        chunking = Chunking(max_chunks=1, max_chars=chars)
        tokens = (
            [engine.token_count(document_chunks(t, chunking)[0], True) for t in texts]
            if engine is not None
            else [0]
        )
        start, cpu = time.perf_counter(), time.process_time()
        embed_documents(embedder, texts, chunking)
        wall, used = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"| {chars} | {len(texts)} | {np.median(tokens):.0f} | {wall / len(texts):.2f} | "
            f"{used / len(texts):.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
