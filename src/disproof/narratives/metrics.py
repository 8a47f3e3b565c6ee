"""Samples-averaged F1, the SemEval-2025 Task 10 (subtask 2) measure.

For each document the F1 of its predicted label set against its gold set is
``2 · |gold ∩ predicted| / (|gold| + |predicted|)``; the score is the mean over documents.
``"Other"`` is a label like any other (a document annotated ``Other`` and predicted ``Other``
scores 1). A document with both sets empty scores 1, one with exactly one empty set 0.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt

BoolMatrix = npt.NDArray[np.bool_]


def samples_f1_rows(gold: BoolMatrix, predicted: BoolMatrix) -> npt.NDArray[np.float64]:
    """Per-document F1 of two ``(documents, labels)`` boolean matrices."""
    if gold.shape != predicted.shape:
        raise ValueError(f"shapes differ: {gold.shape} and {predicted.shape}")
    both = (gold & predicted).sum(axis=1).astype(np.float64)
    sizes = gold.sum(axis=1) + predicted.sum(axis=1)
    out = np.ones(len(gold))
    np.divide(2.0 * both, sizes, out=out, where=sizes > 0)
    return out


def samples_f1_matrix(gold: BoolMatrix, predicted: BoolMatrix) -> float:
    """Samples-averaged F1 of two boolean label matrices (0.0 for no documents)."""
    return float(samples_f1_rows(gold, predicted).mean()) if len(gold) else 0.0


def samples_f1(gold: Sequence[Collection[str]], predicted: Sequence[Collection[str]]) -> float:
    """Samples-averaged F1 of label sets, one gold and one predicted set per document."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold and {len(predicted)} predicted label sets")
    if not gold:
        return 0.0
    scores = []
    for truth, guess in zip(gold, predicted, strict=True):
        truth_set, guess_set = set(truth), set(guess)
        size = len(truth_set) + len(guess_set)
        scores.append(2 * len(truth_set & guess_set) / size if size else 1.0)
    return sum(scores) / len(scores)
