"""SemEval-2025 Task 10 subtask 2: narrative classification, scored by samples-F1.

    python -m benchmarks.semeval [--combined 0.5] [--routed] [--skip-tfidf] [--skip-e5]
        [--left-out PT] [--only EN|left-out] [--cv] [--no-descriptions] [--paired]

Two splits, the same for every system:

* **EN held-out**: 25 % of the English documents (drawn per first narrative, seed 13) are scored;
  the other English documents and all of BG, PT and HI are the training set.
* **leave one language out**: every document of one language (PT by default) is scored; the
  English training part and the other two languages train.

Systems: the trivial ``Other`` baseline (every document is "Other" at both levels), TF-IDF over
Analyzer terms + the same one-vs-rest logistic regression and calibrated decision, and the e5
document embeddings (title and lead, cached in ``benchmarks/.work``) with the production
:func:`disproof.narratives.classify.train`. Every system also trains on the taxonomy's definitions
and examples, as ``narratives train`` does, unless ``--no-descriptions``. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from benchmarks.semeval_cache import DATA, LANGUAGES, LEAD, chunk_vectors
from benchmarks.tfidf import fit_tfidf, tokenize
from disproof.embed import load_embedder
from disproof.narratives.chunks import pool_chunks
from disproof.narratives.classify import OTHER, NarrativePrediction, TrainingOptions, train
from disproof.narratives.descriptions import description_texts
from disproof.narratives.features import DENSE_WEIGHT
from disproof.narratives.metrics import samples_f1
from disproof.narratives.pipeline import COMBINED_L2
from disproof.narratives.semeval import (
    LabelledDocument,
    load_semeval_documents,
    load_semeval_taxonomy,
)
from disproof.text.langid import detect_language

SEED = 13
#: Id prefix of the training texts written from the taxonomy.
DESCRIBED = "taxonomy:"
HELD_OUT = 0.25
Features = npt.NDArray[np.float64]
#: Builds (train features, test features) from the train and test documents.
Featurizer = Callable[[list[LabelledDocument], list[LabelledDocument]], tuple[Features, Features]]


@dataclass(frozen=True)
class Split:
    name: str
    train: list[LabelledDocument]
    test: list[LabelledDocument]
    #: Texts written from the taxonomy's definitions, trained on with the documents.
    described: list[LabelledDocument] = field(default_factory=list)


def taxonomy_documents() -> list[LabelledDocument]:
    """The SemEval taxonomy's definitions and examples as the training texts the shipped
    ``narratives train`` adds (:mod:`disproof.narratives.descriptions`)."""
    taxonomy = load_semeval_taxonomy(DATA / "taxonomy.json")
    return [
        LabelledDocument(f"{DESCRIBED}{i}", "EN", t.text, t.narratives, t.subnarratives)
        for i, t in enumerate(description_texts(taxonomy))
    ]


def english_split(
    documents: list[LabelledDocument],
) -> tuple[list[LabelledDocument], list[LabelledDocument]]:
    """(train, test): a quarter of each first-narrative group, drawn with :data:`SEED`."""
    groups: dict[str, list[LabelledDocument]] = defaultdict(list)
    for document in documents:
        groups[document.narratives[0]].append(document)
    rng = np.random.default_rng(SEED)
    test_ids: set[str] = set()
    for key in sorted(groups):
        members = groups[key]
        order = rng.permutation(len(members))
        test_ids.update(members[i].id for i in order[: round(HELD_OUT * len(members))])
    return (
        [d for d in documents if d.id not in test_ids],
        [d for d in documents if d.id in test_ids],
    )


def cv_splits(by_language: dict[str, list[LabelledDocument]], folds: int = 4) -> list[Split]:
    """Model selection without the held-out documents: the English *training* part in ``folds``
    folds (seed 7), each scored by a model trained on the other folds and all of BG, PT, HI."""
    en_train, _ = english_split(by_language["EN"])
    others = [d for lang in LANGUAGES if lang != "EN" for d in by_language[lang]]
    fold = np.empty(len(en_train), dtype=np.intp)
    fold[np.random.default_rng(7).permutation(len(en_train))] = np.arange(len(en_train)) % folds
    return [
        Split(
            f"EN CV fold {k + 1}/{folds} ({int((fold == k).sum())} docs)",
            [d for d, f in zip(en_train, fold, strict=True) if f != k] + others,
            [d for d, f in zip(en_train, fold, strict=True) if f == k],
        )
        for k in range(folds)
    ]


def splits(by_language: dict[str, list[LabelledDocument]], left_out: str) -> list[Split]:
    en_train, en_test = english_split(by_language["EN"])
    others = [d for lang in LANGUAGES if lang != "EN" for d in by_language[lang]]
    rest = [d for lang in LANGUAGES if lang not in ("EN", left_out) for d in by_language[lang]]
    return [
        Split(f"EN held-out ({len(en_test)} docs)", en_train + others, en_test),
        Split(
            f"{left_out} left out ({len(by_language[left_out])} docs)",
            en_train + rest,
            by_language[left_out],
        ),
    ]


def score(
    split: Split, featurize: Featurizer, options: TrainingOptions, calibrate_on_target: bool
) -> tuple[float, float, float]:
    """Coarse and fine samples-F1 on the split's test documents, and seconds taken.

    With ``calibrate_on_target`` thresholds are calibrated on the training documents in the test
    language when there are any (EN held-out: the English training part), else on all.
    """
    start = time.perf_counter()
    predictions = fit_predict(split, featurize, options, calibrate_on_target)
    return (*f1_of(split.test, predictions), time.perf_counter() - start)


def fit_predict(
    split: Split, featurize: Featurizer, options: TrainingOptions, calibrate_on_target: bool
) -> list[NarrativePrediction]:
    """Train on the split's training documents (and taxonomy texts, when the split has them),
    predict its test documents."""
    training = split.train + split.described
    x_train, x_test = featurize(training, split.test)
    languages = {d.language for d in split.test}
    same_language = np.array([d.language in languages for d in training])
    model = train(
        x_train,
        [d.narratives for d in training],
        [d.subnarratives for d in training],
        options=options,
        calibrate_on=same_language if calibrate_on_target and same_language.any() else None,
        described=np.array([d.id.startswith(DESCRIBED) for d in training]),
    )
    return model.predict(x_test)


LabelSets = list[list[str]]


def label_sets(
    documents: Sequence[LabelledDocument], predictions: Sequence[NarrativePrediction]
) -> list[tuple[LabelSets, LabelSets]]:
    """(gold, predicted) label sets of the documents, coarse then fine."""
    return [
        (
            [list(d.narratives) for d in documents],
            [[s.label for s in p.narratives] for p in predictions],
        ),
        (
            [list(d.subnarratives) for d in documents],
            [[s.label for s in p.subnarratives] for p in predictions],
        ),
    ]


def f1_of(
    documents: Sequence[LabelledDocument], predictions: Sequence[NarrativePrediction]
) -> tuple[float, float]:
    """Coarse and fine samples-F1 of predictions against the documents' labels."""
    coarse, fine = (samples_f1(*level) for level in label_sets(documents, predictions))
    return coarse, fine


def score_routed(
    split: Split, weight: float, lexical: TrainingOptions
) -> tuple[float, float, float]:
    """The shipped ``e5+tfidf`` model as ``narratives classify`` applies it: a test document
    whose detected language is none of the training languages goes to the embedding-only model
    (default options), the others to the combined one."""
    start = time.perf_counter()
    known = {d.language.lower() for d in split.train}
    unseen = [detect_language(d.text).code not in known for d in split.test]
    combined = fit_predict(split, combined_features(weight), lexical, False)
    dense = fit_predict(split, e5_features(), TrainingOptions(), False)
    routed = [d if new else c for c, d, new in zip(combined, dense, unseen, strict=True)]
    (cc, cf), (dc, df) = f1_of(split.test, combined), f1_of(split.test, dense)
    alone = f"combined alone {cc:.3f} / {cf:.3f}, embedding alone {dc:.3f} / {df:.3f}"
    print(
        f"<!-- {split.name}: {sum(unseen)} of {len(unseen)} test documents to the "
        f"embedding-only model; {alone} -->",
        flush=True,
    )
    return (*f1_of(split.test, routed), time.perf_counter() - start)


def document_f1(
    documents: Sequence[LabelledDocument], predictions: Sequence[NarrativePrediction]
) -> tuple[Features, Features]:
    """Each document's F1 (coarse, fine): the terms samples-F1 averages."""
    coarse, fine = (
        np.array([samples_f1([g], [p]) for g, p in zip(gold, predicted, strict=True)])
        for gold, predicted in label_sets(documents, predictions)
    )
    return coarse, fine


def paired_descriptions(split: Split, weight: float, lexical: TrainingOptions) -> None:
    """The shipped combined model with the taxonomy texts against without, on the same test
    documents: mean difference of per-document F1 and its 95 % paired bootstrap interval."""
    featurize = combined_features(weight)
    with_ = document_f1(split.test, fit_predict(split, featurize, lexical, False))
    without = document_f1(
        split.test, fit_predict(replace(split, described=[]), featurize, lexical, False)
    )
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(split.test), size=(10_000, len(split.test)))
    for level, a, b in (("coarse", with_[0], without[0]), ("fine", with_[1], without[1])):
        difference = a - b
        low, high = np.quantile(difference[picks].mean(axis=1), [0.025, 0.975])
        better, worse = int((difference > 0).sum()), int((difference < 0).sum())
        print(
            f"<!-- {split.name}, {level}: with the taxonomy texts {a.mean():.3f}, without "
            f"{b.mean():.3f}; difference {difference.mean():+.3f} (95 % paired bootstrap "
            f"{low:+.3f} … {high:+.3f}); {better} documents better, {worse} worse -->",
            flush=True,
        )


def other_baseline(split: Split) -> tuple[float, float]:
    gold_coarse = [d.narratives for d in split.test]
    gold_fine = [d.subnarratives for d in split.test]
    others = [[OTHER]] * len(split.test)
    return samples_f1(gold_coarse, others), samples_f1(gold_fine, others)


def e5_features() -> Featurizer:
    embedder, _ = load_embedder("e5", fallback=False)

    def vectors(documents: Sequence[LabelledDocument]) -> Features:
        chunks = chunk_vectors(embedder, [d.text for d in documents], LEAD)
        return np.stack([pool_chunks(c) for c in chunks]).astype(np.float64)

    return lambda train_docs, test_docs: (vectors(train_docs), vectors(test_docs))


def tfidf_features(
    train_docs: list[LabelledDocument], test_docs: list[LabelledDocument]
) -> tuple[Features, Features]:
    def tokens(documents: list[LabelledDocument]) -> list[list[str]]:
        return tokenize([d.text for d in documents], [d.language.lower() for d in documents])

    train_tokens = tokens(train_docs)
    model = fit_tfidf(train_tokens)
    return model.transform(train_tokens), model.transform(tokens(test_docs))


def combined_features(weight: float) -> Featurizer:
    """e5 lead vectors (standardised on the training documents, scaled to unit expected norm and
    by ``weight``) side by side with the TF-IDF rows: one linear model reads both."""
    e5 = e5_features()

    def featurize(
        train_docs: list[LabelledDocument], test_docs: list[LabelledDocument]
    ) -> tuple[Features, Features]:
        dense_train, dense_test = e5(train_docs, test_docs)
        documents = dense_train[[not d.id.startswith(DESCRIBED) for d in train_docs]]
        mean, scale = documents.mean(axis=0), documents.std(axis=0)
        scale[scale == 0] = 1.0
        factor = weight / np.sqrt(dense_train.shape[1])
        lexical_train, lexical_test = tfidf_features(train_docs, test_docs)
        return (
            np.hstack([(dense_train - mean) / scale * factor, lexical_train]),
            np.hstack([(dense_test - mean) / scale * factor, lexical_test]),
        )

    return featurize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l2", type=float, default=TrainingOptions().l2)
    parser.add_argument("--tfidf-l2", type=float, default=COMBINED_L2)
    parser.add_argument("--left-out", default="PT", choices=[x for x in LANGUAGES if x != "EN"])
    parser.add_argument("--skip-tfidf", action="store_true")
    parser.add_argument("--skip-e5", action="store_true")
    parser.add_argument(
        "--combined",
        type=float,
        nargs="*",
        default=[],
        help="also e5 + TF-IDF in one model, e5 block weighted by each value given",
    )
    parser.add_argument("--calibrate-on-target", action="store_true")
    parser.add_argument(
        "--routed",
        action="store_true",
        help="also the shipped default: e5+tfidf, with test documents in languages absent from "
        "training sent to the embedding-only model",
    )
    parser.add_argument("--only", choices=["EN", "left-out"], default=None)
    parser.add_argument(
        "--paired",
        action="store_true",
        help="also the shipped combined model with against without the taxonomy texts, with a "
        "paired bootstrap interval of the difference",
    )
    parser.add_argument(
        "--no-descriptions",
        action="store_true",
        help="train every system on the documents alone, without the taxonomy's definitions and "
        "examples (which the shipped `narratives train` adds)",
    )
    parser.add_argument(
        "--cv",
        action="store_true",
        help="score 4 folds of the English training part instead (for choosing settings)",
    )
    args = parser.parse_args()
    by_language = {lang: load_semeval_documents(DATA / lang) for lang in LANGUAGES}
    embedded = TrainingOptions(l2=args.l2)
    lexical = TrainingOptions(l2=args.tfidf_l2, standardize=False)
    print("| split | system | coarse F1 | fine F1 | seconds |")
    print("|---|---|---:|---:|---:|")
    chosen = splits(by_language, args.left_out)
    if args.cv:
        chosen = cv_splits(by_language)
    elif args.only:
        chosen = chosen[:1] if args.only == "EN" else chosen[1:]
    if not args.no_descriptions:
        described = taxonomy_documents()
        chosen = [replace(split, described=described) for split in chosen]
    for split in chosen:
        coarse, fine = other_baseline(split)
        row(split.name, "all 'Other'", coarse, fine, 0.0)
        if not args.skip_tfidf:
            result = score(split, tfidf_features, lexical, args.calibrate_on_target)
            row(split.name, f"TF-IDF + LR (l2={args.tfidf_l2:g})", *result)
        for weight in args.combined:
            result = score(split, combined_features(weight), lexical, args.calibrate_on_target)
            row(split.name, f"e5 lead ×{weight:g} + TF-IDF, one LR (l2={args.tfidf_l2:g})", *result)
        if args.paired and split.described:
            paired_descriptions(split, DENSE_WEIGHT, lexical)
        if args.routed:
            result = score_routed(split, DENSE_WEIGHT, lexical)
            row(split.name, "**disproof default**: e5+tfidf, unseen languages → e5", *result)
        if args.skip_e5:
            continue
        result = score(split, e5_features(), embedded, args.calibrate_on_target)
        row(split.name, f"e5 title+lead + LR (l2={args.l2:g})", *result)


def row(split: str, system: str, coarse: float, fine: float, seconds: float) -> None:
    print(f"| {split} | {system} | {coarse:.3f} | {fine:.3f} | {seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
