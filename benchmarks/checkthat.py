"""CheckThat! 2022 Task 2A (English): fit the match calibration, then score retrieval.

    python -m benchmarks.checkthat [--backend e5|use] [--db PATH]
           [--fit | --fit-one-text | --fit-domain]

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
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.checkthat_data import (
    DATA,
    load_qrels,
    load_queries,
    mean_average_precision,
    recall_at,
)
from benchmarks.logistic import Fitted, fit_logistic, fitted_scorer
from disproof.match.calibration import Calibration, Scorer, Thresholds, calibration_file_name
from disproof.match.domain import SAMPLE, Domain, density
from disproof.match.features import FEATURES, FieldScores, feature_matrix
from disproof.match.index import CaseIndex
from disproof.match.matcher import Matcher
from disproof.match.retrieval import one_text
from disproof.service import Disproof
from disproof.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION_DIR = ROOT / "src" / "disproof" / "data" / "calibration"
#: Precision the bands must reach on dev (top-1 match of a query that has a known claim).
CONFIRMED_PRECISION = 0.95
#: `suggested` starts where the calibrated probability says a repeat is more likely than not
#: (a threshold chosen for 60 % cumulative precision put it at 0.06: a band without evidence).
SUGGESTED_PROBABILITY = 0.5

#: One group per query: the query id, its candidate rows and their per-field scores.
Group = tuple[str, npt.NDArray[np.intp], FieldScores]


def open_matcher(db: Path, backend: str) -> tuple[Matcher, list[str], float]:
    service = Disproof.open(Settings(db=str(db)))
    if service.count() == 0:
        service.import_file(DATA / "vclaims.jsonl")
    start = time.perf_counter()
    matcher = service.matcher(backend)
    by_pk = {case.pk: case.id for case in matcher.corpus.case_texts()}
    ids = [by_pk[int(pk)] for pk in matcher.index.pks]
    return matcher, ids, time.perf_counter() - start


def content_key(matcher: Matcher) -> str:
    """12 hex digits naming the cases (their keys and content hashes), for cache files: the
    index's fingerprint names a position in one database's change log instead."""
    from disproof.store.corpus import CorpusStore

    assert isinstance(matcher.corpus, CorpusStore)
    return matcher.corpus.content_fingerprint()[:12]


def candidate_groups(
    matcher: Matcher, queries: dict[str, str], qids: list[str], cache: Path
) -> list[Group]:
    """Candidates of every query, cached as plain arrays (encoding 1,400 tweets takes minutes)."""
    if cache.exists():
        data = np.load(cache)
        order = json.loads(str(data["qids"]))
        offsets = data["offsets"]
        groups = {}
        for i, qid in enumerate(order):
            a, b = offsets[i], offsets[i + 1]
            groups[qid] = (
                qid,
                data["rows"][a:b],
                FieldScores(*(data[f][a:b] for f in SCORE_FIELDS)),
            )
        if set(qids) <= set(groups):
            return [groups[q] for q in qids]
    out = [(qid, *matcher.candidate_scores(queries[qid])) for qid in qids]
    offsets = np.cumsum([0] + [len(rows) for _, rows, _ in out])
    np.savez(
        cache,
        qids=json.dumps([qid for qid, _, _ in out]),
        offsets=offsets,
        rows=np.concatenate([rows for _, rows, _ in out]),
        **{f: np.concatenate([getattr(sc, f) for _, _, sc in out]) for f in SCORE_FIELDS},
    )
    return out


SCORE_FIELDS = ("dense_title", "dense_summary", "lex_title", "lex_summary")


def as_one_text(group: Group) -> Group:
    """The same candidates as if every claim had one text (its claim in both fields), as a
    case with only a title or only a claim summary is indexed."""
    qid, rows, scores = group
    return (
        qid,
        rows,
        FieldScores(
            scores.dense_summary, scores.dense_summary, scores.lex_summary, scores.lex_summary
        ),
    )


def without_gold(group: Group, ids: list[str], relevant: set[str]) -> Group:
    """The same query when its claim is not in the database: the realistic no-match case."""
    qid, rows, scores = group
    keep = np.array([i for i, r in enumerate(rows) if ids[r] not in relevant], dtype=np.intp)
    return (qid, rows[keep], scores.take(keep))


def features(group: Group) -> npt.NDArray[np.float64]:
    _, rows, scores = group
    return feature_matrix(scores, np.arange(len(rows), dtype=np.intp))


def training_set(
    groups: list[Group], ids: list[str], qrels: dict[str, set[str]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    xs, ys = [], []
    for group in groups:
        qid, rows, _ = group
        for g in (group, without_gold(group, ids, qrels[qid])):
            if len(g[1]):
                xs.append(features(g))
                ys.append(np.array([ids[r] in qrels[qid] for r in g[1]], dtype=np.float64))
    return np.vstack(xs), np.concatenate(ys)


def ranked(
    groups: list[Group], ids: list[str], calibration: Calibration, index: CaseIndex | None = None
) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Each query's top five and top probability; with ``index``, each candidate is scored by
    the model of its situation as the matcher does (a claim with one text by the one-text
    model), else every pair by the two-field one."""
    runs: dict[str, list[str]] = {}
    best: dict[str, float] = {}
    for group in groups:
        qid, rows, _ = group
        if not len(rows):
            runs[qid], best[qid] = [], 0.0
            continue
        single = one_text(index, rows) if index is not None else None
        p = calibration.probability(features(group), None, single)
        order = np.lexsort((rows, -p))
        runs[qid] = [ids[rows[i]] for i in order[:5]]
        best[qid] = float(p[order[0]])
    return runs, best


def open_world(
    groups: list[Group],
    ids: list[str],
    qrels: dict[str, set[str]],
    calibration: Calibration,
    index: CaseIndex | None = None,
) -> tuple[list[float], list[bool]]:
    """Top-1 probability and correctness for each query twice: with its claim in the database,
    and without it (then no answer is right). Half the queries have a known match."""
    probabilities, correct = [], []
    for group in groups:
        qid = group[0]
        for g in (group, without_gold(group, ids, qrels[qid])):
            runs, best = ranked([g], ids, calibration, index)
            probabilities.append(best[qid])
            correct.append(bool(runs[qid]) and runs[qid][0] in qrels[qid])
    return probabilities, correct


def threshold_for(probabilities: list[float], correct: list[bool], precision: float) -> float:
    """The lowest top-1 probability above which top-1 matches are right ``precision`` of the
    time (scanning from the most confident down)."""
    order = np.argsort(-np.array(probabilities))
    chosen, hits = 1.0, 0
    for n, i in enumerate(order, start=1):
        hits += correct[i]
        if hits / n >= precision:
            chosen = probabilities[i]
    return chosen


def band_table(probabilities: list[float], correct: list[bool], t: Thresholds) -> str:
    rows = []
    for name, low, high in (
        ("confirmed", t.confirmed, 2.0),
        ("suggested", t.suggested, t.confirmed),
        ("none", -1.0, t.suggested),
    ):
        chosen = [i for i, p in enumerate(probabilities) if low <= p < high]
        right = sum(correct[i] for i in chosen)
        precision = f"{right / len(chosen):.3f}" if chosen else "–"
        share = len(chosen) / len(probabilities)
        rows.append(f"| {name} | {max(low, 0):.3f} | {len(chosen)} ({share:.0%}) | {precision} |")
    return "\n".join(rows)


def _calibration(model_id: str, fitted: Fitted, t: Thresholds) -> Calibration:
    return Calibration(
        model_id=model_id, features=list(FEATURES), **fitted_scorer(fitted, t).model_dump()
    )


def fit_calibration(
    model_id: str, groups: list[Group], ids: list[str], qrels: dict[str, set[str]], folds: int = 5
) -> Calibration:
    """Weights fitted on all ``groups``; thresholds from out-of-fold predictions (each query
    scored by a model that never saw it), in the open world (with and without its claim)."""
    placeholder = Thresholds(confirmed=1, suggested=1)
    probabilities: list[float] = []
    correct: list[bool] = []
    for fold in range(folds):
        held = [g for i, g in enumerate(groups) if i % folds == fold]
        kept = [g for i, g in enumerate(groups) if i % folds != fold]
        model = _calibration(
            model_id, fit_logistic(*training_set(kept, ids, qrels), l2=1.0), placeholder
        )
        p, c = open_world(held, ids, qrels, model)
        probabilities += p
        correct += c
    x, y = training_set(groups, ids, qrels)
    thresholds = Thresholds(
        confirmed=threshold_for(probabilities, correct, CONFIRMED_PRECISION),
        suggested=min(
            SUGGESTED_PROBABILITY, threshold_for(probabilities, correct, CONFIRMED_PRECISION)
        ),
    )
    fitted = _calibration(model_id, fit_logistic(x, y, l2=1.0), thresholds)
    return fitted.model_copy(
        update={
            "fitted_on": "CheckThat! 2022 Task 2A train + dev queries, each also without its "
            f"claim in the database ({len(y):,} candidate pairs); thresholds from {folds}-fold "
            f"out-of-fold top-1 precision >= {CONFIRMED_PRECISION} (confirmed), "
            f"suggested from probability {SUGGESTED_PROBABILITY}; dev-test never used.",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="e5")
    parser.add_argument("--fit", action="store_true", help="refit and write the calibration")
    parser.add_argument(
        "--fit-domain",
        action="store_true",
        help="measure this database's density and write it as the calibration's domain",
    )
    parser.add_argument(
        "--fit-one-text",
        action="store_true",
        help="refit the one-text model only (claims read as one text) and write it",
    )
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
    cache = args.db.with_name(
        f"candidates-{calibration_file_name(model_id)[:-5]}-{content_key(matcher)}.npz"
    )
    everything = sorted({q for split in qrels.values() for q in split})
    by_query = {g[0]: g for g in candidate_groups(matcher, queries, everything, cache)}
    groups = {split: [by_query[q] for q in sorted(rel)] for split, rel in qrels.items()}
    print(f"candidates for {len(everything)} queries in {time.perf_counter() - start:.1f} s")
    if args.fit:
        calibration = fit_calibration(
            model_id, groups["train"] + groups["dev"], ids, {**qrels["train"], **qrels["dev"]}
        )
        path = CALIBRATION_DIR / calibration_file_name(model_id)
        if path.exists():  # the other parts are fitted by their own options and benchmarks
            previous = shipped_calibration(model_id)
            calibration = calibration.model_copy(
                update={part: getattr(previous, part) for part in KEPT_PARTS}
            )
        path.write_text(json.dumps(calibration.model_dump(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
        matcher.calibration = calibration
    if args.fit_one_text:
        write_one_text(matcher, model_id, groups, ids, qrels)
    if args.fit_domain:
        write_domain(matcher, model_id)
    calibration = matcher.calibration
    assert calibration is not None, "no calibration for this model: run with --fit"
    print()
    print("| split | queries | MAP@5 | R@1 | R@5 |")
    print("|---|---:|---:|---:|---:|")
    for split in ("train", "dev", "devtest"):
        runs, _ = ranked(groups[split], ids, calibration, matcher.index)
        q = qrels[split]
        print(
            f"| {split} | {len(q)} | {mean_average_precision(q, runs):.4f} | "
            f"{recall_at(q, runs, 1):.3f} | {recall_at(q, runs, 5):.3f} |"
        )
    print()
    print("Bands on dev-test, open world: each query once with its claim in the database and")
    print("once without it (then no answer is right); precision = the top-1 case is right.")
    print()
    print("| band | from score | top-1 matches | precision |")
    print("|---|---:|---:|---:|")
    probabilities, correct = open_world(
        groups["devtest"], ids, qrels["devtest"], calibration, matcher.index
    )
    print(band_table(probabilities, correct, calibration.thresholds))
    single = sum(int(one_text(matcher.index, g[1]).sum()) for g in groups["devtest"])
    print(f"\n{single:,} of the dev-test candidates are claims with one text")
    # the production path must agree with the evaluation path
    runs, _ = ranked(groups["devtest"], ids, calibration, matcher.index)
    sample = sorted(qrels["devtest"])[:20]
    agree = sum(
        [m.case_id for m in matcher.match(queries[q], top_k=5, min_band="none").matches] == runs[q]
        for q in sample
    )
    print(f"\nMatcher.match gives the scored ranking for {agree}/{len(sample)} sampled queries")


#: What ``--fit`` keeps of the shipped file: fitted by other options or benchmarks.
KEPT_PARTS = ("article", "cross_language", "one_text", "domain")


def shipped_calibration(model_id: str) -> Calibration:
    path = CALIBRATION_DIR / calibration_file_name(model_id)
    return Calibration.model_validate_json(path.read_text(encoding="utf-8"))


def write_part(matcher: Matcher, model_id: str, **parts: Any) -> Calibration:
    """Write ``parts`` (e.g. ``one_text=…``) into the shipped calibration file, keeping the rest,
    and give the matcher the result."""
    path = CALIBRATION_DIR / calibration_file_name(model_id)
    updated = shipped_calibration(model_id).model_copy(update=parts)
    path.write_text(json.dumps(updated.model_dump(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {', '.join(parts)} into {path.relative_to(ROOT)}")
    matcher.calibration = updated
    return updated


def write_domain(matcher: Matcher, model_id: str) -> None:
    """The density of the claims the calibration was fitted on (``match/domain.py``), with a
    tolerance of half a standard deviation of the claim-summary cosine feature."""
    shipped = shipped_calibration(model_id)
    measured = density(matcher.index.dense["summary"].vectors)
    domain = Domain(
        density=round(measured, 4),
        tolerance=round(0.5 * shipped.scale[FEATURES.index("dense_summary")], 4),
        measured_on=f"CheckThat! 2022 Task 2A verified claims ({len(matcher.index):,}), claim "
        f"summaries, median nearest-other cosine over {SAMPLE:,} of them (seed 0)",
    )
    write_part(matcher, model_id, domain=domain)


def write_one_text(
    matcher: Matcher,
    model_id: str,
    groups: dict[str, list[Group]],
    ids: list[str],
    qrels: dict[str, dict[str, set[str]]],
) -> None:
    """Fit the one-text model on train + dev read as one text, keep the rest of the shipped
    calibration, and report it on dev-test read as one text."""
    one = {split: [as_one_text(g) for g in gs] for split, gs in groups.items()}
    fitted = fit_calibration(
        model_id, one["train"] + one["dev"], ids, {**qrels["train"], **qrels["dev"]}
    )
    scorer = Scorer.model_validate(
        {
            **{k: v for k, v in fitted.model_dump().items() if k in Scorer.model_fields},
            "fitted_on": "CheckThat! 2022 Task 2A train + dev queries with each claim's text "
            "in both fields (as a case with one text is indexed), each query also without its "
            "claim; thresholds as for the same-language model; dev-test never used.",
        }
    )
    shipped = write_part(matcher, model_id, one_text=scorer)
    as_one = Calibration.model_validate(
        {**scorer.model_dump(), "model_id": model_id, "features": list(FEATURES)}
    )
    print("\n| dev-test read as one text | MAP@5 | R@1 | R@5 |\n|---|---:|---:|---:|")
    runs, _ = ranked(one["devtest"], ids, as_one)
    q = qrels["devtest"]
    print(
        f"| one-text model | {mean_average_precision(q, runs):.4f} | "
        f"{recall_at(q, runs, 1):.3f} | {recall_at(q, runs, 5):.3f} |"
    )
    print("\n| band (dev-test as one text, open world) | from score | top-1 matches | precision |")
    print("|---|---:|---:|---:|")
    probabilities, correct = open_world(one["devtest"], ids, q, as_one)
    print(band_table(probabilities, correct, as_one.thresholds))
    two = Calibration.model_validate(
        {**shipped.model_dump(exclude={"one_text", "cross_language", "article"})}
    )
    probabilities, correct = open_world(one["devtest"], ids, q, two)
    print("\nthe two-field model on the same one-text pairs:")
    print(band_table(probabilities, correct, two.thresholds))


if __name__ == "__main__":
    main()
