"""SQLite and PostgreSQL on the same data: import, full-text search p50/p99, and `disproof copy`.

    python -m benchmarks.stores [--data ../shared/data] [--pg-url postgresql://…] [--queries 300]

Without ``--pg-url`` a throwaway PostgreSQL cluster is started as the tests start theirs
(``tests/pg.py``: Debian's PostgreSQL, ``fsync=off``, so its writes are faster than a real
server's). Each store gets a fresh database; the EUvsDisinfo case index and the CheckThat!
verified claims are imported into it; then the same search texts run against both (one word,
two words, a phrase, a prefix, a word with a country filter), 20 results and the total each;
then the SQLite database is copied into an empty PostgreSQL one. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks.serving import pg_cluster
from disproof.copying import copy_database
from disproof.models import CaseQuery
from disproof.service import Disproof
from disproof.settings import Settings

DATASETS = ["euvsdisinfo/case_index_2015_2019.csv", "checkthat2022/vclaims.jsonl"]
_WORD = re.compile(r"[^\W\d_]{4,}")


def _queries(service: Disproof, count: int) -> list[CaseQuery]:
    """Search texts made from the stored titles (deterministic)."""
    rng = random.Random(17)
    titles = [c.title for c in service.search(CaseQuery(limit=500)).results]
    words = sorted({w.lower() for t in titles for w in _WORD.findall(t)})
    out: list[CaseQuery] = []
    for i in range(count):
        kind = i % 5
        if kind == 0:
            out.append(CaseQuery(text=rng.choice(words)))
        elif kind == 1:
            out.append(CaseQuery(text=" ".join(rng.sample(words, 2))))
        elif kind == 2:
            title_words = _WORD.findall(rng.choice(titles)) or ["news"]
            start = rng.randrange(len(title_words))
            out.append(CaseQuery(text='"' + " ".join(title_words[start : start + 2]) + '"'))
        elif kind == 3:
            out.append(CaseQuery(text=rng.choice(words)[:4] + "*"))
        else:
            out.append(CaseQuery(text=rng.choice(words), countries=["UA"]))
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _measure(name: str, db: str, data: Path, queries: int) -> tuple[Disproof, list[str], list[int]]:
    service = Disproof.open(Settings(db=db))
    rows = []
    for dataset in DATASETS:
        start = time.perf_counter()
        report = service.import_file(data / dataset)
        seconds = time.perf_counter() - start
        rows.append(
            f"| {name} | import {dataset} | {report.rows:,} rows | {seconds:.1f} s "
            f"({report.rows / seconds:,.0f} rows/s) |"
        )
    texts = _queries(service, queries)
    for query in texts[:20]:  # warm the caches
        service.search(query)
    times, totals = [], []
    for query in texts:
        start = time.perf_counter()
        totals.append(service.search(query).total)
        times.append((time.perf_counter() - start) * 1000)
    hits = sum(totals)
    rows.append(
        f"| {name} | search ({len(texts)} texts, {hits / len(texts):,.0f} hits on average) | "
        f"p50 {statistics.median(times):.1f} ms | p99 {_percentile(times, 0.99):.1f} ms |"
    )
    return service, rows, totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--pg-url", help="an empty PostgreSQL database per run is made on it")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.pg_url is None:
            from tests.pg import TEMPLATE

            cluster = stack.enter_context(pg_cluster())
            for name in (TEMPLATE, "bench", "copy"):
                cluster.admin(f"CREATE DATABASE {name}")
            urls = {"bench": cluster.url("bench"), "copy": cluster.url("copy")}
        else:
            urls = {"bench": args.pg_url, "copy": args.pg_url}
        _compare(args, urls, copy=args.pg_url is None)


def _compare(args: argparse.Namespace, urls: dict[str, str], copy: bool) -> None:
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print()
    print("| store | what | size | time |")
    print("|---|---|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        sqlite_db = str(Path(folder) / "bench.db")
        lite, rows, lite_totals = _measure("SQLite", sqlite_db, args.data, args.queries)
        print("\n".join(rows), flush=True)
        server, rows, totals = _measure("PostgreSQL", urls["bench"], args.data, args.queries)
        print("\n".join(rows), flush=True)
        same = sum(a == b for a, b in zip(lite_totals, totals, strict=True))
        print(f"| both | the same number of hits | {same} of {len(totals)} texts | |")
        if copy:
            summary = copy_database(lite.settings, Settings(db=urls["copy"]))
            print(
                f"| SQLite → PostgreSQL | `disproof copy` (verified) | "
                f"{sum(summary.rows.values()):,} rows | {summary.seconds:.1f} s |"
            )
        lite.store.engine.dispose()
        server.store.engine.dispose()


if __name__ == "__main__":
    main()
