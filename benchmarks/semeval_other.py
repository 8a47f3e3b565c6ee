"""SemEval-2025 Task 10: the raw logits of the shipped combined model, saved per split, so that
ways of deciding ``Other`` (and of calibrating) can be compared without refitting.

    python -m benchmarks.semeval_other [--splits EN-cv1,…] [--chunking 1x1200]
    python -m benchmarks.semeval_other --report

For each split of :mod:`benchmarks.semeval_lolo` the ``e5+words`` model (e5 lead ×0.5 beside
evidence-scaled TF-IDF rows, l2 = 0.1, with the taxonomy's texts) is fitted once, as
``narratives train`` fits it; saved in ``benchmarks/.work/semeval_other/``: the training rows'
out-of-fold logits and targets (what calibration learns from), the scored documents' logits, and
both sides' languages. ``--report`` applies each decision variant of
:mod:`benchmarks.semeval_other_report` to them.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.semeval import taxonomy_documents
from benchmarks.semeval_cache import DATA, LANGUAGES, ROOT, chunk_vectors
from benchmarks.semeval_lolo import Split, all_splits
from disproof.embed import load_embedder
from disproof.narratives.chunks import Chunking, pool_chunks
from disproof.narratives.classify import (
    TrainingOptions,
    _label_space,
    fit_out_of_fold,
    folds_of,
    gold_decision,
    semeval_parent,
)
from disproof.narratives.design import Design
from disproof.narratives.features import DENSE_WEIGHT, LexicalFeatures, Scaling
from disproof.narratives.pipeline import COMBINED_L2
from disproof.narratives.semeval import LabelledDocument, load_semeval_documents

OUT = ROOT / "benchmarks" / ".work" / "semeval_other"


def vectors(documents: list[LabelledDocument], chunking: Chunking) -> np.ndarray:
    embedder, _ = load_embedder("e5", fallback=False)
    chunks = chunk_vectors(embedder, [d.text for d in documents], chunking)
    return np.stack([pool_chunks(c) for c in chunks]).astype(np.float64)


def run(split: Split, described: list[LabelledDocument], chunking: Chunking, system: str):  # noqa: ANN201
    training = split.train + described
    fixed = np.arange(len(training)) >= len(split.train)
    narratives = [d.narratives for d in training]
    subnarratives = [d.subnarratives for d in training]
    space = _label_space(narratives, subnarratives, semeval_parent)
    gold = gold_decision(narratives, subnarratives, space)
    targets = np.column_stack([gold.coarse[:, :-1], gold.fine[:, :-1], gold.coarse[:, -1]])
    fold = np.full(len(training), -1, np.intp)
    options = TrainingOptions(l2=COMBINED_L2, standardize=False)
    fold[~fixed] = folds_of(int((~fixed).sum()), options.folds, options.seed)
    dense_train, dense_test = vectors(training, chunking), vectors(split.test, chunking)
    if system == "e5":
        options = TrainingOptions()
        weights, bias, oof = fit_out_of_fold(dense_train, targets, fold, options)
        test = dense_test @ weights + bias
        coverage = np.zeros(len(split.test))
    else:
        codes = [d.language.lower() for d in training]
        lexical, rows = LexicalFeatures.fit([d.text for d in training], codes, chars=False)
        scaling = Scaling.fit(dense_train[~fixed], DENSE_WEIGHT)
        x = Design(scaling.apply(dense_train), rows)
        weights, bias, oof = fit_out_of_fold(x, targets, fold, options)
        test_rows = lexical.transform([d.text for d in split.test])
        test = Design(scaling.apply(dense_test), test_rows).dot(weights) + bias
        coverage = lexical.coverage(test_rows)
    return {
        "oof": oof,
        "targets": targets,
        "fixed": fixed,
        "fold": fold,
        "train_language": np.array([d.language for d in training]),
        "test": test,
        "test_language": np.array([d.language for d in split.test]),
        "coverage": coverage,
        "n_coarse": np.array(len(space[0])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="EN-cv1,EN-cv2,EN-cv3,EN-cv4")
    parser.add_argument("--systems", default="e5+words")
    parser.add_argument("--chunking", default="1x1200", help="chunks x characters")
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    by_language = {lang: load_semeval_documents(DATA / lang) for lang in LANGUAGES}
    splits = {s.name: s for s in all_splits(by_language)}
    if args.report:
        from benchmarks.semeval_other_report import print_report

        print_report(splits, OUT)
        return
    count, chars = (int(v) for v in args.chunking.split("x"))
    chunking = Chunking(max_chunks=count, max_chars=chars)
    OUT.mkdir(parents=True, exist_ok=True)
    described = taxonomy_documents()
    for name in args.splits.split(","):
        for system in args.systems.split(","):
            path = OUT / f"{name}.{system}.{chunking.key}.npz"
            if path.exists():
                continue
            start, cpu = time.perf_counter(), time.process_time()
            np.savez(path, **run(splits[name], described, chunking, system))
            print(
                f"{name} {system} {chunking.key}: {time.perf_counter() - start:.0f} s wall, "
                f"{time.process_time() - cpu:.0f} s CPU",
                flush=True,
            )


if __name__ == "__main__":
    main()
