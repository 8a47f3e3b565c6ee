"""BM25 at a million cases: build, memory, and what one claim's lexical retrieval costs.

    python -m benchmarks.scale_lexical [--sizes 100000 1000000]

Documents: the analysed tokens (English analyzer) of the 14,231 CheckThat! 2022 verified
claims' titles and claims, and past them synthetic ones — a seeded random claim's tokens with
a quarter replaced by tokens of another (as ``benchmarks.scale_updates`` does with words: real
vocabulary and lengths, not real claims). Queries: the 200 CheckThat! dev-test tweets, each as
one span. Per field (title, summary): the build (``BM25Index.build``), its saved size, and per
query, warm: ``search`` (the retriever's top 20, every posting of the query's terms weighted)
and ``coverage_of`` 60 candidate rows (what the features read), p50/p95. RSS of the process
after both fields are built and searched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.checkthat_data import load_queries, load_vclaims
from disproof.retrieve.lexical import BM25Index
from disproof.text import Analyzer

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "scale_lexical"


def documents(seeds: list[list[str]], n: int, seed: int) -> list[list[str]]:
    out = [list(tokens) for tokens in seeds[:n]]
    rng = random.Random(seed)
    while len(out) < n:
        a, b = rng.choice(seeds), rng.choice(seeds)
        out.append([rng.choice(b) if b and rng.random() < 0.25 else t for t in a])
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    args = parser.parse_args()
    analyzer = Analyzer()
    claims = load_vclaims()
    seeds = {
        "title": [analyzer.tokens(c.title, "en") for c in claims],
        "summary": [analyzer.tokens(c.claim, "en") for c in claims],
    }
    queries = [analyzer.tokens(t, "en") for t in list(load_queries("devtest").values())[:200]]
    print(f"# {dt.date.today()} · load {os.getloadavg()[0]:.1f}")
    print("| cases | field | build s | saved MB | search p50 / p95 ms | coverage p50 / p95 ms |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in args.sizes:
        indexes = []
        for field, field_seeds in seeds.items():
            docs = documents(field_seeds, n, seed=19)
            started = time.perf_counter()
            index = BM25Index.build(docs, name=f"bm25_{field}")
            built = time.perf_counter() - started
            del docs
            folder = WORK / str(n) / field
            shutil.rmtree(folder, ignore_errors=True)
            index.save(folder)
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
            index = BM25Index.load(folder)  # memory-mapped, as served
            rng = np.random.default_rng(0)
            for q in queries[:20]:  # warm-up
                index.search(q, 20)
            search, coverage = [], []
            for q in queries:
                started = time.perf_counter()
                index.search(q, 20)
                search.append(time.perf_counter() - started)
                rows = np.sort(rng.choice(n, 60, replace=False))
                started = time.perf_counter()
                index.coverage_of(q, rows)
                coverage.append(time.perf_counter() - started)
            indexes.append(index)
            search.sort()
            coverage.sort()
            print(
                f"| {n:,} | {field} | {built:.0f} | {size:.0f} | "
                f"{statistics.median(search) * 1000:.2f} / {search[189] * 1000:.2f} | "
                f"{statistics.median(coverage) * 1000:.2f} / {coverage[189] * 1000:.2f} |",
                flush=True,
            )
        print(f"# {n:,}: RSS with both fields loaded and searched {rss_mb():.0f} MB")
    print(f"# load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
