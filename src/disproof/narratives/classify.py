"""Multi-label, two-level narrative classification over document embeddings.

One logistic regression per label (one vs rest, L2, class-weighted; :mod:`.logistic`) over the
document vectors of :mod:`.chunks`, for narratives (coarse), subnarratives (fine) and ``Other``
(no narrative) alike. Nothing is cut at 0.5: :func:`train` scores every training document with
models fitted on the other folds (cross-validation), fits a :class:`.decide.Platt` curve per level
on those out-of-fold logits, so scores are calibrated probabilities, and the decision
(:func:`.decide.decide`) picks, per document, the label sets with the highest expected
samples-F1, consistent across the two levels, ``Other`` when that is the better bet.

A model is a folder of plain files — ``weights.npy`` ``(dim, labels + 1)`` (the last column is
``Other``), ``bias.npy``, ``labels.json``, ``calibration.json``, ``meta.json`` — with no pickle;
it belongs to the embedder whose ``model_id`` it records and refuses to load for another.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from disproof.errors import DisproofError
from disproof.io.base import read_json_object
from disproof.narratives.decide import Calibration, Decision, Platt, decide
from disproof.narratives.design import Design
from disproof.narratives.logistic import INTERCEPT_SCALING, dual_bias, fit_dual, fit_one_vs_rest

OTHER = "Other"
FORMAT = "disproof-narrative-model"
VERSION = 3
Array = npt.NDArray[np.float64]
#: A model's input rows: dense features, or a dense and a sparse block side by side.
Rows = npt.NDArray[np.floating] | Design
#: Called with (fits done, fits in all) while training.
FitProgress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class LabelScore:
    """A predicted label and its probability-like score (0–1)."""

    label: str
    score: float


@dataclass(frozen=True, slots=True)
class NarrativePrediction:
    """What one document is predicted to advance, at both levels (``Other`` when nothing)."""

    narratives: tuple[LabelScore, ...]
    subnarratives: tuple[LabelScore, ...]


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    """L2 strength, cross-validation folds and seed, standardisation of the features."""

    l2: float = 100.0  # best of 10 and 100 on the EN held-out split (docs/benchmarks.md)
    folds: int = 5
    seed: int = 13
    standardize: bool = True


@dataclass(frozen=True)
class NarrativeModel:
    """Label columns (narratives, subnarratives, then ``Other``), weights, biases and the
    calibration of their logits."""

    narratives: tuple[str, ...]
    subnarratives: tuple[str, ...]
    parents: npt.NDArray[np.intp]
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    calibration: Calibration
    meta: dict[str, Any] = field(default_factory=dict)

    def logits(self, vectors: Rows) -> Array:
        """The regressions' raw scores, ``(documents, narratives + subnarratives + 1)``."""
        if isinstance(vectors, Design):
            return vectors.dot(self.weights) + self.bias
        out: Array = np.asarray(vectors, np.float64) @ self.weights.astype(np.float64) + self.bias
        return out

    def scores(self, vectors: Rows) -> Array:
        """Calibrated probabilities, ``(documents, narratives + subnarratives + 1)``, the last
        column that of ``Other``."""
        return calibrated(self.logits(vectors), len(self.narratives), self.calibration)

    def decide(self, vectors: Rows) -> tuple[Decision, Array]:
        """Boolean predictions (``Other`` as last column of each level) and the scores."""
        scores = self.scores(vectors)
        return self.decide_scores(scores), scores

    def decide_scores(self, scores: Array) -> Decision:
        """Boolean predictions from probabilities (as :meth:`scores` gives them)."""
        k = len(self.narratives)
        return decide(scores[:, :k], scores[:, k:-1], scores[:, -1], self.parents)

    def predict(self, vectors: Rows) -> list[NarrativePrediction]:
        """Predicted labels with their scores, best first, for each row of ``vectors``."""
        return self.predict_scores(self.scores(vectors))

    def predict_scores(self, scores: Array) -> list[NarrativePrediction]:
        """Predicted labels with their scores, best first, from probabilities."""
        decision = self.decide_scores(scores)
        k = len(self.narratives)
        out = []
        for row in range(len(scores)):
            other = LabelScore(OTHER, round(float(scores[row, -1]), 4))
            coarse = _chosen(self.narratives, scores[row, :k], decision.coarse[row, :-1])
            fine = _chosen(self.subnarratives, scores[row, k:-1], decision.fine[row, :-1])
            out.append(NarrativePrediction(coarse or (other,), fine or (other,)))
        return out


def calibrated(logits: Array, n_coarse: int, calibration: Calibration) -> Array:
    """Probabilities from logits ``(documents, narratives + subnarratives + 1)``."""
    return np.column_stack(
        [
            calibration.narratives.apply(logits[:, :n_coarse]),
            calibration.subnarratives.apply(logits[:, n_coarse:-1]),
            calibration.other.apply(logits[:, -1]),
        ]
    )


def _chosen(
    labels: Sequence[str], scores: Array, mask: npt.NDArray[np.bool_]
) -> tuple[LabelScore, ...]:
    picked = [LabelScore(labels[int(i)], round(float(scores[i]), 4)) for i in np.flatnonzero(mask)]
    return tuple(sorted(picked, key=lambda item: -item.score))


def semeval_parent(label: str) -> str:
    """The narrative of a SemEval subnarrative label: everything before its last ``": "``."""
    return label.rsplit(": ", 1)[0]


def _label_space(
    narratives: Sequence[Collection[str]],
    subnarratives: Sequence[Collection[str]],
    parent_of: Callable[[str], str],
) -> tuple[tuple[str, ...], tuple[str, ...], npt.NDArray[np.intp]]:
    fine = sorted({label for labels in subnarratives for label in labels} - {OTHER})
    coarse = sorted(
        ({label for labels in narratives for label in labels} | {parent_of(f) for f in fine})
        - {OTHER}
    )
    index = {label: i for i, label in enumerate(coarse)}
    return tuple(coarse), tuple(fine), np.array([index[parent_of(f)] for f in fine], np.intp)


def _targets(sets: Sequence[Collection[str]], labels: Sequence[str]) -> npt.NDArray[np.bool_]:
    index = {label: i for i, label in enumerate(labels)}
    out = np.zeros((len(sets), len(labels) + 1), dtype=bool)
    for row, labels_of_row in enumerate(sets):
        for label in labels_of_row:
            if label in index:
                out[row, index[label]] = True
        out[row, -1] = not out[row, :-1].any()
    return out


def gold_decision(
    narratives: Sequence[Collection[str]],
    subnarratives: Sequence[Collection[str]],
    model_labels: tuple[tuple[str, ...], tuple[str, ...], npt.NDArray[np.intp]],
) -> Decision:
    """Gold labels as boolean matrices over a label space (parents of gold fine labels added)."""
    coarse_labels, fine_labels, parents = model_labels
    fine = _targets(subnarratives, fine_labels)
    coarse = _targets(narratives, coarse_labels)
    for j, parent in enumerate(parents):
        coarse[fine[:, j], parent] = True
    coarse[:, -1] = ~coarse[:, :-1].any(axis=1)
    fine[:, -1] = ~fine[:, :-1].any(axis=1)
    return Decision(coarse, fine)


def _fit(x: Array, targets: npt.NDArray[np.bool_], options: TrainingOptions) -> tuple[Array, Array]:
    """Weights and biases on raw features (standardisation, when used, folded in)."""
    if not options.standardize:
        return fit_one_vs_rest(x, targets, options.l2)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    weights, bias = fit_one_vs_rest((x - mean) / scale, targets, options.l2)
    weights = weights / scale[:, None]
    return weights, bias - mean @ weights


def folds_of(n: int, folds: int, seed: int) -> npt.NDArray[np.intp]:
    """A fold number for each of ``n`` rows, shuffled by ``seed``, sizes within one."""
    order = np.random.default_rng(seed).permutation(n)
    out = np.empty(n, dtype=np.intp)
    out[order] = np.arange(n) % folds
    return out


def fit_out_of_fold(
    vectors: Rows,
    targets: npt.NDArray[np.bool_],
    fold: npt.NDArray[np.intp],
    options: TrainingOptions,
    progress: FitProgress | None = None,
) -> tuple[Array, Array, Array]:
    """Weights and biases fitted on all rows, and each row's logits from the fit that did not
    see it (rows of fold ``-1`` are in every fit and get zeros)."""
    n = len(vectors)
    out_of_fold = np.zeros(targets.shape)
    report = progress or (lambda done, total: None)
    design = vectors if isinstance(vectors, Design) else None
    x = None if design is not None else np.asarray(vectors, np.float64)
    if x is not None and not options.standardize and x.shape[1] + 1 > n:
        design = Design(x)
    if design is not None:
        # the row space: one (augmented) Gram matrix; a fold's is the block of its rows
        gram = design.gram() + INTERCEPT_SCALING**2
        for k in range(options.folds):
            fit_rows, held = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            alpha, constant = fit_dual(
                gram[np.ix_(fit_rows, fit_rows)], targets[fit_rows], options.l2
            )
            out_of_fold[held] = gram[np.ix_(held, fit_rows)] @ alpha + constant
            report(k + 1, options.folds + 1)
        alpha, constant = fit_dual(gram, targets, options.l2)
        weights, bias = design.transpose_dot(alpha), dual_bias(alpha, constant)
    else:
        assert x is not None
        for k in range(options.folds):
            weights, bias = _fit(x[fold != k], targets[fold != k], options)
            out_of_fold[fold == k] = x[fold == k] @ weights + bias
            report(k + 1, options.folds + 1)
        weights, bias = _fit(x, targets, options)
    report(options.folds + 1, options.folds + 1)
    return weights, bias, out_of_fold


def train(
    vectors: Rows,
    narratives: Sequence[Collection[str]],
    subnarratives: Sequence[Collection[str]],
    *,
    parent_of: Callable[[str], str] = semeval_parent,
    options: TrainingOptions = TrainingOptions(),
    meta: dict[str, Any] | None = None,
    calibrate_on: npt.NDArray[np.bool_] | None = None,
    described: npt.NDArray[np.bool_] | None = None,
    progress: FitProgress | None = None,
) -> NarrativeModel:
    """Fit every label and ``Other`` on ``vectors``, calibrating by cross-validation.

    ``narratives`` / ``subnarratives`` hold each document's labels (``"Other"`` or nothing for
    none); ``parent_of`` names a subnarrative's narrative. ``calibrate_on`` (a row mask) limits
    calibration to some documents, e.g. those of the language to be classified, whose share of
    ``Other`` may differ from the rest; all rows are always used to fit the weights.
    ``described`` marks rows written from the taxonomy (:mod:`.descriptions`), not documents:
    they are fitted in every fold and never scored or calibrated on. A :class:`.design.Design`
    (or any matrix of more columns than rows, when not standardised) is fitted in the row space,
    on one Gram matrix shared by all folds. ``progress`` hears of each of the ``folds + 1`` fits.
    """
    n = len(vectors)
    if n != len(narratives) or n != len(subnarratives):
        raise DisproofError("vectors and label sets differ in length")
    fixed = np.zeros(n, bool) if described is None else np.asarray(described, bool)
    documents = int((~fixed).sum())
    if documents < 2 * options.folds:
        raise DisproofError(
            f"need at least {2 * options.folds} documents to train, got {documents}"
        )
    space = _label_space(narratives, subnarratives, parent_of)
    coarse_labels, fine_labels, parents = space
    gold = gold_decision(narratives, subnarratives, space)
    if not coarse_labels:
        raise DisproofError("no narrative labels to learn: every document is 'Other'")
    targets = np.column_stack([gold.coarse[:, :-1], gold.fine[:, :-1], gold.coarse[:, -1]])
    fold = np.full(n, -1, np.intp)  # -1: in every fold's training rows
    fold[~fixed] = folds_of(documents, options.folds, options.seed)
    weights, bias, out_of_fold = fit_out_of_fold(vectors, targets, fold, options, progress)
    n_coarse = len(coarse_labels)
    rows = ~fixed if calibrate_on is None else calibrate_on & ~fixed
    logits, gold_rows = out_of_fold[rows], targets[rows]
    calibration = Calibration(
        narratives=Platt.fit(logits[:, :n_coarse], gold_rows[:, :n_coarse]),
        subnarratives=Platt.fit(logits[:, n_coarse:-1], gold_rows[:, n_coarse:-1]),
        other=Platt.fit(logits[:, -1], gold_rows[:, -1]),
    )
    info = {
        "documents": documents,
        "taxonomy_texts": n - documents,
        "l2": options.l2,
        "folds": options.folds,
        **(meta or {}),
    }
    return NarrativeModel(
        coarse_labels,
        fine_labels,
        parents,
        weights.astype(np.float32),
        bias.astype(np.float32),
        calibration,
        info,
    )


def save_model(model: NarrativeModel, folder: Path) -> None:
    """Write the model's files into ``folder`` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "weights.npy", model.weights)
    np.save(folder / "bias.npy", model.bias)
    parents = {
        f: model.narratives[p] for f, p in zip(model.subnarratives, model.parents, strict=True)
    }
    labels = {
        "narratives": list(model.narratives),
        "subnarratives": list(model.subnarratives),
        "parents": parents,
    }
    calibration = {
        "narratives": model.calibration.narratives.as_dict(),
        "subnarratives": model.calibration.subnarratives.as_dict(),
        OTHER: model.calibration.other.as_dict(),
    }
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "dim": int(model.weights.shape[0]),
        "saved": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **model.meta,
    }
    for name, content in (("labels", labels), ("calibration", calibration), ("meta", meta)):
        (folder / f"{name}.json").write_text(
            json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def _read_json(path: Path) -> dict[str, Any]:
    return read_json_object(path, "narrative model")


def load_model(folder: Path, model_id: str | None = None) -> NarrativeModel:
    """The model saved in ``folder``; refuses one trained on another embedder than ``model_id``."""
    meta = _read_json(folder / "meta.json")
    if meta.get("format") == FORMAT and meta.get("version") in (1, 2):
        what = {1: "per-label thresholds", 2: "TF-IDF rows of unit length"}[meta["version"]]
        raise DisproofError(
            f"{folder}: a narrative model of version {meta['version']} ({what}), which this "
            f"disproof no longer reads; retrain it (version {VERSION})"
        )
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise DisproofError(
            f"{folder}: not a narrative model of version {VERSION} "
            f"(format {meta.get('format')!r}, version {meta.get('version')!r})"
        )
    if model_id is not None and meta.get("model_id") != model_id:
        raise DisproofError(
            f"{folder}: built with embedder {meta.get('model_id')!r}, not {model_id!r}; "
            "retrain it with this embedder"
        )
    labels = _read_json(folder / "labels.json")
    curves = _read_json(folder / "calibration.json")
    try:
        weights = np.load(folder / "weights.npy", allow_pickle=False)
        bias = np.load(folder / "bias.npy", allow_pickle=False)
        coarse = tuple(str(x) for x in labels["narratives"])
        fine = tuple(str(x) for x in labels["subnarratives"])
        index = {label: i for i, label in enumerate(coarse)}
        parents = np.array([index[labels["parents"][f]] for f in fine], np.intp)
        calibration = Calibration(
            *(
                Platt(float(curves[level]["slope"]), float(curves[level]["intercept"]))
                for level in ("narratives", "subnarratives", OTHER)
            )
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DisproofError(f"{folder}: incomplete or inconsistent narrative model: {exc}") from exc
    if weights.shape != (meta.get("dim"), len(coarse) + len(fine) + 1) or bias.shape != (
        weights.shape[1],
    ):
        raise DisproofError(f"{folder}: weights {weights.shape} do not fit the labels and dim")
    kept = {k: v for k, v in meta.items() if k not in ("format", "version", "dim", "saved")}
    return NarrativeModel(
        coarse,
        fine,
        parents,
        weights.astype(np.float32),
        bias.astype(np.float32),
        calibration,
        kept,
    )
