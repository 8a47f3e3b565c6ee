"""How a refitted article rule changes the checks of single tweets (short inputs).

    python -m benchmarks.article_single BEFORE.json [--split tune|devtest]

The article rule is also the *span check* of every English span (``match/matcher.py``,
``_span_checked``: ``confirmed`` needs it to pass, in a database of 1,000 cases or more) and
decides what a tweet of several units lists. Each CheckThat! 2022 tweet is checked alone
(``Matcher.match``, the CLI's default) with the article rule of ``BEFORE.json`` (an e5
calibration file, e.g. ``git show REV:src/disproof/data/calibration/...json``) and with the
shipped one, on the article benchmark's 4,768-claim database; the table gives the top match's
band, how often it is a gold claim, and how many tweets' outputs differ. ``tune``: the train
and dev tweets the rule is fitted on (as checked alone, not in articles); ``devtest``: the
evaluation tweets.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.article_checks import checkthat_database
from benchmarks.article_data import closed
from benchmarks.article_eval import open_matcher
from benchmarks.checkthat_data import load_qrels, load_queries

BANDS = ("confirmed", "suggested", "none")


def outputs(matcher: Any, tweets: list[str]) -> list[list[tuple[str, str]]]:
    """Each tweet's listed (case, band) pairs, best first."""
    return [[(m.case_id, m.band) for m in matcher.match(t).matches] for t in tweets]


def table(name: str, listed: list[list[tuple[str, str]]], gold: list[set[str]]) -> list[str]:
    top: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for pairs, g in zip(listed, gold, strict=True):
        band = pairs[0][1] if pairs else "none"
        top[band] += 1
        right[band] += bool(pairs) and pairs[0][0] in g
    return [
        f"| {name} | {band} | {top[band]} | {right[band] / top[band] if top[band] else 0:.3f} |"
        for band in BANDS
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="a calibration file with the old article rule")
    parser.add_argument("--split", choices=("tune", "devtest"), default="tune")
    args = parser.parse_args()
    from disproof.match.article import ArticleRule

    before = ArticleRule.model_validate(json.loads(args.before.read_text("utf-8"))["article"])
    if args.split == "tune":
        queries, qrels = load_queries("train_dev"), {**load_qrels("train"), **load_qrels("dev")}
    else:
        queries, qrels = load_queries("devtest"), load_qrels("devtest")
    ids = sorted(qrels)
    tweets, gold = [closed(queries[q]) for q in ids], [qrels[q] for q in ids]
    matcher = open_matcher(*checkthat_database(False))
    shipped = matcher.calibration
    after = outputs(matcher, tweets)
    matcher.calibration = shipped.model_copy(update={"article": before})
    old = outputs(matcher, tweets)
    matcher.calibration = shipped
    matcher.embedder.save()
    print(f"{len(ids)} tweets ({args.split})\n\n| rule | top match | tweets | gold |")
    print("|---|---|---:|---:|")
    print("\n".join(table("before", old, gold) + table("after", after, gold)))
    changed = sum(a != b for a, b in zip(old, after, strict=True))
    bands = sum([b for _, b in a] != [b for _, b in o] for a, o in zip(after, old, strict=True))
    print(f"\noutputs that differ: {changed} (listed bands differ: {bands})")


if __name__ == "__main__":
    main()
