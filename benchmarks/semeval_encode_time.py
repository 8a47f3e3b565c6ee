"""What encoding costs per text for ``narratives train``: e5 over the lead of SemEval documents,
at each lead length given, as the pipeline encodes them (:func:`embed_documents`, no cache).

    python -m benchmarks.semeval_encode_time [--per-language 16] [--chars 1200,600]

Prints wall and CPU seconds per text (CPU over all threads of the process) and the median
number of tokens e5 reads per lead; the same texts for every length.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.semeval_cache import DATA, LANGUAGES
from disproof.embed import load_embedder
from disproof.narratives.chunks import Chunking, document_chunks, embed_documents
from disproof.narratives.semeval import load_semeval_documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=16)
    parser.add_argument("--chars", default="1200,600")
    args = parser.parse_args()
    embedder, _ = load_embedder("e5", fallback=False)
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
