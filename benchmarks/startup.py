"""Start-up time of the command line: each command against a bare ``python -c pass``.

    python -m benchmarks.startup [--runs N] [--db PATH] [--before SRC]

Runs ``python -m disproof`` with ``--version``, ``--help``, ``search``, ``show`` (of a case
whose narratives are all the analysts', and of one with a narrative to infer) and ``stats``
(on a demo database, made first in a temporary folder unless ``--db`` names one) N times each,
in turns, and prints the median wall time of each, its difference from ``python -c pass``
and their ratio, and the median CPU time (user + system) of each, as a Markdown table. Wall
time includes the interpreter's own start, imports, opening the database and the command's
work. On a busy machine the wall time grows with the other processes' load; the CPU time much
less, so it is the better estimate of the wall time on an idle machine. ``--before SRC`` also
runs the commands with another source tree on ``PYTHONPATH`` (an older commit's ``src``, from
``git worktree add`` or ``git archive``), in turns with this one, so that both see the same load,
and prints a table of both.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
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
    "show ID": ["show", "demo-ukraine-biolabs-2022"],  # its narratives are the analysts'
    "show ID, inferred": ["show", "demo-nato-not-one-inch-promise"],  # one is inferred
    "stats": ["stats"],
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _seconds(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start, _cpu() - cpu


Medians = dict[str, tuple[float, float]]


def measure(db: Path, runs: int, before: Path | None = None) -> tuple[Medians, Medians | None]:
    """Median wall and CPU seconds per command (and ``python -c pass``), runs in turns; the
    same for the source tree ``before``, in turns with this one."""
    trees: dict[str, tuple[Path, dict[str, str] | None]] = {"now": (db, None)}
    if before is not None:  # its own copy: opening a database records which code derived it
        copy = db.with_name(f"before-{db.name}")
        shutil.copyfile(db, copy)
        trees["before"] = (copy, {**os.environ, "PYTHONPATH": str(before.resolve())})
    names = ["python -c pass", *COMMANDS]
    argvs = {  # each command with each tree in turn
        (tree, name): [sys.executable, "-m", "disproof", "--db", str(path), *COMMANDS[name]]
        if name in COMMANDS
        else [sys.executable, "-c", "pass"]
        for name in names
        for tree, (path, _) in trees.items()
    }
    for (tree, _), argv in argvs.items():  # warm the file cache and the .pyc files
        _seconds(argv, trees[tree][1])
    times: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in argvs}
    for _ in range(runs):
        for (tree, name), argv in argvs.items():
            times[tree, name].append(_seconds(argv, trees[tree][1]))
    medians = {
        key: (statistics.median(w for w, _ in found), statistics.median(c for _, c in found))
        for key, found in times.items()
    }
    now = {name: medians["now", name] for name in names}
    return now, {name: medians["before", name] for name in names} if before else None


def compared(before: Medians, now: Medians) -> str:
    """Before and now side by side, each minus ``python -c pass``."""
    bare, now_bare = before["python -c pass"], now["python -c pass"]
    lines = [
        "| command | CPU minus `pass` before | now | wall minus `pass` before | now |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in list(now)[1:]:
        (wall, cpu), (now_wall, now_cpu) = before[name], now[name]
        lines.append(
            f"| `{name}` | {cpu - bare[1]:+.3f} s | {now_cpu - now_bare[1]:+.3f} s "
            f"| {wall - bare[0]:+.3f} s | {now_wall - now_bare[0]:+.3f} s |"
        )
    return "\n".join(lines)


def table(medians: Medians) -> str:
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
    parser.add_argument("--before", type=Path, help="Another source tree to compare with.")
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
        medians, before = measure(db, args.runs, args.before)
        print(f"load average {os.getloadavg()[0]:.2f} after, {args.runs} runs each\n")
    print(table(medians))
    if before is not None:
        print(f"\nBefore ({args.before}):\n\n{table(before)}\n\n{compared(before, medians)}")


if __name__ == "__main__":
    main()
