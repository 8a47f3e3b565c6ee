"""Matching speed on a database of at least 15,000 cases.

    python -m benchmarks.match_speed [--backend e5|use]

Uses a copy of the CheckThat! benchmark database (``benchmarks/.work/checkthat.db``: 14,231
verified claims, vectors already encoded by ``benchmarks.checkthat``) plus the EUvsDisinfo case
index (7,197 cases), so the first run also measures the incremental encoding of new cases. Prints:
index load/refresh time, single-claim latency p50/p95 (warm), a ~1,000-word article end to end,
batch throughput, the cost of adding one case, and peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sqlite3
import statistics
import time
from pathlib import Path

from benchmarks.checkthat_data import DATA, load_queries
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
INDEX_CSV = DATA.parent / "euvsdisinfo" / "case_index_2015_2019.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="e5")
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks" / ".work" / "speed.db")
    args = parser.parse_args()
    source = ROOT / "benchmarks" / ".work" / "checkthat.db"
    if not args.db.exists() and source.exists():
        with sqlite3.connect(source) as original, sqlite3.connect(args.db) as copy:
            original.backup(copy)  # keep the CheckThat! database free of other cases
    service = Disproof.open(Settings(db=str(args.db)))
    if service.count() < 15_000:
        service.import_file(INDEX_CSV)
    start = time.perf_counter()
    matcher = service.matcher(args.backend)
    ready = time.perf_counter() - start
    start = time.perf_counter()
    matcher = service.matcher(args.backend)
    warm_open = time.perf_counter() - start
    model = matcher.embedder.model_id if matcher.embedder else "-"
    print(f"{len(matcher.index):,} cases, model {model}")
    print()
    print("| measure | value |")
    print("|---|---:|")
    print(f"| index ready (encode new cases, build, save) | {ready:.1f} s |")
    print(f"| open a current index (load .npy, check fingerprint) | {warm_open:.2f} s |")

    claims = list(load_queries("devtest").values())[:200]
    restated = [
        json.loads(line)["text"]
        for line in (ROOT / "benchmarks" / "data" / "multilingual_claims.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()[:200]
    ]
    matcher.match(claims[0])  # warm-up
    for label, texts in (
        ("claims in ru/uk/de/fr/pl/cs, 12-40 words", restated),
        ("English tweets, CheckThat! dev-test", claims),
    ):
        latencies = []
        for text in texts:
            t = time.perf_counter()
            matcher.match(text, top_k=5)
            latencies.append((time.perf_counter() - t) * 1000)
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * len(latencies)) - 1]
        print(f"| one text, warm, p50 / p95 ({len(texts)} {label}) | {p50:.0f} / {p95:.0f} ms |")

    article = (ROOT / "tests" / "data" / "article_en.txt").read_text(encoding="utf-8")
    t = time.perf_counter()
    result = matcher.match(article)
    article_s = time.perf_counter() - t
    print(
        f"| article of {len(article.split()):,} words, end to end ({result.spans_checked} "
        f"spans checked, {len(result.matches)} matches) | {article_s:.2f} s |"
    )

    t = time.perf_counter()
    matcher.match_many(claims, top_k=5)
    batch_s = time.perf_counter() - t
    print(f"| batch of {len(claims)} claims (match_many) | {len(claims) / batch_s:.1f} claims/s |")

    with service.store.transaction() as connection:
        service.store.upsert(
            connection,
            [Case(id="bench-one-more", title=f"One more case {dt.datetime.now(dt.UTC)}")],
            dt.datetime.now(dt.UTC),
        )
    t = time.perf_counter()
    service.matcher(args.backend)
    added = time.perf_counter() - t
    print(f"| add one case, then reopen (1 encode + index rebuild) | {added:.1f} s |")
    with service.store.transaction() as connection:
        service.store.delete(connection, "bench-one-more")
    service.matcher(args.backend)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| peak RSS | {peak:,.0f} MB |")


if __name__ == "__main__":
    main()
