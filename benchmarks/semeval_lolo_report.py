"""The table of ``python -m benchmarks.semeval_lolo --report``: samples-F1 of each saved system
and of each way of sharing the work between the combined and the embedding-only model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.semeval import taxonomy_documents
from disproof.narratives.classify import OTHER, _label_space, semeval_parent
from disproof.narratives.decide import decide
from disproof.narratives.metrics import samples_f1
from disproof.narratives.pipeline import ROUTING_COVERAGE

Array = npt.NDArray[np.float64]
#: Thresholds of the coverage rules tried.
THRESHOLDS = (0.1, 0.2, 0.3, 0.5, 0.7)


def _f1(split: Any, probabilities: Array, space: Any) -> tuple[float, float]:
    """Coarse and fine samples-F1 of the expected-F1 decision on these probabilities, against
    the documents' own label strings (labels the model never saw count as misses)."""
    coarse_labels, fine_labels, parents = space
    k = len(coarse_labels)
    p = probabilities
    decision = decide(p[:, :k], p[:, k:-1], p[:, -1], parents)

    def named(matrix: npt.NDArray[np.bool_], labels: tuple[str, ...]) -> list[list[str]]:
        return [[(*labels, OTHER)[j] for j in np.flatnonzero(row)] for row in matrix]

    return (
        samples_f1([list(d.narratives) for d in split.test], named(decision.coarse, coarse_labels)),
        samples_f1([list(d.subnarratives) for d in split.test], named(decision.fine, fine_labels)),
    )


def rules(combined: dict[str, Array], dense: Array) -> dict[str, Array]:
    """Probabilities under each rule from the combined model's and the embedding's."""
    coverage = combined["coverage"]
    out = {
        "combined (evidence rows)": combined["p"],
        "combined (unit rows)": combined["p_plain"],
        "embedding only (= routing by language)": dense,
    }
    for t in THRESHOLDS:
        share = np.minimum(1.0, coverage / t)[:, None]
        out[f"blend, share = min(1, coverage / {t:g})"] = (
            share * combined["p"] + (1 - share) * dense
        )
        out[f"route below coverage {t:g}"] = np.where(coverage[:, None] < t, dense, combined["p"])
    return out


def print_report(splits: dict[str, Any], folder: Path) -> None:
    rows: dict[tuple[str, str], tuple[float, float]] = {}
    coverage: dict[str, str] = {}
    described = taxonomy_documents()
    for name, split in splits.items():
        training = split.train + described
        space = _label_space(
            [d.narratives for d in training], [d.subnarratives for d in training], semeval_parent
        )
        saved = {
            path.name.split(".", 1)[1].removesuffix(".npz"): dict(np.load(path))
            for path in sorted(folder.glob(f"{name}.*.npz"))
        }
        if not saved:
            continue
        for system, arrays in saved.items():
            rows[(name, system)] = _f1(split, arrays["p"], space)
            if "coverage" in arrays:
                c = arrays["coverage"]
                coverage[f"{name} {system}"] = (
                    f"median {np.median(c):.2f}, 10th–90th pct {np.quantile(c, 0.1):.2f}–"
                    f"{np.quantile(c, 0.9):.2f}"
                )
        for system in saved:
            if "words" not in system:
                continue
            own = system.split("+words")[0]
            for dense in dict.fromkeys([own, "e5"]):
                if dense not in saved:
                    continue
                every = system in ("e5+words", "e5+words+chars")
                for rule, p in rules(saved[system], saved[dense]["p"]).items():
                    if every or rule == f"route below coverage {ROUTING_COVERAGE:g}":
                        by = "" if dense == own else f" ({dense} embedding-only)"
                        rows[(name, f"{system}: {rule}{by}")] = _f1(split, p, space)
    print("| split | system | coarse F1 | fine F1 |")
    print("|---|---|---:|---:|")
    for (name, system), (c, f) in rows.items():
        print(f"| {name} | {system} | {c:.3f} | {f:.3f} |")
    print()
    for key, text in coverage.items():
        print(f"coverage {key}: {text}")
    _means(rows)


def _means(rows: dict[tuple[str, str], tuple[float, float]]) -> None:
    groups: dict[str, Callable[[str], bool]] = {
        "LOLO mean (BG, PT, HI, EN)": lambda n: n in ("BG", "PT", "HI", "EN"),
        "EN CV mean": lambda n: n.startswith("EN-cv"),
    }
    systems = sorted({s for _, s in rows})
    print()
    print("| mean over | system | coarse F1 | fine F1 | splits |")
    print("|---|---|---:|---:|---:|")
    for group, member in groups.items():
        for system in systems:
            values = [v for (n, s), v in rows.items() if s == system and member(n)]
            if values:
                c = float(np.mean([v[0] for v in values]))
                f = float(np.mean([v[1] for v in values]))
                print(f"| {group} | {system} | {c:.3f} | {f:.3f} | {len(values)} |")
