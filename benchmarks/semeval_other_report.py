"""The table of ``python -m benchmarks.semeval_other --report``: samples-F1 of the saved logits
under each way of calibrating and deciding ``Other``; every variant learns only from the
training rows' out-of-fold logits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.semeval import taxonomy_documents
from disproof.narratives.classify import OTHER, _label_space, semeval_parent
from disproof.narratives.decide import Platt, decide
from disproof.narratives.logistic import fit_binary, sigmoid
from disproof.narratives.metrics import samples_f1

Array = npt.NDArray[np.float64]
Variant = Callable[[dict[str, Any]], Array]


def _platt(saved: dict[str, Any]) -> tuple[Array, Array, list[Platt]]:
    """Probabilities of the training rows (out of fold) and test rows under per-level curves."""
    k = int(saved["n_coarse"])
    rows = ~saved["fixed"]
    oof, targets = saved["oof"][rows], saved["targets"][rows]
    curves = [
        Platt.fit(oof[:, :k], targets[:, :k]),
        Platt.fit(oof[:, k:-1], targets[:, k:-1]),
        Platt.fit(oof[:, -1], targets[:, -1]),
    ]

    def apply(z: Array) -> Array:
        return np.column_stack(
            [curves[0].apply(z[:, :k]), curves[1].apply(z[:, k:-1]), curves[2].apply(z[:, -1])]
        )

    return apply(oof), apply(saved["test"]), curves


def gate_features(p: Array, z: Array, k: int) -> Array:
    """What a "has any narrative" model reads of a document's scores."""
    coarse = np.sort(p[:, :k], axis=1)[:, ::-1]
    fine = p[:, k:-1]
    none = np.sum(np.log1p(-np.clip(coarse, 0, 1 - 1e-9)), axis=1)
    return np.column_stack(
        [
            z[:, -1],
            _logit(coarse[:, 0]),
            _logit(coarse[:, 1]),
            _logit(fine.max(axis=1)),
            none,
        ]
    )


def _logit(p: Array) -> Array:
    q = np.clip(p, 1e-9, 1 - 1e-9)
    out: Array = np.log(q / (1 - q))
    return out


def gated(columns: list[int] | None = None, l2: float = 1e-2) -> Variant:
    def variant(saved: dict[str, Any]) -> Array:
        k = int(saved["n_coarse"])
        train_p, test_p, _ = _platt(saved)
        rows = ~saved["fixed"]
        f_train = gate_features(train_p, saved["oof"], k)[rows]
        f_test = gate_features(test_p, saved["test"], k)
        if columns is not None:
            f_train, f_test = f_train[:, columns], f_test[:, columns]
        mean, scale = f_train.mean(axis=0), f_train.std(axis=0) + 1e-9
        w, b = fit_binary((f_train - mean) / scale, saved["targets"][rows, -1], l2, balanced=False)
        out = test_p.copy()
        out[:, -1] = sigmoid(((f_test - mean) / scale) @ w + b)
        return out

    return variant


def language_prior(saved: dict[str, Any]) -> Array:
    """The Other curve with the test language's own offset (an upper bound: the language is
    the annotated one, and unseen languages would have none)."""
    k = int(saved["n_coarse"])
    train_p, test_p, curves = _platt(saved)
    rows = ~saved["fixed"]
    languages = saved["train_language"][rows]
    z = saved["oof"][rows, -1]
    codes = sorted(set(languages))
    one_hot = np.column_stack([languages == c for c in codes]).astype(float)
    x = np.column_stack([z, one_hot])
    w, b = fit_binary(x, saved["targets"][rows, -1], 1e-2, balanced=False)
    test_hot = np.column_stack([saved["test_language"] == c for c in codes]).astype(float)
    out = test_p.copy()
    out[:, -1] = sigmoid(np.column_stack([saved["test"][:, -1], test_hot]) @ w + b)
    del k, train_p, curves
    return out


def platt_on_target_language(saved: dict[str, Any]) -> Array:
    """All three curves fitted on the training rows of the test documents' language."""
    k = int(saved["n_coarse"])
    language = saved["test_language"][0]
    rows = (~saved["fixed"]) & (saved["train_language"] == language)
    oof, targets = saved["oof"][rows], saved["targets"][rows]
    curves = [
        Platt.fit(oof[:, :k], targets[:, :k]),
        Platt.fit(oof[:, k:-1], targets[:, k:-1]),
        Platt.fit(oof[:, -1], targets[:, -1]),
    ]
    z = saved["test"]
    return np.column_stack(
        [curves[0].apply(z[:, :k]), curves[1].apply(z[:, k:-1]), curves[2].apply(z[:, -1])]
    )


def other_scaled(factor: float) -> Variant:
    def variant(saved: dict[str, Any]) -> Array:
        p = _platt(saved)[1].copy()
        p[:, -1] = np.clip(p[:, -1] * factor, 0, 1)
        return p

    return variant


def coarse_from_fine(mode: str) -> Variant:
    def variant(saved: dict[str, Any]) -> Array:
        k = int(saved["n_coarse"])
        p = _platt(saved)[1].copy()
        parents = saved["parents"]
        for j in range(k):
            children = p[:, k:-1][:, parents == j]
            if children.shape[1] == 0:
                continue
            if mode == "max":
                p[:, j] = np.maximum(p[:, j], children.max(axis=1))
            elif mode == "mean":
                p[:, j] = (p[:, j] + children.max(axis=1)) / 2
        return p

    return variant


VARIANTS: dict[str, Variant] = {
    "Platt per level (shipped)": lambda saved: _platt(saved)[1],
    "gate: Other logit + top-2 narratives + best sub + P(none)": gated(),
    "gate: Other logit + best narrative": gated([0, 1]),
    "gate: Other logit + P(none)": gated([0, 4]),
    "Other curve with a language offset (annotated language)": language_prior,
    "curves fitted on the test language's training rows": platt_on_target_language,
    "p(Other) × 1.2": other_scaled(1.2),
    "p(Other) × 1.4": other_scaled(1.4),
    "p(Other) × 0.8": other_scaled(0.8),
    "narrative p = max(itself, best child)": coarse_from_fine("max"),
    "narrative p = mean(itself, best child)": coarse_from_fine("mean"),
}


def _f1(split: Any, p: Array, space: Any) -> tuple[float, float]:
    coarse_labels, fine_labels, parents = space
    k = len(coarse_labels)
    decision = decide(p[:, :k], p[:, k:-1], p[:, -1], parents)

    def named(matrix: npt.NDArray[np.bool_], labels: tuple[str, ...]) -> list[list[str]]:
        return [[(*labels, OTHER)[j] for j in np.flatnonzero(row)] for row in matrix]

    return (
        samples_f1([list(d.narratives) for d in split.test], named(decision.coarse, coarse_labels)),
        samples_f1([list(d.subnarratives) for d in split.test], named(decision.fine, fine_labels)),
    )


def print_report(splits: dict[str, Any], folder: Path) -> None:
    described = taxonomy_documents()
    results: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    for path in sorted(folder.glob("*.npz")):
        name, rest = path.name.split(".", 1)
        split = splits[name]
        training = split.train + described
        space = _label_space(
            [d.narratives for d in training], [d.subnarratives for d in training], semeval_parent
        )
        saved = dict(np.load(path))
        saved["parents"] = space[2]
        for variant, make in VARIANTS.items():
            results.setdefault((rest.removesuffix(".npz"), variant), {})[name] = _f1(
                split, make(saved), space
            )
    print("| model | variant | split: coarse / fine | EN-cv mean |")
    print("|---|---|---|---:|")
    for (model, variant), by_split in results.items():
        cells = ", ".join(f"{n} {c:.3f}/{f:.3f}" for n, (c, f) in sorted(by_split.items()))
        cv = [v for n, v in by_split.items() if n.startswith("EN-cv")]
        mean = (
            f"{np.mean([c for c, _ in cv]):.3f} / {np.mean([f for _, f in cv]):.3f}" if cv else ""
        )
        print(f"| {model} | {variant} | {cells} | {mean} |")
