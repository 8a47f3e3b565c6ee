"""One case per claim across sources: the EUvsDisinfo full cases and case index imported into a
fresh SQLite database in both orders, then each file again; cases, merges and times.

    python -m benchmarks.sameclaim [--data ../shared/data]

Prints a Markdown table (copy it into docs/benchmarks.md with the machine and date).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from disproof.service import Disproof
from disproof.settings import Settings

FULL = "euvsdisinfo/cases_2015_2017.csv"
INDEX = "euvsdisinfo/case_index_2015_2019.csv"


def _run(data: Path, files: list[str]) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        service = Disproof.open(Settings(db=str(Path(folder) / "bench.db")))
        for name in [*files, *files]:
            start = time.perf_counter()
            report = service.import_file(data / name)
            took = time.perf_counter() - start
            joined = len(getattr(report, "joined", []))
            retired = len(getattr(report, "retired", []))
            ambiguous = len(getattr(report, "ambiguous", {}))
            rows.append(
                f"| {Path(name).name} | {report.rows:,} | {len(report.created):,} | "
                f"{len(report.updated):,} | {len(report.unchanged):,} | {joined:,} | {retired:,} | "
                f"{ambiguous:,} | {service.count():,} | {took:.2f} |"
            )
        service.store.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    args = parser.parse_args()
    print(
        "| file (in order) | rows | created | updated | unchanged | merged across sources | "
        "stored cases folded | ambiguous | cases after | s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, files in {"full first": [FULL, INDEX], "index first": [INDEX, FULL]}.items():
        print(f"| **{label}** | | | | | | | | | |")
        for row in _run(args.data, files):
            print(row)


if __name__ == "__main__":
    main()
