"""Cross-lingual matching on real pro-Kremlin quotes: VoxCheck's Propaganda Diary.

    python -m benchmarks.propaganda_diary [--backend e5|use] [--db PATH] [--limit N]
    python -m benchmarks.propaganda_diary --appearances cv [--folds 5] [--record PATH]

Imports the EUvsDisinfo 2015–2017 cases and the diary's 68 English claims into one database
(``benchmarks/.work``, so case vectors are encoded once), runs the production matcher
(``Matcher.match_many``, a deep list) on the 1,699 development quotes (343 quotes in en, de,
it, ru, uk) and prints, per query language, R@1, R@5 and MRR@10 over the diary's claims (strict
and narrative qrels; see ``propaganda_diary_data``), how often another case is on top, and the
bands of the top-1 match. ``--appearances cv``: the quotes of the other folds' groups filed
under their claims as appearance texts, each fold's quotes scored against them
(``propaganda_diary_appearances``), beside the same matcher without them; ``--record`` keeps
every span's candidates for rescoring them offline (``propaganda_diary_situations``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import sqlalchemy as sa

from benchmarks.checkthat import CALIBRATION_DIR, content_key
from benchmarks.propaganda_diary_data import (
    CASES,
    DATA,
    LANGUAGES,
    TARGET_PREFIX,
    Query,
    debunk_reuse_pairs,
    load_qrels,
    load_queries,
    score_runs,
)
from benchmarks.propaganda_diary_fit import fit_cross_language, quote_candidates, ranked_targets
from disproof.match.calibration import calibration_file_name, calibration_for
from disproof.match.matcher import Matcher
from disproof.models import MatchResult
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.schema import cases

ROOT = Path(__file__).resolve().parents[1]
#: Candidates listed per query: deep enough that every retrieved diary claim is in the list.
DEPTH = 100


def open_matcher(db: Path, backend: str | None) -> Matcher:
    service = Disproof.open(Settings(db=str(db)))
    if service.count() == 0:
        service.import_file(CASES)
        service.import_file(DATA / "targets.jsonl")
    return service.matcher(backend)


def run(matcher: Matcher, queries: list[Query], batch: int = 64) -> dict[str, MatchResult]:
    results: dict[str, MatchResult] = {}
    for start in range(0, len(queries), batch):
        part = queries[start : start + batch]
        found = matcher.match_many([q.text for q in part], top_k=DEPTH, min_band="none")
        results.update(zip((q.qid for q in part), found, strict=True))
    return results


def ranking_table(
    runs: dict[str, list[str]], queries: list[Query], qrels: dict[str, dict[str, set[str]]]
) -> list[str]:
    lines = [
        "| language | quotes | R@1 | R@5 | MRR@10 | narrative R@1 | narrative R@5 "
        "| another case on top |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    strict = score_runs(runs, queries, qrels["strict"])
    narrative = score_runs(runs, queries, qrels["narrative"])
    for lang in (*LANGUAGES, "all"):
        s, n = strict[lang], narrative[lang]
        r1, r5, mrr, other = s.row()
        nr1, nr5, _, _ = n.row()
        lines.append(
            f"| {lang} | {s.queries} | {r1:.3f} | {r5:.3f} | {mrr:.3f} | {nr1:.3f} | {nr5:.3f} "
            f"| {other:.0%} |"
        )
    return lines


def band_table(
    results: dict[str, MatchResult], queries: list[Query], qrels: dict[str, dict[str, set[str]]]
) -> list[str]:
    """Top-1 match per band and language: the quote's own claim, a claim of its narrative, or
    another case (an EUvsDisinfo case may be right too; read a sample before judging)."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for q in queries:
        matches = results[q.qid].matches
        if not matches or q.qid not in qrels["strict"]:
            continue
        top = matches[0]
        if top.case_id in qrels["strict"][q.qid]:
            outcome = "own"
        elif top.case_id in qrels["narrative"].get(q.qid, set()):
            outcome = "narrative"
        elif top.case_id.startswith(TARGET_PREFIX):
            outcome = "wrong diary claim"
        else:
            outcome = "other case"
        counts[(q.lang, top.band)][outcome] += 1
    lines = [
        "| language | band | top-1 | own claim | its narrative | wrong diary claim | other case |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for lang in LANGUAGES:
        for band in ("confirmed", "suggested", "none"):
            c = counts[(lang, band)]
            n = sum(c.values())
            if n:
                lines.append(
                    f"| {lang} | {band} | {n} | {c['own'] / n:.0%} | {c['narrative'] / n:.0%} "
                    f"| {c['wrong diary claim'] / n:.0%} | {c['other case'] / n:.0%} |"
                )
    return lines


def debunk_reuse(matcher: Matcher) -> list[str]:
    """R@1/5/10 of "which debunk answers this?": a later EUvsDisinfo claim → the earlier cases
    whose disproof text the analysts reused (the query's own case left out of the ranking)."""
    query = sa.select(cases.c.id, cases.c.title, cases.c.summary, cases.c.disproof, cases.c.date)
    with matcher.corpus.engine.connect() as connection:
        rows = [
            (i, t, s, d, date.isoformat() if date else None)
            for i, t, s, d, date in connection.execute(query)
            if not i.startswith(TARGET_PREFIX)
        ]
    pairs = debunk_reuse_pairs(rows)
    results = matcher.match_many([p.text for p in pairs], top_k=DEPTH, min_band="none")
    hits = {1: 0, 5: 0, 10: 0}
    for pair, result in zip(pairs, results, strict=True):
        ranked = [m.case_id for m in result.matches if m.case_id != pair.query_id]
        for k in hits:
            hits[k] += bool(pair.earlier & set(ranked[:k]))
    n = max(len(pairs), 1)
    return [
        "| pairs | R@1 | R@5 | R@10 |",
        "|---:|---:|---:|---:|",
        f"| {len(pairs)} | {hits[1] / n:.3f} | {hits[5] / n:.3f} | {hits[10] / n:.3f} |",
    ]


def fit(matcher: Matcher, queries: list[Query], strict: dict[str, set[str]], db: Path) -> None:
    """Fit the cross-language calibration (quotes not in English), compare it out of fold with
    the same-language one on the same candidates, and write it into the calibration file."""
    assert matcher.embedder is not None and matcher.calibration is not None
    model_id = matcher.embedder.model_id
    ids = [case.id for case in matcher.corpus.case_texts()]
    cache = db.with_name(
        f"quotes-{calibration_file_name(model_id)[:-5]}-{content_key(matcher)}.npz"
    )
    quotes = quote_candidates(matcher, queries, cache)
    foreign = [q for q in quotes if q.query.lang != "en"]
    scorer, oof = fit_cross_language(foreign, ids, strict)
    shipped = {q.query.qid: ranked_targets(q, ids, matcher.calibration) for q in foreign}
    print("Cross-language calibration, out of fold over quote groups (quotes as one span):\n")
    print("| language | R@5 same-language model | R@5 cross-language model (OOF) |")
    print("|---|---:|---:|")
    before = score_runs(shipped, [q.query for q in foreign], strict)
    after = score_runs(oof.runs, [q.query for q in foreign], strict)
    for lang in (*LANGUAGES[1:], "all"):
        print(f"| {lang} | {before[lang].row()[1]:.3f} | {after[lang].row()[1]:.3f} |")
    print("\nOut-of-fold top-1 (diary claims; each quote with and without its claim):\n")
    print("| language | confirmed | precision | suggested | precision |")
    print("|---|---:|---:|---:|---:|")
    t = scorer.thresholds
    for lang, outcomes in sorted(oof.top1.items()):
        cells = []
        for low, high in ((t.confirmed, 2.0), (t.suggested, t.confirmed)):
            chosen = [right for p, right in outcomes if low <= p < high]
            precision = f"{sum(chosen) / len(chosen):.3f}" if chosen else "–"
            cells += [str(len(chosen)), precision]
        print(f"| {lang} | {' | '.join(cells)} |")
    path = CALIBRATION_DIR / calibration_file_name(model_id)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cross_language"] = scorer.model_dump()
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    calibration_for.cache_clear()
    matcher.calibration = calibration_for(model_id)
    print(f"\nwrote the cross-language model into {path.relative_to(ROOT)}\n")


def appearances_cv(
    matcher: Matcher,
    db: Path,
    queries: list[Query],
    qrels: dict[str, dict[str, set[str]]],
    folds: int,
    baseline: bool = True,
    record: Path | None = None,
) -> None:
    """The quotes scored without appearance texts and, fold by fold, with the other folds'
    quotes filed under their claims (``propaganda_diary_appearances``)."""
    from benchmarks.propaganda_diary_appearances import run_cv, through_appearance

    assert matcher.embedder is not None, "appearance texts need an embedder"
    without, with_texts = run_cv(
        db, matcher.embedder, queries, qrels["strict"], folds, baseline, record
    )
    for label, results in (("without appearance texts", without), ("with", with_texts)):
        if not results:
            continue
        runs = {qid: [m.case_id for m in r.matches] for qid, r in results.items()}
        print(f"**{label}**\n")
        print("\n".join(ranking_table(runs, queries, qrels)) + "\n")
        print("\n".join(band_table(results, queries, qrels)) + "\n")
    print("\n".join(through_appearance(with_texts, queries)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=None)
    parser.add_argument(
        "--db", type=Path, default=ROOT / "benchmarks" / ".work" / "propaganda_diary.db"
    )
    parser.add_argument("--limit", type=int, default=0, help="score only the first N quotes")
    parser.add_argument("--part", choices=("quotes", "reuse", "all"), default="all")
    parser.add_argument("--fit", action="store_true", help="refit the cross-language model")
    parser.add_argument("--save", type=Path, help="write each quote's top 3 matches (JSONL)")
    parser.add_argument(
        "--appearances",
        choices=("cv",),
        help="file the other folds' quotes under their claims as appearance texts",
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--no-baseline", action="store_true", help="with --appearances: skip the run without"
    )
    parser.add_argument(
        "--record", type=Path, help="with --appearances: save every span's candidates (pickle)"
    )
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    matcher = open_matcher(args.db, args.backend)
    model = matcher.embedder.model_id if matcher.embedder else "none (BM25 only)"
    print(
        f"model {model}; {len(matcher.index):,} cases; ready in {time.perf_counter() - start:.0f} s"
    )
    if args.part != "quotes":
        print("Debunk reuse (EUvsDisinfo 2015–2017: a later claim → the earlier cases whose")
        print("disproof text it reused; its own case left out)\n")
        print("\n".join(debunk_reuse(matcher)) + "\n")
    if args.part == "reuse":
        return
    queries = load_queries()
    if args.limit:
        queries = queries[: args.limit]
    qrels = {kind: load_qrels(kind) for kind in ("strict", "narrative")}
    if args.appearances:
        appearances_cv(
            matcher, args.db, queries, qrels, args.folds, not args.no_baseline, args.record
        )
        return
    if args.fit:
        fit(matcher, queries, qrels["strict"], args.db)
    start = time.perf_counter()
    results = run(matcher, queries)
    print(f"{len(queries):,} quotes matched in {time.perf_counter() - start:.0f} s\n")
    runs = {qid: [m.case_id for m in r.matches] for qid, r in results.items()}
    if args.save:
        with args.save.open("w", encoding="utf-8") as out:
            for q in queries:
                top = [m.model_dump(mode="json") for m in results[q.qid].matches[:3]]
                out.write(json.dumps({"qid": q.qid, "text": q.text, "top": top}) + "\n")
    print("\n".join(ranking_table(runs, queries, qrels)))
    print()
    print("\n".join(band_table(results, queries, qrels)))


if __name__ == "__main__":
    main()
