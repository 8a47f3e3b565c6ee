"""Trends speed: 100,000 synthetic cases written in bulk through the store into a temporary
SQLite database, then each trends / emerging query timed (best and median of several runs).

    python -m benchmarks.trends_speed [--cases 100000] [--repeat 5]

Synthetic cases: dates uniform over 2015–2024, 1–5 keywords drawn Zipf-like from 2,000, 1–2
countries of 50, one outlet of 300 (with its language), a narrative of 20 on 70% of cases.
Prints a Markdown table (copy it into docs/benchmarks.md with the machine and date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from disproof.models import Appearance, Case
from disproof.service import Disproof
from disproof.settings import Settings

START = dt.date(2015, 1, 1)
DAYS = 3652
NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
COUNTRIES = ["RU", "UA", "US", "DE", "FR", "PL", "GB", "BY", "LT", "LV", "EE", "GE", "MD", "AM",
             "AZ", "RS", "HU", "CZ", "SK", "RO", "BG", "IT", "ES", "NL", "BE", "SE", "FI", "NO",
             "DK", "AT", "CH", "TR", "SY", "IR", "CN", "JP", "IN", "BR", "CA", "AU", "IL", "EG",
             "LY", "IQ", "AF", "KZ", "UZ", "KG", "TJ", "TM"]  # fmt: skip
LANGUAGES = ["ru", "en", "de", "fr", "es", "pl", "uk", "cs", "it", "ar"]


def synthetic_cases(n: int, seed: int = 5) -> list[Case]:
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, 2001)
    weights = 1.0 / ranks
    weights /= weights.sum()
    days = rng.integers(0, DAYS, n)
    sizes = rng.integers(1, 6, n)
    out: list[Case] = []
    for i in range(n):
        keywords = {f"keyword {k}" for k in rng.choice(2000, size=sizes[i], p=weights)}
        outlet = int(rng.integers(0, 300))
        day = START + dt.timedelta(days=int(days[i]))
        out.append(
            Case(
                id=f"synthetic-{i}",
                title=f"synthetic claim {i}",
                date=day,
                keywords=sorted(keywords),
                countries=list(dict.fromkeys(rng.choice(COUNTRIES, size=2).tolist()))[
                    : int(rng.integers(1, 3))
                ],
                languages=[LANGUAGES[outlet % 10]],
                appearances=[Appearance(outlet=f"Outlet {outlet}", date=day)],
                narratives=[f"narrative-{rng.integers(0, 20)}"] if rng.random() < 0.7 else [],
                source={"dataset": "synthetic"},
            )
        )
    return out


def _time(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        service = Disproof.open(Settings(db=str(Path(folder) / "trends.db")))
        start = time.perf_counter()
        cases = synthetic_cases(args.cases)
        built = time.perf_counter() - start
        start = time.perf_counter()
        with service.store.transaction() as connection:
            for i in range(0, len(cases), 2000):
                service.store.upsert(connection, cases[i : i + 2000], NOW)
        service.store.checkpoint()
        written = time.perf_counter() - start
        size = service.database_size() or 0
        print(f"{platform.machine()}, Python {platform.python_version()}, {args.cases:,} cases")
        print(f"built in {built:.1f} s, written in {written:.1f} s, {size / 1e6:.0f} MB\n")
        year = (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
        queries: list[tuple[str, Callable[[], object]]] = [
            ("trends keyword × month, all 10 years, top 10", lambda: service.trends("keyword")),
            ("trends keyword × week, all 10 years, top 10",
             lambda: service.trends("keyword", "week")),  # fmt: skip
            ("trends narrative × month, top 10", lambda: service.trends("narrative")),
            ("trends country × month, top 10", lambda: service.trends("country")),
            ("trends outlet × week, top 10", lambda: service.trends("outlet", "week")),
            ("trends language × month, top 10", lambda: service.trends("language")),
            ("trends keyword × week, one year (--from/--to)",
             lambda: service.trends("keyword", "week", date_from=year[0], date_to=year[1])),
            ("trends keyword × month, dataset filter",
             lambda: service.trends("keyword", dataset="synthetic")),
            ("emerging keyword, 1 month vs 12, no clusters",
             lambda: service.emerging(dt.date(2024, 6, 1), until=dt.date(2024, 6, 30),
                                      clusters=False)),
            ("emerging keyword, 1 month vs 12, with clusters",
             lambda: service.emerging(dt.date(2024, 6, 1), until=dt.date(2024, 6, 30))),
        ]  # fmt: skip
        print("| query | best (s) | median (s) |")
        print("|---|---:|---:|")
        for name, run in queries:
            best, median = _time(run, args.repeat)
            print(f"| {name} | {best:.3f} | {median:.3f} |")
        service.store.engine.dispose()


if __name__ == "__main__":
    main()
