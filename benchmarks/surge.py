"""Surge rules: the time of one round's counting query (each narrative's sightings in the
current window and in the 28-day baseline) against the number of sightings in those 29 days.

    python -m benchmarks.surge [--sightings 10000 100000] [--cases 2000] [--repeat 3]

A fresh SQLite database per size: ``--cases`` cases with two narratives each (47 distinct),
and the sightings spread uniformly over the 29 days, written straight into the store. Prints a
Markdown table (copy it into docs/benchmarks.md with the machine, the date and the load).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.schema import sightings, watch_items, watch_sources
from disproof.store.surges import SurgeRecords
from disproof.watch.models import SourceCreate
from disproof.watch.service import Monitoring
from disproof.watch.surges import current_window

NOW = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)


def _fill(service: Disproof, cases: int, count: int) -> None:
    with service.store.transaction() as connection:
        service.store.upsert(
            connection,
            [
                Case(
                    id=f"c{i}",
                    title=f"t{i}",
                    summary=f"s{i}",
                    narratives=[f"n{i % 40}", f"m{i % 7}"],
                )
                for i in range(cases)
            ],
            NOW,
        )
    Monitoring(service).add_source(SourceCreate(name="f", kind="jsonl", location="/x"))
    rng = random.Random(1)
    span = 29 * 86400
    with service.store.engine.begin() as connection:
        source = connection.execute(sa.select(watch_sources.c.pk)).scalar_one()
        items = [
            {
                "source_pk": source,
                "url": f"https://x/{i}",
                "content_hash": str(i),
                "title": "t",
                "text": "x",
                "fetched_at": NOW,
            }
            for i in range(count)
        ]
        connection.execute(sa.insert(watch_items), items)
        rows = [
            {
                "item_pk": i + 1,
                "case_id": f"c{rng.randrange(cases)}",
                "span_start": 0,
                "span_end": 1,
                "span_text": "x",
                "score": 0.9,
                "band": "confirmed",
                "status": "new",
                "created_at": NOW - dt.timedelta(seconds=rng.randrange(span)),
            }
            for i in range(count)
        ]
        connection.execute(sa.insert(sightings), rows)


def _time(count: int, cases: int, repeat: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as folder:
        service = Disproof.open(Settings(db=str(Path(folder) / "surge.db")))
        _fill(service, cases, count)
        records = SurgeRecords(service.store.engine)
        start, end = current_window(NOW, 24)
        best = float("inf")
        narratives = 0
        for _ in range(repeat):
            began = time.perf_counter()
            rows, _, _ = records.window_counts(
                "suggested", start - dt.timedelta(days=28), start, end
            )
            best = min(best, time.perf_counter() - began)
            narratives = len(rows)
        service.store.engine.dispose()
        return narratives, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sightings", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"| sightings in 29 days | narratives | counting query (best of {args.repeat}) |")
    print("|---|---|---|")
    for count in args.sightings:
        narratives, best = _time(count, args.cases, args.repeat)
        print(f"| {count:,} | {narratives} | {best * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
