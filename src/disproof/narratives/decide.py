"""From label scores to a consistent, two-level prediction, and thresholds that maximise F1.

:func:`decide` is the decision rule. A narrative (coarse label) is predicted when its score
reaches its threshold. Subnarratives (fine labels) are only predicted under a predicted narrative:
those of its children that reach their thresholds, or else its best-scoring child, so every
predicted narrative has at least one subnarrative and every subnarrative its narrative. A document
with no narrative is ``Other`` at both levels.

:func:`calibrate` chooses the thresholds on out-of-fold scores: first one global threshold per
level, then, for labels with enough positive documents, each label's own by coordinate ascent,
always maximising samples-F1 of the whole decision (so thresholds account for ``Other`` and the
hierarchy). Fine thresholds are chosen with the coarse ones fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from disproof.narratives.metrics import BoolMatrix, samples_f1_matrix

Scores = npt.NDArray[np.float64]
#: Candidate thresholds tried by :func:`calibrate`.
GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)


@dataclass(frozen=True, slots=True)
class Decision:
    """Boolean predictions: narratives and subnarratives, with ``Other`` as the last column."""

    coarse: BoolMatrix
    fine: BoolMatrix


def decide(
    coarse_scores: Scores,
    fine_scores: Scores,
    coarse_thresholds: Scores,
    fine_thresholds: Scores,
    parents: npt.NDArray[np.intp],
) -> Decision:
    """Apply thresholds and the hierarchy; ``parents[j]`` is the narrative column of fine ``j``."""
    coarse = coarse_scores >= coarse_thresholds
    fine = (fine_scores >= fine_thresholds) & coarse[:, parents]
    for narrative in range(coarse.shape[1]):
        children = np.flatnonzero(parents == narrative)
        if len(children) == 0:
            continue
        missing = coarse[:, narrative] & ~fine[:, children].any(axis=1)
        rows = np.flatnonzero(missing)
        best = children[np.argmax(fine_scores[np.ix_(rows, children)], axis=1)]
        fine[rows, best] = True
    other = ~coarse.any(axis=1)
    return Decision(np.column_stack([coarse, other]), np.column_stack([fine, other]))


def _ascend(
    thresholds: Scores,
    labels: npt.NDArray[np.intp],
    evaluate: Callable[[Scores], float],
    passes: int,
) -> Scores:
    best = evaluate(thresholds)
    for _ in range(passes):
        improved = False
        for label in labels:
            keep = thresholds[label]
            for value in GRID:
                thresholds[label] = value
                score = evaluate(thresholds)
                if score > best + 1e-12:
                    best, keep, improved = score, value, True
            thresholds[label] = keep
        if not improved:
            break
    return thresholds


def _global(size: int, evaluate: Callable[[Scores], float]) -> Scores:
    scores = [(evaluate(np.full(size, value))) for value in GRID]
    return np.full(size, GRID[int(np.argmax(scores))])


def calibrate(
    coarse_scores: Scores,
    fine_scores: Scores,
    gold: Decision,
    parents: npt.NDArray[np.intp],
    *,
    min_positives: int = 8,
    passes: int = 2,
) -> tuple[Scores, Scores]:
    """Coarse and fine thresholds maximising samples-F1 of :func:`decide` against ``gold``.

    Labels with fewer than ``min_positives`` positive documents keep their level's global
    threshold: a threshold of their own would fit noise.
    """
    n_coarse, n_fine = coarse_scores.shape[1], fine_scores.shape[1]
    fine_probe = np.full(n_fine, 2.0)  # coarse calibration: fine choice does not matter

    def coarse_f1(thresholds: Scores) -> float:
        decision = decide(coarse_scores, fine_scores, thresholds, fine_probe, parents)
        return samples_f1_matrix(gold.coarse, decision.coarse)

    coarse_t = _global(n_coarse, coarse_f1)
    frequent = np.flatnonzero(gold.coarse[:, :n_coarse].sum(axis=0) >= min_positives)
    coarse_t = _ascend(coarse_t, frequent, coarse_f1, passes)

    def fine_f1(thresholds: Scores) -> float:
        decision = decide(coarse_scores, fine_scores, coarse_t, thresholds, parents)
        return samples_f1_matrix(gold.fine, decision.fine)

    fine_t = _global(n_fine, fine_f1)
    frequent = np.flatnonzero(gold.fine[:, :n_fine].sum(axis=0) >= min_positives)
    fine_t = _ascend(fine_t, frequent, fine_f1, passes)
    return coarse_t, fine_t
