"""Keyword suggestion on the EUvsDisinfo case index: a temporal split, baselines and the model.

    python -m benchmarks.keywords_data     # once: import the case index, cache the e5 vectors
    python -m benchmarks.keywords          # test: train on 2015–2018, score the 2019 cases
    python -m benchmarks.keywords --dev    # choose: three rolling half-year windows inside
                                           # 2015–2018, each trained on what precedes it
    python -m benchmarks.keywords --rolling  # 2019 by quarters, each trained on every earlier
                                             # case (retraining as the database grows)

Every system is :func:`disproof.keywords.train` with other scorers, so all share the label set
(keywords of ``--min-count`` training cases), the threshold calibration (on the newest 10 % of
their training cases) and the decision rule. Gold keywords outside the label set count as misses.
The text is the case's title (the case index has no summaries). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from benchmarks.keywords_data import DB, load_cases, text_vectors
from disproof.embed import load_embedder
from disproof.keywords import KeywordOptions, LabelledText, case_text, train
from disproof.keywords.calibrate import decide
from disproof.keywords.metrics import Report, macro_f1, report
from disproof.keywords.scorers import Features
from disproof.keywords.train import analyse
from disproof.models import Case
from disproof.normalize import keyword_key

TRAIN_UNTIL = dt.date(2018, 12, 31)
TEST_YEAR = 2019
#: The systems compared: name → the scorers blended and whether names raise scores. Only the
#: last, disproof, uses the method's time-aware options (recency weights, name-only keywords);
#: the others are the plain scorers, TF-IDF + LR the standard baseline.
SYSTEMS: dict[str, tuple[tuple[str, ...], bool]] = {
    "most frequent keywords": (("prior",), False),
    "TF-IDF + LR": (("tfidf",), False),
    "kNN e5": (("knn",), False),
    "linear e5": (("linear",), False),
    "linear e5 + kNN e5": (("linear", "knn"), False),
    "TF-IDF + linear e5 + kNN e5": (("tfidf", "linear", "knn"), False),
    "combination (+ names): disproof": (("tfidf", "linear", "knn"), True),
}
DISPROOF = "combination (+ names): disproof"


@dataclass(frozen=True)
class Split:
    name: str
    train: list[Case]
    test: list[Case]


#: The development windows: half-years inside the training years, each scored by a model
#: trained on every earlier case (hyperparameters and scorers were chosen on their mean).
DEV_WINDOWS = (
    (dt.date(2017, 7, 1), dt.date(2017, 12, 31)),
    (dt.date(2018, 1, 1), dt.date(2018, 6, 30)),
    (dt.date(2018, 7, 1), dt.date(2018, 12, 31)),
)


#: The test year by quarters, for the rolling evaluation.
TEST_QUARTERS = (
    (dt.date(TEST_YEAR, 1, 1), dt.date(TEST_YEAR, 3, 31)),
    (dt.date(TEST_YEAR, 4, 1), dt.date(TEST_YEAR, 6, 30)),
    (dt.date(TEST_YEAR, 7, 1), dt.date(TEST_YEAR, 9, 30)),
    (dt.date(TEST_YEAR, 10, 1), dt.date(TEST_YEAR, 12, 31)),
)


def splits(cases: list[Case], dev: bool, rolling: bool = False) -> list[Split]:
    """The test split (train ≤ 2018, score 2019), the development windows, or 2019 by quarters
    with every earlier case trained on (``rolling``)."""
    labelled = [c for c in cases if c.keywords and c.date]
    if dev or rolling:
        return [
            Split(
                f"{first}..{last}",
                [c for c in labelled if c.date and c.date < first],
                [c for c in labelled if c.date and first <= c.date <= last],
            )
            for first, last in (TEST_QUARTERS if rolling else DEV_WINDOWS)
        ]
    return [
        Split(
            f"test {TEST_YEAR}",
            [c for c in labelled if c.date and c.date <= TRAIN_UNTIL],
            [c for c in labelled if c.date and c.date.year == TEST_YEAR],
        )
    ]


def gold(cases: list[Case], labels: tuple[str, ...]) -> tuple[npt.NDArray[np.bool_], np.ndarray]:
    column = {keyword_key(label): i for i, label in enumerate(labels)}
    matrix = np.zeros((len(cases), len(labels)), dtype=bool)
    counts = np.zeros(len(cases), dtype=np.int64)
    for row, case in enumerate(cases):
        keys = {keyword_key(k) for k in case.keywords}
        counts[row] = len(keys)
        for key in keys:
            if key in column:
                matrix[row, column[key]] = True
    return matrix, counts


def evaluate(
    split: Split, vectors: dict[str, np.ndarray], options: KeywordOptions
) -> tuple[Report, float, int]:
    items = [LabelledText(case_text(c), tuple(c.keywords), c.date) for c in split.train]
    train_vectors = (
        np.stack([vectors[c.id] for c in split.train]) if options.needs_vectors else None
    )
    start = time.perf_counter()
    model = train(items, train_vectors, options, model_id="benchmark")
    seconds = time.perf_counter() - start
    texts = [case_text(c) for c in split.test]
    test_vectors = np.stack([vectors[c.id] for c in split.test]) if options.needs_vectors else None
    features = Features(analyse(texts), test_vectors)
    scores = model.scores(features)
    predicted = decide(scores, model.thresholds, top=10)
    truth, counts = gold(split.test, model.labels)
    # macro-F1 over the learnt keywords, the label set every system shares
    learnt = model.learnt_count
    measured = replace(
        report(truth, predicted, scores, counts),
        macro_f1=macro_f1(truth[:, :learnt], predicted[:, :learnt]),
    )
    return measured, seconds, len(model.labels)


def overrides(pairs: list[str]) -> dict[str, object]:
    """``name=value`` pairs as KeywordOptions fields, each value typed like the default."""
    defaults = KeywordOptions()
    out: dict[str, object] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        default = getattr(defaults, name)
        kind = type(default)
        if value.lower() == "none":
            out[name] = None
        elif default is None:
            out[name] = int(value)
        elif kind is bool:
            out[name] = value.lower() in ("1", "true", "yes")
        else:
            out[name] = tuple(value.split(",")) if kind is tuple else kind(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", action="store_true", help="score inside the training years")
    parser.add_argument(
        "--rolling",
        action="store_true",
        help="score 2019 by quarters, each with a model trained on every earlier case",
    )
    parser.add_argument("--min-count", type=int, default=KeywordOptions().min_count)
    parser.add_argument("--backend", default="e5", help="embedder of the e5 rows (e5, use)")
    parser.add_argument("--only", nargs="*", help="systems whose name contains one of these")
    parser.add_argument(
        "--set", nargs="*", default=[], help="option overrides, e.g. linear_l2=0.3 neighbours=50"
    )
    args = parser.parse_args()
    cases = load_cases(DB)
    embedder, _ = load_embedder(args.backend, fallback=False)
    matrix = text_vectors(embedder, [case_text(c) for c in cases])
    vectors = {c.id: matrix[i] for i, c in enumerate(cases)}
    chosen = splits(cases, args.dev, args.rolling)
    windowed = args.dev or args.rolling
    for split in chosen:
        print(f"{split.name}: {len(split.train)} training cases, {len(split.test)} scored")
    print(f"embeddings: {embedder.model_id}")
    print()
    if windowed:
        print("mean of the windows; micro-F1 per window in the last column")
        print()
    print(
        "| system | micro-F1 | macro-F1 | samples-F1 | P@1 | P@3 | keywords/case | train s |"
        + (" windows |" if windowed else "")
    )
    print("|---|---|---|---|---|---|---|---|" + ("---|" if windowed else ""))
    base = replace(KeywordOptions(min_count=args.min_count), **overrides(args.set))
    if args.set:
        print(f"options: {' '.join(args.set)}")
        print()
    for name, (blend, names) in SYSTEMS.items():
        if args.only and not any(part.lower() in name.lower() for part in args.only):
            continue
        options = replace(base, blend=blend, names=names)
        if name != DISPROOF:
            options = replace(options, half_life_days=None, name_only=False)
        runs = [evaluate(split, vectors, options) for split in chosen]
        mean = {
            field: float(np.mean([getattr(r, field) for r, _, _ in runs]))
            for field in Report.__dataclass_fields__
        }
        seconds = float(np.mean([s for _, s, _ in runs]))
        windows = " / ".join(f"{r.micro_f1:.3f}" for r, _, _ in runs)
        print(
            f"| {name} | {mean['micro_f1']:.3f} | {mean['macro_f1']:.3f} "
            f"| {mean['samples_f1']:.3f} | {mean['p_at_1']:.3f} | {mean['p_at_3']:.3f} "
            f"| {mean['predicted_per_text']:.2f} | {seconds:.0f} |"
            + (f" {windows} |" if windowed else ""),
            flush=True,
        )
    print()
    for split in chosen:
        golds = np.mean([len({keyword_key(k) for k in c.keywords}) for c in split.test])
        print(f"{split.name}: {golds:.2f} gold keywords per case")


if __name__ == "__main__":
    main()
