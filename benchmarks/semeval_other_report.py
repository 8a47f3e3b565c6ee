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
from disproof.narratives.metrics import samples_f1, samples_f1_matrix

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

    return apply(saved["oof"]), apply(saved["test"]), curves


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


FACTORS = (0.6, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)


def _oof_coarse_f1(saved: dict[str, Any], p: Array, rows: npt.NDArray[np.bool_]) -> float:
    k = int(saved["n_coarse"])
    decision = decide(p[rows, :k], p[rows, k:-1], p[rows, -1], saved["parents"])
    gold = saved["targets"][rows]
    gold_coarse = np.column_stack([gold[:, :k], gold[:, -1]])
    return samples_f1_matrix(gold_coarse, decision.coarse)


def other_factor_by_oof(same_language: bool) -> Variant:
    """p(Other) scaled by the factor with the best coarse F1 on the training rows' out-of-fold
    probabilities (those of the test language when ``same_language`` and there are any)."""

    def variant(saved: dict[str, Any]) -> Array:
        train_p, test_p, _ = _platt(saved)
        rows = ~saved["fixed"]
        if same_language:
            language = saved["test_language"][0]
            mine = rows & (saved["train_language"] == language)
            rows = mine if mine.sum() >= 40 else rows

        def scaled(p: Array, factor: float) -> Array:
            q = p.copy()
            q[:, -1] = np.clip(q[:, -1] * factor, 0, 1)
            return q

        best = max(FACTORS, key=lambda f: _oof_coarse_f1(saved, scaled(train_p, f), rows))
        saved.setdefault("chosen", []).append(best)
        return scaled(test_p, best)

    return variant


VARIANTS: dict[str, Variant] = {
    "p(Other) × factor by OOF F1, all training rows": other_factor_by_oof(False),
    "p(Other) × factor by OOF F1, training rows of the language": other_factor_by_oof(True),
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


#: The shipped routing threshold (:data:`disproof.narratives.pipeline.ROUTING_COVERAGE`).
ROUTING = 0.7
#: Shares of the embedding-only model's probabilities in the blends tried.
BLENDS = (0.15, 0.3, 0.5)


def print_report(splits: dict[str, Any], folder: Path) -> None:
    """Per variant and split: the combined model's F1 (EN splits) or, where both models were
    saved, the shipped routing (coverage below 0.7 → the embedding-only model, both under the
    variant)."""
    described = taxonomy_documents()
    results: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    for path in sorted(folder.glob("*.e5+words.*.npz")):
        name, rest = path.name.split(".", 1)
        split = splits[name]
        training = split.train + described
        space = _label_space(
            [d.narratives for d in training], [d.subnarratives for d in training], semeval_parent
        )
        saved = dict(np.load(path))
        saved["parents"] = space[2]
        dense_path = path.with_name(path.name.replace(".e5+words.", ".e5."))
        dense = dict(np.load(dense_path)) if dense_path.exists() else None
        if dense is not None:
            dense["parents"] = space[2]
        for variant, make in VARIANTS.items():
            p = make(saved)
            model = rest.removesuffix(".npz")
            if dense is not None:
                low = saved["coverage"] < ROUTING
                p = np.where(low[:, None], make(dense), p)
                model += f" routed ({int(low.sum())} of {len(low)})"
            results.setdefault((model, variant), {})[name] = _f1(split, p, space)
        if dense is not None:
            for w in BLENDS:
                p = (1 - w) * _platt(saved)[1] + w * _platt(dense)[1]
                key = (rest.removesuffix(".npz"), f"blend: combined ×{1 - w:g} + e5 ×{w:g}")
                results.setdefault(key, {})[name] = _f1(split, p, space)
    print("| model | variant | split: coarse / fine | EN-cv mean |")
    print("|---|---|---|---:|")
    for (model, variant), by_split in results.items():
        cells = ", ".join(f"{n} {c:.3f}/{f:.3f}" for n, (c, f) in sorted(by_split.items()))
        cv = [v for n, v in by_split.items() if n.startswith("EN-cv")]
        mean = (
            f"{np.mean([c for c, _ in cv]):.3f} / {np.mean([f for _, f in cv]):.3f}" if cv else ""
        )
        print(f"| {model} | {variant} | {cells} | {mean} |")
