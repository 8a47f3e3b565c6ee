"""Article checks: case-level precision and recall of what `disproof match` lists for articles.

    python -m benchmarks.article_checks [--fit [windows]] [--train-share N] [--only checkthat|diary]
        [--label NAME] [--full]

Articles are built from real labelled claims (``benchmarks.article_data``): CheckThat! 2022
tweets of known gold against the 14,231 verified claims, and Propaganda Diary quotes (en, de,
it, ru, uk) against its 68 claims, each with unrelated SemEval-2025 news sentences in between.
Precision = listed cases that are gold for the article / listed cases; recall = gold cases
listed / gold cases (micro over articles). The production ``Matcher.match`` makes every listed
set in the tables. With ``--fit`` the article rule (``disproof/match/article.py``) is fitted on
articles from CheckThat! *train + dev* tweets and the other half of the SemEval documents, and
written into the e5 calibration file, with the rule for windows of two adjacent spans beside it
(``--fit windows`` fits only that one, keeping the spans' rule and thresholds as they are);
before writing, ``--fit`` reports what the same fit gives by 5-fold CV over the tuning articles;
dev-test is only scored. For the Propaganda Diary the
threshold is also chosen by 5-fold cross-validation over quote groups (a group's language
versions never straddle folds). Databases and query vectors are cached in benchmarks/.work.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.article_data import (
    DIARY,
    DIARY_DISTRACTORS,
    Article,
    Piece,
    build_articles,
    diary_qrels,
    diary_queries,
    distractor_sentences,
)
from benchmarks.article_eval import (
    HEADER,
    Row,
    Score,
    choose,
    fit_probability,
    merge,
    open_matcher,
    production,
    simulate,
    span_rows,
)
from benchmarks.article_fit import FOLDS, TUNE_PRECISION, fit_rule, fit_windows
from benchmarks.checkthat_data import DATA, load_qrels, load_queries

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
CALIBRATION_DIR = ROOT / "src" / "disproof" / "data" / "calibration"
#: Every TRAIN_SHARE-th train tweet goes into the tuning articles (with all of dev): 5 gives
#: the 100 articles the shipped rule was fitted on; ``--train-share 1`` all 301 (tried
#: 2026-12-03, not shipped: docs/benchmarks.md, "The article rule fitted on all train tweets").
TRAIN_SHARE = 5
DIARY_SHARE = 3


# -- the two data sets --------------------------------------------------------------------------


def checkthat_articles(split: str, part: int, share: int = TRAIN_SHARE) -> list[Article]:
    queries = {**load_queries("train_dev"), **load_queries("devtest")}
    if split == "tune":  # all of dev and every share-th train tweet
        train = sorted(load_qrels("train").items())[::share]
        qrels = {**dict(train), **load_qrels("dev")}
    else:
        qrels = load_qrels("devtest")
    claims = [Piece(queries[q], frozenset(g)) for q, g in sorted(qrels.items())]
    return build_articles(claims, distractor_sentences("EN", part), f"ct-{split}")


def diary_articles(language: str, groups: set[str] | None = None) -> list[Article]:
    qrels, loose = diary_qrels(), diary_qrels("qrels_dev_narrative.tsv")
    groups = groups if groups is not None else set().union(*diary_folds())
    claims = [
        Piece(
            q["text"],
            frozenset(qrels.get(q["qid"], set())),
            frozenset(loose.get(q["qid"], set()) | qrels.get(q["qid"], set())),
        )
        for q in diary_queries()
        if q["lang"] == language and q["group"] in groups
    ]
    fold = "all" if len(groups) > len(diary_folds()[0]) else min(groups)
    distractors = distractor_sentences(DIARY_DISTRACTORS[language], 1)
    return build_articles(claims, distractors, f"pd-{language}-{fold}")


def diary_folds() -> list[set[str]]:
    """Every third quote group (``DIARY_SHARE``: the machine is small), in 5 folds."""
    groups = sorted({q["group"] for q in diary_queries()})[::DIARY_SHARE]
    return [set(groups[i::FOLDS]) for i in range(FOLDS)]


#: The CheckThat! database: every claim that is gold for a train, dev or dev-test tweet, and the
#: first claims of vclaims.jsonl up to this many (encoding all 14,231 takes over half an hour on
#: the shared 2-core machine; the full set is `--full`).
CT_OTHERS = 4000


def checkthat_database(full: bool) -> tuple[Path, Path]:
    if full:
        return WORK / "checkthat.db", DATA / "vclaims.jsonl"
    gold = {g for n in ("train", "dev", "devtest") for gs in load_qrels(n).values() for g in gs}
    lines = [x for x in (DATA / "vclaims.jsonl").read_text(encoding="utf-8").splitlines() if x]
    keep = [x for n, x in enumerate(lines) if n < CT_OTHERS or json.loads(x)["vclaim_id"] in gold]
    subset = WORK / "checkthat-subset.jsonl"
    subset.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return WORK / "checkthat-subset.db", subset


def run_checkthat(
    fit: str | None, full: bool, label: str, report: Callable[[str], None], share: int
) -> None:
    matcher = open_matcher(*checkthat_database(full))
    report(f"(CheckThat! database: {len(matcher.index):,} claims)")
    if fit:
        from disproof.match.calibration import calibration_file_name

        tune = checkthat_articles("tune", 0, share)
        if fit == "windows":
            rule = fit_windows(matcher, tune)
        else:
            rule = fit_rule(matcher, tune, report)
        path = CALIBRATION_DIR / calibration_file_name(matcher.embedder.model_id)
        data = json.loads(path.read_text(encoding="utf-8"))
        data["article"] = rule.model_dump()
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        matcher.calibration = matcher.calibration.model_copy(update={"article": rule})
        report(f"wrote the article rule to {path.relative_to(ROOT)}: {rule.fitted_on}")
    articles = checkthat_articles("devtest", 1)
    report(production(matcher, articles).row(f"{label}: CheckThat! dev-test (en)"))
    matcher.embedder.save()


def run_diary(label: str, report: Callable[[str], None]) -> None:
    matcher = open_matcher(WORK / "diary.db", DIARY / "targets.jsonl")
    rule = getattr(matcher.calibration, "article", None)
    for language in DIARY_DISTRACTORS:
        report(production(matcher, diary_articles(language)).row(f"{label}: Diary {language}"))
    if rule is None:
        return
    folds = diary_folds()
    arts = {lang: [diary_articles(lang, g) for g in folds] for lang in DIARY_DISTRACTORS}
    rows = {lang: [span_rows(matcher, a) for a in arts[lang]] for lang in arts}
    for name, refit in (("CheckThat! rule, threshold by CV", False), ("rule fitted by CV", True)):
        scores = {lang: Score() for lang in arts}
        for k in range(FOLDS):
            train_rows: list[Row] = []
            train_arts: list[Article] = []
            for lang in arts:  # the training folds of every language (groups never straddle)
                for j in range(FOLDS):
                    if j != k:
                        train_rows += [
                            (n + len(train_arts), c, x, sp) for n, c, x, sp in rows[lang][j]
                        ]
                        train_arts += arts[lang][j]
            score = fit_probability(train_rows, train_arts) if refit else rule.probability
            p = score(np.vstack([r[2] for r in train_rows]))
            t = choose(train_rows, p, train_arts, TUNE_PRECISION)
            for lang in arts:
                held_rows, held_arts = rows[lang][k], arts[lang][k]
                if held_rows:
                    held_p = score(np.vstack([r[2] for r in held_rows]))
                    merge(scores[lang], simulate(held_rows, held_p, t, held_arts))
        for lang, sc in scores.items():
            report(sc.row(f"{label}: Diary {lang}, {name} over quote groups"))
    matcher.embedder.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fit",
        nargs="?",
        const="all",
        choices=("all", "windows"),
        help="refit and write the article rule (windows: only the rule for windows of two "
        "adjacent spans, keeping the spans' rule as it is)",
    )
    parser.add_argument("--only", choices=("checkthat", "diary"))
    parser.add_argument("--label", default="disproof")
    parser.add_argument("--full", action="store_true", help="all 14,231 CheckThat! claims")
    parser.add_argument(
        "--train-share",
        type=int,
        default=TRAIN_SHARE,
        help=f"with --fit: every Nth train tweet into the tuning articles (default "
        f"{TRAIN_SHARE}: 100 articles; 1: all, 301)",
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    print(f"{platform.machine()}, {time.strftime('%Y-%m-%d')}\n\n{HEADER}")
    if args.only != "diary":
        run_checkthat(args.fit, args.full, args.label, print, args.train_share)
    if args.only != "checkthat":
        run_diary(args.label, print)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
