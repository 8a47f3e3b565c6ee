"""Load: concurrent clients against a live server on 127.0.0.1 (search and match).

    python -m benchmarks.load [--db PATH] [--clients 8] [--seconds 20]

Starts the app with uvicorn in this process (one worker, like `disproof serve`) on a free port,
on the given database (default: a fresh demo database), then runs ``--clients`` threads for
``--seconds`` each against GET /api/v1/search and POST /api/v1/match. Prints requests/s,
p50/p99 latency and errors per endpoint as a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import uvicorn

from disproof.api.app import create_app
from disproof.service import Disproof
from disproof.settings import Settings

QUERIES = ["MH17", "biolabs Ukraine", "NATO", "colour revolution", "vaccine", "Skripal", "Crimea"]
CLAIMS = [
    "Die USA betreiben geheime Biolabore in der Ukraine.",
    "Украина сбила малайзийский Боинг своим Буком.",
    "NATO promised Gorbachev not to expand one inch to the east.",
    "Les manifestations en Biélorussie sont une révolution de couleur organisée par l'Occident.",
]


def start(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, str]:
    service = Disproof.open(settings)
    if service.count() == 0:
        service.load_demo()
    app = create_app(settings, service=service)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def worker(
    base: str,
    kind: str,
    seconds: float,
    out: dict[str, list[float]],
    errors: dict[str, int],
    n: int,
) -> None:
    deadline = time.perf_counter() + seconds
    with httpx.Client(base_url=base, timeout=30) as client:
        i = n
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            try:
                if kind == "search":
                    r = client.get("/api/v1/search", params={"q": QUERIES[i % len(QUERIES)]})
                else:
                    r = client.post(
                        "/api/v1/match", json={"text": CLAIMS[i % len(CLAIMS)], "top_k": 5}
                    )
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            out[kind].append((time.perf_counter() - t) * 1000)
            if not ok:
                errors[kind] += 1
            i += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # the clients are ours: no budget for expensive requests (it would answer 429)
        settings = Settings(
            db=str(args.db or Path(folder) / "demo.db"),
            budget_burst=1e12,
            budget_per_minute=1e12,
        )
        server, thread, base = start(settings)
        httpx.post(base + "/api/v1/match", json={"text": CLAIMS[0]}, timeout=120)  # build the index
        print(
            f"{platform.machine()}, {time.strftime('%Y-%m-%d')}, "
            f"{args.clients} clients per endpoint, {args.seconds:.0f} s, database {settings.db}"
        )
        print()
        print("| endpoint | requests | requests/s | p50 ms | p99 ms | errors |")
        print("|---|---:|---:|---:|---:|---:|")
        for kind in ("search", "match"):
            latencies: dict[str, list[float]] = defaultdict(list)
            errors: dict[str, int] = defaultdict(int)
            threads = [
                threading.Thread(
                    target=worker, args=(base, kind, args.seconds, latencies, errors, n)
                )
                for n in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            values = sorted(latencies[kind])
            p99 = values[max(0, int(0.99 * len(values)) - 1)]
            print(
                f"| {kind} | {len(values):,} | {len(values) / args.seconds:,.1f} | "
                f"{statistics.median(values):.0f} | {p99:.0f} | {errors[kind]} |"
            )
        server.should_exit = True
        thread.join(10)


if __name__ == "__main__":
    main()
