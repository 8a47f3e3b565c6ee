"""CheckThat! 2022 Task 2A (English): fit the match calibration, then score retrieval.

    python -m benchmarks.checkthat [--backend e5|use] [--fit] [--db PATH]

The verified claims are imported into a benchmark database (kept in ``benchmarks/.work``, so
case vectors are encoded once) and matched with the production ``Matcher``. With ``--fit`` the
logistic calibration is fitted on the *train* queries' candidates, the band thresholds are chosen
on *dev*, and the result is written to ``src/disproof/data/calibration/``. The *dev-test* split is
only ever scored. Prints Markdown tables (MAP@5 is the task's official measure).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks.checkthat_data import (
    DATA,
    load_qrels,
    load_queries,
    mean_average_precision,
    recall_at,
)
from benchmarks.logistic import fit_logistic
from disproof.match.calibration import Calibration, Thresholds, calibration_file_name
from disproof.match.features import FEATURES
from disproof.match.matcher import Matcher
from disproof.service import Disproof
from disproof.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION_DIR = ROOT / "src" / "disproof" / "data" / "calibration"
#: Precision the bands must reach on dev (top-1 match of a query that has a known claim).
CONFIRMED_PRECISION = 0.95
SUGGESTED_PRECISION = 0.60

Pairs = list[tuple[str, npt.NDArray[np.intp], npt.NDArray[np.float64]]]


def open_matcher(db: Path, backend: str) -> tuple[Matcher, list[str], float]:
    service = Disproof.open(Settings(db=str(db)))
    if service.count() == 0:
        service.import_file(DATA / "vclaims.jsonl")
    start = time.perf_counter()
    matcher = service.matcher(backend)
    by_pk = {case.pk: case.id for case in matcher.corpus.case_texts()}
    ids = [by_pk[int(pk)] for pk in matcher.index.pks]
    return matcher, ids, time.perf_counter() - start


def candidate_pairs(matcher: Matcher, queries: dict[str, str], qids: list[str]) -> Pairs:
    out: Pairs = []
    for qid in qids:
        rows, x = matcher.features_for(queries[qid])
        out.append((qid, rows, x))
    return out


def stack(
    pairs: Pairs, ids: list[str], qrels: dict[str, set[str]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    xs, ys = [], []
    for qid, rows, x in pairs:
        if rows.size:
            xs.append(x)
            ys.append(np.array([ids[r] in qrels[qid] for r in rows], dtype=np.float64))
    return np.vstack(xs), np.concatenate(ys)


def ranked(
    pairs: Pairs, ids: list[str], calibration: Calibration
) -> tuple[dict[str, list[str]], dict[str, float]]:
    runs: dict[str, list[str]] = {}
    best: dict[str, float] = {}
    for qid, rows, x in pairs:
        if not rows.size:
            runs[qid], best[qid] = [], 0.0
            continue
        p = calibration.probability(x)
        order = np.lexsort((rows, -p))
        runs[qid] = [ids[rows[i]] for i in order[:5]]
        best[qid] = float(p[order[0]])
    return runs, best


def threshold_for(best: dict[str, float], correct: dict[str, bool], precision: float) -> float:
    """The lowest top-1 probability at which top-1 matches are right ``precision`` of the time."""
    order = sorted(best, key=lambda q: -best[q])
    chosen, hits = 1.0, 0
    for n, qid in enumerate(order, start=1):
        hits += correct[qid]
        if hits / n >= precision:
            chosen = best[qid]
    return chosen


def band_table(best: dict[str, float], correct: dict[str, bool], t: Thresholds) -> str:
    rows = []
    for name, low, high in (
        ("confirmed", t.confirmed, 2.0),
        ("suggested", t.suggested, t.confirmed),
    ):
        chosen = [q for q in best if low <= best[q] < high]
        right = sum(correct[q] for q in chosen)
        precision = right / len(chosen) if chosen else float("nan")
        share = len(chosen) / len(best)
        rows.append(f"| {name} | ≥ {low:.3f} | {len(chosen)} ({share:.0%}) | {precision:.3f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="e5")
    parser.add_argument("--fit", action="store_true", help="refit and write the calibration")
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks" / ".work" / "checkthat.db")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    matcher, ids, build_seconds = open_matcher(args.db, args.backend)
    assert matcher.embedder is not None, "no embedding backend could load"
    model_id = matcher.embedder.model_id
    print(f"model {model_id}; index of {len(ids):,} claims ready in {build_seconds:.1f} s")
    queries = {**load_queries("train_dev"), **load_queries("devtest")}
    qrels = {split: load_qrels(split) for split in ("train", "dev", "devtest")}
    start = time.perf_counter()
    pairs = {split: candidate_pairs(matcher, queries, sorted(q)) for split, q in qrels.items()}
    print(
        f"candidates and features for {sum(map(len, qrels.values()))} queries in "
        f"{time.perf_counter() - start:.1f} s"
    )
    if args.fit:
        x, y = stack(pairs["train"], ids, qrels["train"])
        weights, bias, mean, scale = fit_logistic(x, y, l2=1.0)
        provisional = Calibration(
            model_id=model_id,
            features=list(FEATURES),
            weights=weights.tolist(),
            bias=bias,
            mean=mean.tolist(),
            scale=scale.tolist(),
            thresholds=Thresholds(confirmed=1, suggested=1),
        )
        _, best = ranked(pairs["dev"], ids, provisional)
        runs, _ = ranked(pairs["dev"], ids, provisional)
        correct = {q: bool(runs[q]) and runs[q][0] in qrels["dev"][q] for q in best}
        thresholds = Thresholds(
            confirmed=threshold_for(best, correct, CONFIRMED_PRECISION),
            suggested=threshold_for(best, correct, SUGGESTED_PRECISION),
        )
        calibration = provisional.model_copy(
            update={
                "thresholds": thresholds,
                "fitted_on": "CheckThat! 2022 Task 2A: weights on train (999 queries, "
                f"{len(y):,} candidate pairs), thresholds on dev (top-1 precision "
                f"≥ {CONFIRMED_PRECISION} confirmed, ≥ {SUGGESTED_PRECISION} suggested)",
            }
        )
        path = CALIBRATION_DIR / calibration_file_name(model_id)
        path.write_text(json.dumps(calibration.model_dump(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
        matcher.calibration = calibration
    calibration = matcher.calibration
    assert calibration is not None, "no calibration for this model: run with --fit"
    print()
    print("| split | queries | MAP@5 | R@1 | R@5 |")
    print("|---|---:|---:|---:|---:|")
    for split in ("train", "dev", "devtest"):
        runs, _ = ranked(pairs[split], ids, calibration)
        q = qrels[split]
        print(
            f"| {split} | {len(q)} | {mean_average_precision(q, runs):.4f} | "
            f"{recall_at(q, runs, 1):.3f} | {recall_at(q, runs, 5):.3f} |"
        )
    print()
    print("Bands on dev-test (top-1 match per query; precision = the top-1 case is the right one):")
    print()
    print("| band | threshold | queries | precision |")
    print("|---|---:|---:|---:|")
    runs, best = ranked(pairs["devtest"], ids, calibration)
    correct = {q: bool(runs[q]) and runs[q][0] in qrels["devtest"][q] for q in best}
    print(band_table(best, correct, calibration.thresholds))
    # the production path must agree with the evaluation path
    sample = sorted(qrels["devtest"])[:20]
    agree = sum(
        [m.case_id for m in matcher.match(queries[q], top_k=5, min_band="none").matches] == runs[q]
        for q in sample
    )
    print(
        f"\nMatcher.match agrees with the scored ranking on {agree}/{len(sample)} sampled queries"
    )


if __name__ == "__main__":
    main()
