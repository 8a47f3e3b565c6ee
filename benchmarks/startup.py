"""Start-up time of the command line: each command against a bare ``python -c pass``.

    python -m benchmarks.startup [--runs N] [--db PATH]

Runs ``python -m disproof`` with ``--version``, ``--help``, ``search``, ``show`` and ``stats``
(on a demo database, made first in a temporary folder unless ``--db`` names one) N times each,
in turns, and prints the median wall time of each, its difference from ``python -c pass``
and their ratio, and the median CPU time (user + system) of each, as a Markdown table. Wall
time includes the interpreter's own start, imports, opening the database and the command's
work. On a busy machine the wall time grows with the other processes' load; the CPU time much
less, so it is the better estimate of the wall time on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS: dict[str, list[str]] = {
    "--version": ["--version"],
    "--help": ["--help"],
    "search biolabs": ["search", "biolabs"],
    "show ID": ["show", "demo-ukraine-biolabs-2022"],
    "stats": ["stats"],
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _seconds(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _cpu() - cpu


def measure(db: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds per command (and ``python -c pass``), runs in turns."""
    base = [sys.executable, "-m", "disproof", "--db", str(db)]
    argvs = {"python -c pass": [sys.executable, "-c", "pass"]}
    argvs |= {name: base + args for name, args in COMMANDS.items()}
    for argv in argvs.values():  # warm the file cache and the .pyc files
        _seconds(argv)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in argvs}
    for _ in range(runs):
        for name, argv in argvs.items():
            times[name].append(_seconds(argv))
    return {
        name: (statistics.median(w for w, _ in found), statistics.median(c for _, c in found))
        for name, found in times.items()
    }


def table(medians: dict[str, tuple[float, float]]) -> str:
    bare, bare_cpu = medians["python -c pass"]
    lines = [
        "| command | wall | minus `python -c pass` | ratio | CPU | CPU minus `pass` |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (wall, cpu) in medians.items():
        lines.append(
            f"| `{name}` | {wall:.3f} s | {wall - bare:+.3f} s | {wall / bare:.1f}× "
            f"| {cpu:.3f} s | {cpu - bare_cpu:+.3f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--db", type=Path, help="A database to use (default: a new demo one).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "demo.db"
        if args.db is None:
            subprocess.run(
                [sys.executable, "-m", "disproof", "--db", str(db), "demo"],
                check=True,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "COLUMNS": "100"},
            )
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before")
        medians = measure(db, args.runs)
        print(f"load average {os.getloadavg()[0]:.2f} after, {args.runs} runs each\n")
    print(table(medians))


if __name__ == "__main__":
    main()
