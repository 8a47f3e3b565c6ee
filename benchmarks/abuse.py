"""Abuse: how fast reads stay while other clients hammer the expensive endpoints.

    python -m benchmarks.abuse [--seconds 60] [--readers 2] [--abusers 4] [--connections 1]
                               [--chars 20000] [--label after]

Seeds a temporary database with the demo cases, starts ``disproof serve`` (the tree on
``PYTHONPATH``) on a free port of 127.0.0.1 and warms it up (model load, matching index). Then
two phases of ``--seconds`` each:

1. *quiet*: ``--readers`` threads loop over GET case and search (API), one more over case
   pages (which rank related cases with the matcher: a read, but not a cheap one);
2. *abused*: the same readers, plus ``--abusers`` threads, each from its own loopback address
   (127.0.0.2, 127.0.0.3, … so each is a client of its own) with ``--connections`` concurrent
   connections each, and without a token, looping over
   POST /api/v1/match and /api/v1/report with a ``--chars``-character article and GET /trends
   by week from 1000-01-01 to 9998-12-31 — what issue 15 reported holding the server for
   minutes. Every abusive request may take up to the phase's length.

Prints Markdown rows per phase and kind of read (count, p50, p99, max, errors; ``api`` is case
and search together) and what the expensive requests got (status counts, median time). Run it
once with the fixed tree and once with the tree before the fix on ``PYTHONPATH`` to compare
(``--label``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import httpx

from benchmarks.serving import Server, cli

WORDS = (
    "the government claims that western laboratories in ukraine develop biological weapons "
    "while nato expands to the east and sanctions hurt europe more than russia because the "
    "elections were rigged by foreign agents and the media hide the truth about vaccines"
).split()
#: What the readers read, in turn: a case and a search through the API, a case's web page.
READS = ("case", "search", "page")
TRENDS = {"by": "keyword", "period": "week", "from": "1000-01-01", "to": "9998-12-31"}


def article(chars: int, seed: int) -> str:
    """An article-like text of ``chars`` characters (sentences of the words above)."""
    out: list[str] = []
    n, size = seed, 0
    while size < chars:
        sentence = " ".join(WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(14)).capitalize()
        out.append(sentence + ".")
        size += len(sentence) + 2
        n += 1
    return " ".join(out)[:chars]


@dataclass
class Tally:
    """What the clients of one phase saw."""

    reads: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in READS})
    read_errors: int = 0
    expensive: Counter[str] = field(default_factory=Counter)
    expensive_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def reader(
    base: str, ids: list[str], stop: threading.Event, tally: Tally, n: int, pages: bool
) -> None:
    """Read cases and searches through the API (or, with ``pages``, case pages) until
    ``stop``."""
    with httpx.Client(base_url=base, timeout=120) as client:
        while not stop.is_set():
            case_id = ids[n % len(ids)]
            kind = READS[n % 2] if pages is False else "page"
            path = {"case": f"/api/v1/cases/{case_id}", "search": "/api/v1/search"}.get(
                kind, f"/cases/{case_id}"
            )
            params = {"q": WORDS[n % len(WORDS)]} if kind == "search" else None
            start = time.perf_counter()
            try:
                ok = client.get(path, params=params).status_code == 200
            except httpx.HTTPError:
                ok = False
            with tally.lock:
                tally.reads[kind].append((time.perf_counter() - start) * 1000)
                tally.read_errors += not ok
            n += 1


def abuser(
    base: str, n: int, args: argparse.Namespace, stop: threading.Event, tally: Tally
) -> None:
    chars, seconds, per_client = args.chars, args.seconds, args.connections
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{2 + n // per_client}")
    with httpx.Client(base_url=base, timeout=seconds + 30, transport=transport) as client:
        i = n
        while not stop.is_set():
            start = time.perf_counter()
            kind = ["match", "report", "trends"][i % 3]
            try:
                if kind == "trends":
                    status = str(client.get("/trends", params=TRENDS).status_code)
                else:
                    text = article(chars, i)
                    body = {"text": text, "top_k": 100}
                    status = str(client.post(f"/api/v1/{kind}", json=body).status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            with tally.lock:
                tally.expensive[f"{kind} {status}"] += 1
                tally.expensive_ms.append((time.perf_counter() - start) * 1000)
            i += 1


def phase(base: str, ids: list[str], args: argparse.Namespace, abusers: int) -> Tally:
    tally, stop = Tally(), threading.Event()
    threads = (
        [
            threading.Thread(target=reader, args=(base, ids, stop, tally, n, False))
            for n in range(args.readers)
        ]
        + [threading.Thread(target=reader, args=(base, ids, stop, tally, 0, True))]
        + [
            threading.Thread(target=abuser, args=(base, n, args, stop, tally))
            for n in range(abusers * args.connections)
        ]
    )
    for thread in threads:
        thread.start()
    stop.wait(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return tally


def rows(label: str, name: str, tally: Tally) -> list[str]:
    return [
        row(
            label,
            name,
            what,
            tally.reads[what] if what != "api" else tally.reads["case"] + tally.reads["search"],
            tally,
        )
        for what in ("case", "search", "api", "page")
    ]


def row(label: str, name: str, what: str, values: list[float], tally: Tally) -> str:
    reads = sorted(values)
    p99 = reads[max(0, int(0.99 * len(reads)) - 1)] if reads else float("nan")
    median = statistics.median(reads) if reads else float("nan")
    got = ", ".join(f"{k}: {v}" for k, v in sorted(tally.expensive.items())) or "—"
    slow = f"{statistics.median(tally.expensive_ms) / 1000:.1f}" if tally.expensive_ms else "—"
    if what != "api":
        got = slow = ""
    return (
        f"| {label} | {name} | {what} | {len(reads):,} | {median:.0f} | {p99:.0f} | "
        f"{reads[-1] if reads else 0:.0f} | {tally.read_errors} | {got} | {slow} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--abusers", type=int, default=4)
    parser.add_argument("--chars", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=1, help="concurrent ones per abuser")
    parser.add_argument("--label", default=os.environ.get("PYTHONPATH", "PYTHONPATH unset"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "abuse.db"
        cli(db, "import", str(resources.files("disproof.data.demo") / "cases.jsonl"))
        server = Server(db, Path(folder) / "server.log")
        server.start()
        try:
            warm = httpx.post(server.base + "/api/v1/match", json={"text": "NATO."}, timeout=600)
            warm.raise_for_status()
            found = httpx.get(server.base + "/api/v1/search", params={"limit": 50}, timeout=60)
            ids = [case["id"] for case in found.json()["results"]]
            for case_id in ids:  # each page once: related cases are ranked on first view
                httpx.get(f"{server.base}/cases/{case_id}", timeout=600).raise_for_status()
            quiet = phase(server.base, ids, args, 0)
            abused = phase(server.base, ids, args, args.abusers)
        finally:
            server.stop()
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, "
        f"{args.readers} readers, {args.abusers} abusers × {args.connections} connections, "
        f"{args.chars:,}-character texts, "
        f"{args.seconds:.0f} s per phase"
    )
    print()
    print(
        "| code | phase | read | reads | p50 ms | p99 ms | max ms | read errors "
        "| expensive requests (status: count) | expensive median s |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---|---:|")
    for line in rows(args.label, "quiet", quiet) + rows(args.label, "abused", abused):
        print(line)


if __name__ == "__main__":
    main()
