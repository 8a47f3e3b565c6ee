"""Soak: readers and writers against a real ``disproof serve`` for a while, then checks.

    python -m benchmarks.soak [--seconds 600] [--readers 4] [--writers 2] [--match-every 25]
                              [--write-pause 0.25] [--sample-every 2] [--max-slope 100]

Seeds a temporary database with the demo cases (``disproof import``), makes an editor and an
admin token (``disproof token create``), starts ``disproof serve`` as a subprocess on a free
port of 127.0.0.1 and warms it up (model load, matching index). Then, for ``--seconds``:

- each reader loops over GET case, search, facets, stats and the web case page (which ranks
  related cases with the matcher), and every ``--match-every``-th request POSTs a match;
- each writer creates cases with ids of its own, changes them (PATCH) and deletes some (as
  admin), keeping about ``LIVE_CAP`` cases alive, and records every acknowledged write; it
  pauses ``--write-pause`` s after each write (0: as fast as the server answers). One write in
  five of each of the first five writers changes one of three shared cases instead, each
  writer its own field of them (summary, disproof, …): concurrent edits of one case;
- the server's resident memory (VmRSS and its anonymous part, RssAnon, from ``/proc``) is
  sampled every ``--sample-every`` s.

Then it checks that nothing was lost: each case written is read back and must equal the body of
its last acknowledged write (404 for a deleted one), each writer's field of a shared case must
hold its last acknowledged value, and the ``soak`` dataset must list exactly the live cases.
During the run, every answer about a shared case must show each field at least at the revision
acknowledged before the request was sent (see ``SharedCases``). The server is then killed
(SIGKILL, a crash), restarted on the same database and the final check repeated.

Prints a table per endpoint (requests/s, p50/p95/p99 ms, errors, conflicts) and exits 1 on any
error (a non-2xx answer other than 409/412, or no answer), any lost, undone or phantom write, or
heap growth: over the second half of a run of at least ``MEMORY_JUDGED_AFTER`` seconds, the
least-squares slope of RssAnon must stay under ``--max-slope`` MB/hour (default
``MAX_SLOPE_MB_PER_HOUR``). RssAnon, not all of RSS: the e5 weights are memory-mapped and RSS
grows, up to the model file's size (72 MB), as texts bring tokens not met before; that is
the page cache, not a leak. Shorter runs report memory but do not judge it.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.load import CLAIMS
from benchmarks.serving import MemorySample, sample_memory, seeded_server
from benchmarks.soak_clients import (
    MAX_SLOPE_MB_PER_HOUR,
    Check,
    Ledger,
    Recorder,
    SharedCases,
    SoakConfig,
    case_path,
    reader,
    verify,
    writer,
)

__all__ = ["SoakConfig", "SoakReport", "run_soak"]

#: Shorter runs report memory but do not judge it (warm-up growth dominates them).
MEMORY_JUDGED_AFTER = 120.0


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    return values[max(0, math.ceil(p * len(values)) - 1)] if values else float("nan")


def slope_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per hour (0 for fewer than 2)."""
    if len(samples) < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_m = sum(m for _, m in samples) / len(samples)
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    cov = sum((t - mean_t) * (m - mean_m) for t, m in samples)
    return 0.0 if var == 0 else cov / var * 3600


@dataclass
class SoakReport:
    config: SoakConfig
    elapsed: float
    recorder: Recorder
    ledgers: list[Ledger]
    live_check: Check
    restart_check: Check
    memory: list[MemorySample]
    tracebacks: int
    shared: SharedCases
    traceback_text: str = ""

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.recorder.latencies.values())

    @property
    def errors(self) -> int:
        return sum(self.recorder.errors.values())

    @property
    def acked(self) -> int:
        return sum(sum(ledger.acked.values()) for ledger in self.ledgers)

    def second_half_slope(self, part: str = "anon") -> float:
        """MB/hour over the second half of the run, of ``anon`` (judged) or ``rss`` memory."""
        half = [s for s in self.memory if s.seconds >= self.elapsed / 2]
        return slope_per_hour([(s.seconds, getattr(s, part)) for s in half])

    def failures(self) -> list[str]:
        out = []
        if self.errors:
            out.append(f"{self.errors} failed requests")
        for name, check in (("live", self.live_check), ("after restart", self.restart_check)):
            if check.lost or check.phantoms:
                out.append(f"{check.lost} lost and {check.phantoms} phantom writes ({name})")
        if self.shared.reverted:
            out.append(f"{self.shared.reverted} answers showed an acknowledged change undone")
        if self.tracebacks:
            out.append(f"{self.tracebacks} tracebacks in the server log")
        slope = self.second_half_slope()
        if self.elapsed >= MEMORY_JUDGED_AFTER and slope > self.config.max_slope:
            out.append(f"heap grows {slope:.0f} MB/hour (limit {self.config.max_slope:.0f})")
        return out


def warm_up(base: str) -> list[str]:
    """Load the model and build the matching index before timing; the demo case ids."""
    with httpx.Client(base_url=base, timeout=300) as client:
        ids = [
            c["id"] for c in client.get("/api/v1/cases", params={"limit": 100}).json()["results"]
        ]
        client.get(case_path(ids[0], web=True)).raise_for_status()
        client.post("/api/v1/match", json={"text": CLAIMS[0]}).raise_for_status()
    return ids


def run_soak(
    config: SoakConfig, folder: Path, db: str | None = None, workers: int = 1
) -> SoakReport:
    """Seed, serve, load for ``config.seconds``, check, crash, restart, check again (on an
    SQLite file in ``folder``, or on the empty database ``db`` with ``workers`` processes)."""
    with seeded_server(folder, db, workers) as (server, tokens):
        ids = warm_up(server.base)
        shared = SharedCases()
        shared.create(server.base, tokens[0])
        rec, stop = Recorder(), threading.Event()
        memory: list[MemorySample] = []
        ledgers = [Ledger() for _ in range(config.writers)]
        sampler = threading.Thread(
            target=sample_memory, args=(server.pid, config.sample_every, stop, memory)
        )
        threads = [
            threading.Thread(target=reader, args=(server.base, n, ids, config, rec, stop))
            for n in range(config.readers)
        ] + [
            threading.Thread(
                target=writer,
                args=(server.base, n, tokens, config, rec, stop, ledgers[n], shared),
            )
            for n in range(config.writers)
        ]
        started = time.monotonic()
        for thread in [sampler, *threads]:
            thread.start()
        stop.wait(config.seconds)
        stop.set()
        for thread in [sampler, *threads]:
            thread.join()
        elapsed = time.monotonic() - started
        live_check = verify(server.base, ledgers)
        server.stop(signal.SIGKILL)
        server.start()
        restart_check = verify(server.base, ledgers)
    log = server.log.read_text(errors="replace")
    tracebacks = log.count("Traceback")
    first = log.find("Traceback")
    excerpt = log[max(0, first - 500) : first + 4000] if first >= 0 else ""
    return SoakReport(
        config,
        elapsed,
        rec,
        ledgers,
        live_check,
        restart_check,
        memory,
        tracebacks,
        shared,
        excerpt,
    )


def print_report(report: SoakReport) -> None:
    rec, elapsed = report.recorder, report.elapsed
    print("| endpoint | requests | requests/s | p50 ms | p95 ms | p99 ms | errors | conflicts |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in sorted(rec.latencies):
        values = sorted(rec.latencies[name])
        cells = [f"{percentile(values, p):.0f}" for p in (0.5, 0.95, 0.99)]
        print(
            f"| {name} | {len(values):,} | {len(values) / elapsed:,.1f} | {' | '.join(cells)} | "
            f"{rec.errors[name]} | {rec.conflicts[name]} |"
        )
    print(
        f"| all | {report.requests:,} | {report.requests / elapsed:,.1f} | | | | "
        f"{report.errors} | {sum(rec.conflicts.values())} |"
    )
    print()
    acked: dict[str, int] = defaultdict(int)
    for ledger in report.ledgers:
        for action, count in ledger.acked.items():
            acked[action] += count
    uncertain = sum(len(ledger.uncertain) for ledger in report.ledgers)
    print(
        f"acknowledged writes: {report.acked:,} ({acked['create']:,} creates, "
        f"{acked['update']:,} updates, {acked['delete']:,} deletes); unclear: {uncertain}"
    )
    for name, check in (
        ("live", report.live_check),
        ("after kill -9 + restart", report.restart_check),
    ):
        print(
            f"final states checked {name}: {check.checked:,}, lost {check.lost}, "
            f"phantom {check.phantoms}"
        )
        for problem in check.problems:
            print(f"  {problem}")
    print(f"shared-case answers showing an acknowledged change undone: {report.shared.reverted}")
    for problem in report.shared.problems:
        print(f"  {problem}")
    print_memory(report)
    for sample in rec.samples:
        print(f"  failed: {sample}")


def print_memory(report: SoakReport) -> None:
    judged = "judged" if report.elapsed >= MEMORY_JUDGED_AFTER else "not judged: run too short"
    print(f"server memory, {len(report.memory)} samples:")
    for part, label in (("rss", "RSS (VmRSS)"), ("anon", "heap (RssAnon)")):
        mb = [getattr(s, part) for s in report.memory]
        if not mb:
            return
        note = f" (limit {report.config.max_slope:.0f}, {judged})" if part == "anon" else ""
        tenths = [mb[min(len(mb) - 1, round(i * (len(mb) - 1) / 10))] for i in range(11)]
        print(
            f"  {label} MB: start {mb[0]:.0f}, end {mb[-1]:.0f}, max {max(mb):.0f}; "
            f"second-half slope {report.second_half_slope(part):+.1f} MB/hour{note}; "
            f"at each tenth of the run: {' '.join(f'{x:.0f}' for x in tenths)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--match-every", type=int, default=25)
    parser.add_argument("--write-pause", type=float, default=0.25)
    parser.add_argument("--sample-every", type=float, default=2.0)
    parser.add_argument("--max-slope", type=float, default=MAX_SLOPE_MB_PER_HOUR)
    args = parser.parse_args()
    config = SoakConfig(
        seconds=args.seconds,
        readers=args.readers,
        writers=args.writers,
        match_every=args.match_every,
        write_pause=args.write_pause,
        sample_every=args.sample_every,
        max_slope=args.max_slope,
    )
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, load average {os.getloadavg()[0]:.2f} at start; "
        f"{config.readers} readers, {config.writers} writers "
        f"(pause {config.write_pause:g} s), {config.seconds:.0f} s"
    )
    with tempfile.TemporaryDirectory(prefix="disproof-soak-") as folder:
        report = run_soak(config, Path(folder))
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print()
        print_report(report)
        failures = report.failures()
        print()
        print("FAIL: " + "; ".join(failures) if failures else "OK")
        if failures:
            lines = Path(folder, "server.log").read_text(errors="replace").splitlines()
            print("\n".join(line for line in lines if "INFO:" not in line)[-4000:])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
