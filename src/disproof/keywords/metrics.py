"""How good keyword predictions are: micro-, macro- and samples-F1, precision at k.

Predictions are a boolean ``(texts, labels)`` matrix over the model's labels; gold keywords may
include keywords the model does not know (too rare when it was trained, or newer), so each
function also takes ``gold_counts``, every text's number of gold keywords *in all*: a keyword
outside the label set is a miss like any other, and a model is not flattered by ignoring it.

* **micro-F1**: F1 of all (text, keyword) decisions pooled;
* **macro-F1**: mean F1 per label, over the labels that are gold or predicted at least once;
* **samples-F1**: mean F1 per text (a text with no gold and no prediction scores 1);
* **P@k**: mean share of gold keywords among each text's ``k`` best-scored labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BoolMatrix = npt.NDArray[np.bool_]
Counts = npt.NDArray[np.integer]
Scores = npt.NDArray[np.floating]


def _checked(gold: BoolMatrix, predicted: BoolMatrix, gold_counts: Counts | None) -> Counts:
    if gold.shape != predicted.shape:
        raise ValueError(f"shapes differ: {gold.shape} and {predicted.shape}")
    counts = gold.sum(axis=1) if gold_counts is None else np.asarray(gold_counts)
    if counts.shape != (len(gold),) or (counts < gold.sum(axis=1)).any():
        raise ValueError("gold_counts must count every text's gold keywords, known or not")
    return counts


def micro_f1(gold: BoolMatrix, predicted: BoolMatrix, gold_counts: Counts | None = None) -> float:
    counts = _checked(gold, predicted, gold_counts)
    hits = int((gold & predicted).sum())
    denominator = int(counts.sum()) + int(predicted.sum())
    return 2.0 * hits / denominator if denominator else 1.0


def macro_f1(gold: BoolMatrix, predicted: BoolMatrix) -> float:
    hits = (gold & predicted).sum(axis=0)
    sizes = gold.sum(axis=0) + predicted.sum(axis=0)
    used = sizes > 0
    return float(np.mean(2.0 * hits[used] / sizes[used])) if used.any() else 1.0


def samples_f1(gold: BoolMatrix, predicted: BoolMatrix, gold_counts: Counts | None = None) -> float:
    counts = _checked(gold, predicted, gold_counts)
    hits = (gold & predicted).sum(axis=1)
    sizes = counts + predicted.sum(axis=1)
    out = np.ones(len(gold))
    np.divide(2.0 * hits, sizes, out=out, where=sizes > 0)
    return float(out.mean()) if len(gold) else 1.0


def precision_at(gold: BoolMatrix, scores: Scores, k: int) -> float:
    """Mean share of gold labels among each text's ``k`` best-scored labels."""
    if not len(gold):
        return 0.0
    best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.take_along_axis(gold, best, axis=1).sum(axis=1).mean() / k)


@dataclass(frozen=True, slots=True)
class Report:
    """Every measure of one system on one set of texts."""

    micro_f1: float
    macro_f1: float
    samples_f1: float
    p_at_1: float
    p_at_3: float
    predicted_per_text: float


def report(
    gold: BoolMatrix, predicted: BoolMatrix, scores: Scores, gold_counts: Counts | None = None
) -> Report:
    return Report(
        micro_f1(gold, predicted, gold_counts),
        macro_f1(gold, predicted),
        samples_f1(gold, predicted, gold_counts),
        precision_at(gold, scores, 1),
        precision_at(gold, scores, 3),
        float(predicted.sum(axis=1).mean()) if len(gold) else 0.0,
    )
