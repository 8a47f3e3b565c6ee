"""Learn each narrative's semantic margin from the first two labelled samples (v4).

    python -m benchmarks.narrative_margins [--write]

v3 kept an inferred narrative when the case was at most 0.02 cosine less near one of the
narrative's claims than to its nearest rival, one margin for all six evaluated narratives,
chosen on the first sample. v4 learns one margin per narrative from the first two samples
(``narrative_labels.jsonl`` and ``narrative_labels_heldout.jsonl``, ~600 labels; the third,
``narrative_labels_fresh.jsonl``, is never read here): among the cases a keyword rule flags,
the margin with the largest stratified recall at which precision on those labels is at least
``TRAIN_PRECISION``; ties go to the higher precision, then to the stricter margin, and a
margin lies halfway between two labelled cases' margins.

``TRAIN_PRECISION`` is 0.93, not 0.90: a margin chosen to reach exactly 0.90 on the labels it
is fitted on falls short of it on other cases (selection). Repeated 5-fold cross-validation on
the two samples (margin chosen on four folds, scored on the fifth) tells how far: this script
prints the out-of-fold precision and recall for 0.90, 0.93 and 0.95, and 0.93 is the lowest
that kept out-of-fold precision at 0.90 or more where any margin could (see
``docs/benchmarks.md``, *v4*). The out-of-fold precision is also the confidence shipped for a
narrative that no later sample measured. ``--write`` stores the margins in
``disproof.claims.json``. Narratives with a subject lexicon (v5: Syria chemical attacks,
Georgia 2008) are left out: their decision is chosen by ``benchmarks.narrative_subject``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np

from benchmarks.narrative_inference import (
    DATA,
    FILES,
    HELDOUT,
    LABELS,
    Unit,
    _vectors,
    estimate,
    load_cases,
    load_labels,
    pools,
    product_flags,
)
from benchmarks.narrative_vectors import VectorCache
from disproof.narratives.mapping import KeywordMapping, builtin_mapping
from disproof.narratives.semantic import CLAIMS_FILE, ClaimVectors
from disproof.narratives.subject import builtin_subjects

TRAIN_PRECISION = 0.93
TARGETS = (0.90, 0.93, 0.95)
FOLDS = 5
REPEATS = 8
SEED = 4


def merged(*samples: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The labels of several samples of the same pools, as one sample."""
    out: dict[str, dict[str, int]] = {}
    for sample in samples:
        for narrative, labels in sample.items():
            out.setdefault(narrative, {}).update(labels)
    return out


def rule_margins(
    units: dict[str, Unit],
    narrative: str,
    rule_only: KeywordMapping,
    claims: ClaimVectors,
    vectors: VectorCache,
) -> dict[str, float]:
    """Per unit a keyword rule flags (its text check included), its semantic margin (+inf for
    a unit without vectors: the rule decides alone, as in the product)."""
    flags = product_flags(rule_only, narrative)
    out: dict[str, float] = {}
    for unit in units.values():
        if flags(unit):
            support = claims.support(narrative, vectors.vectors(unit.fields))
            out[unit.key] = support.margin if support is not None else math.inf
    return out


def _at_least(margins: dict[str, float], margin: float) -> Callable[[Unit], bool]:
    """Flags the units whose margin is at least ``margin`` (a unit no rule flags: never)."""
    return lambda unit: margins.get(unit.key, -math.inf) >= margin


def fit_margin(
    units: dict[str, Unit], labels: dict[str, int], margins: dict[str, float], target: float
) -> float:
    """The margin with the largest recall at precision ≥ ``target`` on ``labels``."""
    seen = sorted({margins[key] for key in labels if key in margins and margins[key] < math.inf})
    candidates = [-math.inf] + [(a + b) / 2 for a, b in zip(seen, seen[1:], strict=False)]
    candidates += [seen[-1] + 1e-6] if seen else []
    best: tuple[float, float, float] | None = None
    fallback: tuple[float, float, float] | None = None
    for margin in candidates:
        found = estimate(units, labels, _at_least(margins, margin), bootstrap=0)
        if found.precision != found.precision:
            continue
        key = (found.recall, found.precision, margin)
        if found.precision >= target and (best is None or key > best):
            best = key
        if fallback is None or (found.precision, found.recall, margin) > fallback:
            fallback = (found.precision, found.recall, margin)
    if best is not None:
        return best[2]
    return fallback[2] if fallback is not None else -math.inf


def out_of_fold(
    units: dict[str, Unit], labels: dict[str, int], margins: dict[str, float], target: float
) -> tuple[float, float]:
    """Precision and recall of margins fitted on four folds and applied to the fifth (mean of
    ``REPEATS`` shuffles)."""
    rng = np.random.default_rng(SEED)
    keys = sorted(k for k in labels if k in units)
    results = []
    for _ in range(REPEATS):
        decided: dict[str, bool] = {}
        for fold in np.array_split(rng.permutation(len(keys)), FOLDS):
            test = {keys[i] for i in fold}
            train = {k: v for k, v in labels.items() if k in units and k not in test}
            margin = fit_margin(units, train, margins, target)
            decided |= {k: margins.get(k, -math.inf) >= margin for k in test}
        flags = {key: 1.0 if kept else -1.0 for key, kept in decided.items()}
        found = estimate(units, labels, _at_least(flags, 0.0), bootstrap=0)
        results.append((found.precision, found.recall))
    precision, recall = np.nanmean(np.array(results), axis=0)
    return float(precision), float(recall)


def write_margins(margins: dict[str, float]) -> Path:
    """Store the margins in the shipped claims file."""
    path = Path(str(resources.files("disproof.data.taxonomies").joinpath(CLAIMS_FILE)))
    data = json.loads(path.read_text(encoding="utf-8"))
    for narrative, margin in margins.items():
        data["narratives"][narrative]["margin"] = round(margin, 4)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def prepared() -> tuple[KeywordMapping, VectorCache] | None:
    """The shipped mapping (with its claims) and the cases' vectors, or None (saying why on
    stderr) when the EUvsDisinfo files or the vectors are missing."""
    if not all((DATA / name).exists() for name in FILES):
        print(f"needs the EUvsDisinfo files in {DATA}", file=sys.stderr)
        return None
    mapping = builtin_mapping()
    vectors = _vectors(mapping)
    if vectors is None or mapping.claims is None:
        return None
    return mapping, vectors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the margins in the claims")
    args = parser.parse_args(argv)
    ready = prepared()
    if ready is None:
        return 1
    mapping, vectors = ready
    assert mapping.claims is not None
    rule_only = KeywordMapping(mapping.taxonomy)
    labels = merged(load_labels(LABELS), load_labels(HELDOUT))
    by_pool = pools(load_cases(None))
    chosen: dict[str, float] = {}
    head = " | ".join(f"out of fold @ {t:.2f}" for t in TARGETS)
    print(f"| narrative | labels | margin | train P / R | {head} |")
    print("|---|---:|---:|---:|" + "---:|" * len(TARGETS))
    for narrative, mine in labels.items():
        if narrative in builtin_subjects():  # v5: chosen by benchmarks.narrative_subject
            print(f"| {narrative} | (v5: see benchmarks.narrative_subject) |")
            continue
        units = by_pool[narrative]
        margins = rule_margins(units, narrative, rule_only, mapping.claims, vectors)
        chosen[narrative] = margin = fit_margin(units, mine, margins, TRAIN_PRECISION)
        train = estimate(units, mine, _at_least(margins, margin), bootstrap=0)
        folds = [out_of_fold(units, mine, margins, t) for t in TARGETS]
        cells = " | ".join(f"{p:.2f} / {r:.2f}" for p, r in folds)
        print(
            f"| {narrative} | {sum(k in units for k in mine)} | {chosen[narrative]:+.3f} "
            f"| {train.precision:.2f} / {train.recall:.2f} | {cells} |"
        )
    if args.write:
        print(f"wrote {write_margins(chosen)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
