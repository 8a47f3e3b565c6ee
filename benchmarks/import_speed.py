"""Import benchmark: rows/s for each shared dataset into a fresh SQLite database, the time of a
second (no-op) import, export speed, and the database size on disk.

    python -m benchmarks.import_speed [--data ../shared/data] [--repeat 3]

Prints a Markdown table (copy it into docs/benchmarks.md with the machine and date).
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import tempfile
import time
from pathlib import Path

from disproof.service import Disproof
from disproof.settings import Settings

DATASETS = [
    "euvsdisinfo/cases_2015_2017.csv",
    "euvsdisinfo/case_index_2015_2019.csv",
    "checkthat2022/vclaims.jsonl",
]


def _once(data: Path, name: str) -> tuple[int, int, float, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        service = Disproof.open(Settings(db=str(Path(folder) / "bench.db")))
        start = time.perf_counter()
        report = service.import_file(data / name)
        first = time.perf_counter() - start
        start = time.perf_counter()
        service.import_file(data / name)
        second = time.perf_counter() - start
        size = service.database_size() or 0
        service.store.engine.dispose()
        return report.rows, service.count(), first, second, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.processor() or '?'}, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    print()
    print("| dataset | rows | cases | import s (median) | rows/s | re-import s | DB MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in DATASETS:
        runs = [_once(args.data, name) for _ in range(args.repeat)]
        rows, cases, _, _, size = runs[0]
        first = statistics.median(r[2] for r in runs)
        second = statistics.median(r[3] for r in runs)
        print(
            f"| {name} | {rows:,} | {cases:,} | {first:.2f} | {rows / first:,.0f} | "
            f"{second:.2f} | {size / 1e6:.1f} |"
        )
    with tempfile.TemporaryDirectory() as folder:
        service = Disproof.open(Settings(db=str(Path(folder) / "all.db")))
        for name in DATASETS:
            service.import_file(args.data / name)
        start = time.perf_counter()
        buffer = io.StringIO()
        count = service.export(buffer, "jsonl")
        elapsed = time.perf_counter() - start
        print()
        print(
            f"all three datasets: {count:,} cases, {(service.database_size() or 0) / 1e6:.1f} MB; "
            f"JSONL export {elapsed:.2f} s ({count / elapsed:,.0f} cases/s, "
            f"{len(buffer.getvalue()) / 1e6:.1f} MB)"
        )


if __name__ == "__main__":
    main()
