"""Load with 1 and several workers: requests/s and p50/p99 of a reading mix, per store.

    python -m benchmarks.workers [--targets sqlite:1,postgresql:1,postgresql:4] [--clients 8]
                                 [--seconds 60] [--warmup 30] [--cache DIR]

Each target is a real ``disproof serve`` (``--workers N``) on 127.0.0.1 on a copy of the same
data, the EUvsDisinfo case index with its match index (see ``benchmarks/team.py``). ``--clients``
threads send requests back to back for ``--warmup`` seconds (not counted: every worker loads e5
and the index) and then ``--seconds``: of every ten, five searches (GET /api/v1/search), three
web case pages (GET /cases/{id}: related cases ranked with the matcher) and two matches of a
short claim (POST /api/v1/match). Prints one Markdown row per target with requests/s, p50/p99
per kind, errors, the resident memory (RSS) of each server process after the run, and the load
average before and after. The clients run on the same machine as the server.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time

import httpx

from benchmarks.load import CLAIMS, QUERIES
from benchmarks.serving import process_tree, read_memory
from benchmarks.soak import percentile
from benchmarks.soak_clients import Recorder, case_path
from benchmarks.team import (
    Target,
    Window,
    add_arguments,
    each_served,
    for_seconds,
    prepare,
    window,
)

MIX = ("search",) * 5 + ("case page",) * 3 + ("match",) * 2
KINDS = ("search", "case page", "match")


def client_loop(base: str, n: int, ids: list[str], rec: Recorder, stop: threading.Event) -> None:
    """Send the mix back to back until ``stop``."""
    rng = random.Random(n)
    with httpx.Client(base_url=base, timeout=120) as client:
        while not stop.is_set():
            kind = rng.choice(MIX)
            if kind == "search":
                params = {"q": rng.choice(QUERIES)}
                rec.call(client, kind, "GET", "/api/v1/search", params=params)
            elif kind == "case page":
                rec.call(client, kind, "GET", case_path(rng.choice(ids), web=True))
            else:
                claim = {"text": rng.choice(CLAIMS), "top_k": 5}
                rec.call(client, kind, "POST", "/api/v1/match", json=claim)


def case_ids(base: str, pages: int = 3) -> list[str]:
    """The ids of ``pages`` pages of 100 cases, spread over the listing."""
    ids: list[str] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        total = client.get("/api/v1/cases", params={"limit": 1}).json()["total"]
        for offset in range(0, total, max(100, total // pages)):
            page = client.get("/api/v1/cases", params={"limit": 100, "offset": offset}).json()
            ids += [case["id"] for case in page["results"]]
    return ids


def drive(base: str, ids: list[str], clients: int, seconds: float) -> tuple[Recorder, float]:
    """``clients`` threads for ``seconds``; what they saw and the time it took."""
    rec, stop = Recorder(), threading.Event()
    threads = [
        threading.Thread(target=client_loop, args=(base, n, ids, rec, stop)) for n in range(clients)
    ]
    return rec, for_seconds(threads, stop, seconds)


def memory(pid: int) -> str:
    """RSS in MB of the server's processes: the first one, then its descendants."""
    samples = [read_memory(p, 0) for p in process_tree(pid)]
    return " + ".join(f"{s.rss:.0f}" for s in samples if s is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=30)
    args = parser.parse_args()
    prepared, _ = prepare(args.cache)
    print(
        f"{args.clients} clients, mix of 5 searches : 3 case pages : 2 matches, "
        f"{args.warmup:.0f} s warm-up + {args.seconds:.0f} s, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}\n"
    )
    print(
        "| served by | requests/s | search p50 / p99 ms | case page p50 / p99 ms | "
        "match p50 / p99 ms | CPU ms per request (app + PostgreSQL) | errors | "
        "RSS MB (server + workers) | load before → after |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    failed = False
    for target, server, cluster in each_served(args.targets, prepared):
        ids = case_ids(server.base)
        drive(server.base, ids, args.clients, args.warmup)
        with window(server, cluster) as seen:
            rec, elapsed = drive(server.base, ids, args.clients, args.seconds)
        failed |= _report(target, rec, elapsed, seen, memory(server.pid))
    sys.exit(1 if failed else 0)


def _report(target: Target, rec: Recorder, elapsed: float, seen: Window, rss: str) -> bool:
    cells = []
    for kind in KINDS:
        values = sorted(rec.latencies[kind])
        cells.append(f"{percentile(values, 0.5):,.0f} / {percentile(values, 0.99):,.0f}")
    total = sum(len(v) for v in rec.latencies.values())
    errors = sum(rec.errors.values())
    print(
        f"| {target.label} | {total / elapsed:,.1f} | {' | '.join(cells)} | "
        f"{seen.cpu_per(total)} | {errors} | {rss} | {seen.loads} |",
        flush=True,
    )
    for sample in rec.samples:
        print(f"  failed: {sample}", file=sys.stderr)
    return errors > 0


if __name__ == "__main__":
    main()
