"""Exact against ANN retrieval on real data: the same answers for CheckThat! queries?

    python -m benchmarks.scale_checkthat [--queries 300] [--split devtest]

Copies the CheckThat! benchmark database (``benchmarks/.work/checkthat.db``, 14,231 verified
claims with their e5 vectors, made by ``benchmarks.checkthat``) and its match index, opens it
twice — ``ann_threshold`` above its size (exact search) and 0 (the HNSW graphs) — and matches
the first ``--queries`` tweets of a split with both. Prints the share of queries whose whole
answer (cases, scores, bands, explanations) is identical, and of those whose top match is.
Needs the e5 model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import time
from pathlib import Path

from benchmarks.checkthat_data import load_queries
from disproof.service import Disproof
from disproof.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--split", default="devtest")
    parser.add_argument("--source", type=Path, default=ROOT / "benchmarks/.work/checkthat.db")
    args = parser.parse_args()
    work = ROOT / "benchmarks" / ".work" / "scale" / "checkthat"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "checkthat.db"
    with sqlite3.connect(args.source) as original, sqlite3.connect(db) as copy:
        original.backup(copy)
    source_index = args.source.with_name(args.source.name + ".index")
    if source_index.exists():
        shutil.copytree(source_index, db.with_name(db.name + ".index"))
    exact = Disproof.open(Settings(db=str(db))).matcher()
    start = time.perf_counter()
    graphed = Disproof.open(Settings(db=str(db), ann_threshold=0)).matcher()
    built = time.perf_counter() - start
    queries = list(load_queries(args.split).values())[: args.queries]
    same = top_same = 0
    for text in queries:
        a, b = exact.match(text).model_dump(), graphed.match(text).model_dump()
        same += a == b
        top_same += a["matches"][:1] == b["matches"][:1]
    n = len(queries)
    print(
        f"{dt.date.today()} · {len(exact.index):,} cases · {n} {args.split} queries · "
        f"graphs built in {built:.0f} s · load {os.getloadavg()[0]:.1f}\n"
        f"identical answers: {same / n:.1%} · identical top match: {top_same / n:.1%}"
    )


if __name__ == "__main__":
    main()
