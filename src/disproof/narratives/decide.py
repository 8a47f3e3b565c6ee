"""From label scores to a consistent, two-level prediction: calibrated probabilities and the label
sets that maximise the expected samples-F1.

**Calibration.** The one-vs-rest regressions are class-weighted, so their raw scores over-rate
rare labels and are not probabilities. :class:`Platt` maps logits to probabilities with a
logistic curve fitted on out-of-fold logits (Platt scaling), one curve per level: narratives,
subnarratives, and ``Other`` (a document with no narrative, which has a regression of its own).

**Decision** (:func:`decide`). Samples-F1 scores each document by
``2 · |gold ∩ predicted| / (|gold| + |predicted|)``, so the best prediction depends on the whole
set, not on each label alone. With calibrated probabilities ``p`` the expected F1 of predicting
the ``m`` most probable narratives is approximately ``2 · (p₁ + … + pₘ) / (m + E|gold|)``, where
``E|gold| = p(Other) + Σ p`` (the plug-in approximation of the expected-F1 decision); that of
predicting ``Other`` is ``p(Other)``. Each document gets the best of these sets. Subnarratives are
only predicted under a predicted narrative: the most probable child of each, and then further
children, most probable first, as long as the expected F1 of the subnarrative set grows. A
document with no narrative is ``Other`` at both levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from disproof.narratives.logistic import fit_binary, sigmoid

Scores = npt.NDArray[np.float64]
BoolMatrix = npt.NDArray[np.bool_]
#: The (tiny) L2 penalty of a Platt curve: keeps it finite when the scores separate perfectly.
PLATT_L2 = 1e-3


@dataclass(frozen=True, slots=True)
class Decision:
    """Boolean predictions: narratives and subnarratives, with ``Other`` as the last column."""

    coarse: BoolMatrix
    fine: BoolMatrix


@dataclass(frozen=True, slots=True)
class Platt:
    """A logistic curve from a regression's logit to a calibrated probability."""

    slope: float = 1.0
    intercept: float = 0.0

    @classmethod
    def fit(cls, logits: Scores, targets: npt.NDArray[np.bool_]) -> Platt:
        """The curve that maximises the likelihood of ``targets`` given ``logits`` (any shape,
        pooled): unweighted, so the probabilities follow the labels' real frequencies."""
        y = np.asarray(targets, np.float64).ravel()
        z = np.asarray(logits, np.float64).ravel()
        if len(y) == 0:
            return cls()
        slope, intercept = fit_binary(z[:, None], y, PLATT_L2, balanced=False)
        return cls(float(slope[0]), intercept)

    def apply(self, logits: Scores) -> Scores:
        return sigmoid(self.slope * np.asarray(logits, np.float64) + self.intercept)

    def as_dict(self) -> dict[str, float]:
        return {"slope": self.slope, "intercept": self.intercept}


@dataclass(frozen=True, slots=True)
class Calibration:
    """One :class:`Platt` curve per level: narratives, subnarratives and ``Other``."""

    narratives: Platt = Platt()
    subnarratives: Platt = Platt()
    other: Platt = Platt()


def decide(coarse: Scores, fine: Scores, other: Scores, parents: npt.NDArray[np.intp]) -> Decision:
    """The expected-F1 decision (module docstring) from calibrated probabilities: ``coarse``
    ``(n, narratives)``, ``fine`` ``(n, subnarratives)``, ``other`` ``(n,)``;
    ``parents[j]`` is the narrative column of subnarrative ``j``."""
    n, k = coarse.shape
    chosen = np.zeros((n, k), dtype=bool)
    if k:
        order = np.argsort(-coarse, axis=1, kind="stable")
        ranked = np.take_along_axis(coarse, order, axis=1)
        expected_size = other + coarse.sum(axis=1)
        gain = 2.0 * np.cumsum(ranked, axis=1) / (np.arange(1, k + 1) + expected_size[:, None])
        best = np.argmax(gain, axis=1)
        advances = gain[np.arange(n), best] > other
        keep = (np.arange(k) <= best[:, None]) & advances[:, None]
        np.put_along_axis(chosen, order, keep, axis=1)
    fine_chosen = _subnarratives(chosen, fine, other, parents)
    is_other = ~chosen.any(axis=1)
    return Decision(np.column_stack([chosen, is_other]), np.column_stack([fine_chosen, is_other]))


def _subnarratives(
    chosen: BoolMatrix, fine: Scores, other: Scores, parents: npt.NDArray[np.intp]
) -> BoolMatrix:
    out = np.zeros(fine.shape, dtype=bool)
    if fine.shape[1] == 0:
        return out
    expected_size = other + fine.sum(axis=1)
    for row in np.flatnonzero(chosen.any(axis=1)):
        allowed = np.flatnonzero(chosen[row, parents])
        if len(allowed) == 0:
            continue
        p = fine[row]
        by_probability = allowed[np.argsort(-p[allowed], kind="stable")]
        # the first (most probable) child of each predicted narrative is always taken
        _, first = np.unique(parents[by_probability], return_index=True)
        forced = by_probability[first]
        rest = np.setdiff1d(by_probability, forced, assume_unique=True)
        rest = rest[np.argsort(-p[rest], kind="stable")]
        base = float(p[forced].sum())
        taken = forced
        if len(rest):
            sizes = len(forced) + np.arange(1, len(rest) + 1)
            gain = 2.0 * (base + np.cumsum(p[rest])) / (sizes + expected_size[row])
            best = int(np.argmax(gain))
            if gain[best] > 2.0 * base / (len(forced) + expected_size[row]):
                taken = np.concatenate([forced, rest[: best + 1]])
        out[row, taken] = True
    return out
