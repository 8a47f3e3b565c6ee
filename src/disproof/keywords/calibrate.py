"""From keyword scores to predicted keywords, and the thresholds that maximise micro-F1.

:func:`decide` is the decision rule: a keyword is predicted when its score reaches its threshold
(at most ``top`` per text, the best first); a text with none gets its best-scored keyword alone
if that score reaches the ``floor``, else nothing.

:func:`calibrate` chooses the thresholds on scores of texts the scorers did not learn from (the
most recent cases, held out by date): first one global threshold, then, if asked, for keywords
with at least ``min_positives`` gold texts there, each keyword's own by coordinate ascent, then
the floor; every choice maximises micro-F1, the measure that counts each (text, keyword) decision
once. Keywords too rare for an own threshold keep the global one, which would otherwise fit noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from disproof.keywords.metrics import BoolMatrix, Counts

Scores = npt.NDArray[np.float64]
#: Candidate thresholds (and floors) tried by :func:`calibrate`.
GRID = np.round(np.arange(0.02, 0.951, 0.01), 3)
#: A floor no score reaches: never fall back to the best keyword.
NO_FLOOR = 1.01


@dataclass(frozen=True)
class Thresholds:
    """One threshold per label, the floor of the best-keyword fallback, and the global
    threshold the labels without one of their own share (None when not known: a loaded model
    keeps only the per-label values)."""

    per_label: Scores
    floor: float
    shared: float | None = None


def decide(scores: Scores, thresholds: Thresholds, top: int | None = None) -> BoolMatrix:
    """Predicted labels: those reaching their threshold (the ``top`` best), else the best one
    when it reaches the floor."""
    predicted = scores >= thresholds.per_label
    if top is not None and scores.shape[1] > top:
        best_first = np.argsort(-np.where(predicted, scores, -np.inf), axis=1, kind="stable")
        kept = np.zeros_like(predicted)
        np.put_along_axis(kept, best_first[:, :top], True, axis=1)
        predicted &= kept
    if scores.shape[1]:
        best = scores.argmax(axis=1)
        rows = np.flatnonzero(
            ~predicted.any(axis=1) & (scores[np.arange(len(scores)), best] >= thresholds.floor)
        )
        predicted[rows, best[rows]] = True
    return predicted


def _f1(hits: float, predicted: float, gold: float) -> float:
    total = predicted + gold
    return 2.0 * hits / total if total else 1.0


def calibrate(
    scores: Scores,
    gold: BoolMatrix,
    gold_counts: Counts | None = None,
    *,
    min_positives: int | None = 5,
    eligible: npt.NDArray[np.bool_] | None = None,
    passes: int = 2,
) -> Thresholds:
    """Thresholds and floor maximising micro-F1 of :func:`decide` on held-out ``scores``.

    ``gold_counts`` counts each text's gold keywords in all, those outside the label set too.
    Only ``eligible`` labels (default: all) with ``min_positives`` gold texts get their own
    threshold; with ``min_positives=None`` every label keeps the global one.
    """
    counts = gold.sum(axis=1) if gold_counts is None else np.asarray(gold_counts)
    n_gold = float(counts.sum())
    # global threshold: hits and predictions at each grid value, for all labels at once
    per_value = [(float((gold & (scores >= t)).sum()), float((scores >= t).sum())) for t in GRID]
    best = int(np.argmax([_f1(h, p, n_gold) for h, p in per_value]))
    thresholds = np.full(scores.shape[1], GRID[best])
    predicted = scores >= thresholds
    hits = (gold & predicted).sum(axis=0).astype(np.float64)
    made = predicted.sum(axis=0).astype(np.float64)
    enough = gold.sum(axis=0) >= (min_positives if min_positives is not None else len(gold) + 1)
    own = np.flatnonzero(enough if eligible is None else enough & eligible)
    for _ in range(passes):
        changed = False
        for label in own:
            column, truth = scores[:, label], gold[:, label]
            other_hits, other_made = hits.sum() - hits[label], made.sum() - made[label]
            label_hits = np.array([(truth & (column >= t)).sum() for t in GRID], np.float64)
            label_made = np.array([(column >= t).sum() for t in GRID], np.float64)
            f1 = [
                _f1(other_hits + h, other_made + m, n_gold)
                for h, m in zip(label_hits, label_made, strict=True)
            ]
            current = _f1(other_hits + hits[label], other_made + made[label], n_gold)
            choice = int(np.argmax(f1))
            if f1[choice] > current + 1e-12:
                thresholds[label] = GRID[choice]
                hits[label], made[label] = label_hits[choice], label_made[choice]
                changed = True
        if not changed:
            break
    floors = [*GRID.tolist(), NO_FLOOR]
    f1_floor = []
    for floor in floors:
        decided = decide(scores, Thresholds(thresholds, floor))
        f1_floor.append(_f1(float((gold & decided).sum()), float(decided.sum()), n_gold))
    return Thresholds(thresholds, floors[int(np.argmax(f1_floor))], float(GRID[best]))
