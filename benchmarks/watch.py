"""Monitoring end to end: items per second, and memory over a long watch of 20 local feeds.

    python -m benchmarks.watch [--feeds 20] [--items 25] [--minutes 10] [--backend e5]

A temporary database holds the demo cases; a threaded HTTP server on 127.0.0.1 serves
``--feeds`` RSS feeds whose items are made from the demo cases' own claims (every other one
restated, the others everyday filler). Each round every feed gets new items and a new ETag, and
every source is polled: fetched, parsed, each new item matched with the production matcher and
recorded with its sightings. Prints, as Markdown tables:

1. throughput: one round of ``--feeds`` × ``--items`` new items, end to end (items/s, and the
   share of that time spent matching — the encoder);
2. memory: the resident set size after each minute of rounds of 5 new items per feed for
   ``--minutes`` minutes (flat = no growth beyond the first minutes' warm-up).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from disproof.models import MatchResult
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.sources import HttpFetcher, HttpLimits
from disproof.watch.models import SourceCreate
from disproof.watch.poll import TOP_K, Poller
from disproof.watch.service import Monitoring

FILLER = [
    "The city council approved the new budget for public transport on Tuesday.",
    "Heavy rain is expected in the north of the country over the weekend.",
    "The national football team won its qualifying match two goals to one.",
    "A new exhibition of modern art opens at the museum next month.",
    "Prices of fresh vegetables fell slightly compared with last year.",
]


class Feeds:
    """The feeds' items (per feed, newest last) and their versions (ETags)."""

    def __init__(self, feeds: int, claims: list[str]) -> None:
        self.items: list[list[tuple[str, str]]] = [[] for _ in range(feeds)]
        self.version = [0] * feeds
        self.claims = claims
        self.counter = 0
        self.lock = threading.Lock()

    def grow(self, per_feed: int, rng: random.Random) -> None:
        with self.lock:
            for feed, items in enumerate(self.items):
                for _ in range(per_feed):
                    self.counter += 1
                    pool = self.claims if self.counter % 2 else FILLER
                    text = f"{rng.choice(pool)} Report {self.counter}: {rng.choice(FILLER)}"
                    items.append((f"https://feed{feed}.example/{self.counter}", text))
                del items[:-50]  # a feed lists its newest 50 items
                self.version[feed] += 1

    def document(self, feed: int) -> tuple[bytes, str]:
        with self.lock:
            entries = "".join(
                f"<item><title>Item</title><link>{escape(link)}</link>"
                f"<description>{escape(text)}</description></item>"
                for link, text in self.items[feed]
            )
            etag = f'"{self.version[feed]}"'
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{entries}'
        return (body + "</channel></rss>").encode(), etag


def serve(feeds: Feeds) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body, etag = feeds.document(int(self.path.strip("/").split(".")[0]))
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class TimedMatch:
    def __init__(self, service: Disproof) -> None:
        self.matcher = service.matchers.get()
        self.seconds = 0.0

    def __call__(self, texts: list[str]) -> list[MatchResult]:
        started = time.perf_counter()
        try:
            return self.matcher.match_many(texts, top_k=TOP_K, min_band="suggested")
        finally:
            self.seconds += time.perf_counter() - started


def poll_all(poller: Poller, monitoring: Monitoring) -> tuple[int, int]:
    """Poll every source now (whatever its schedule): (new items, sightings)."""
    new = sightings = 0
    for source in monitoring.list_sources():
        report = poller.poll(monitoring.sources.pk(source.name), source)
        assert report.error is None, report.error
        new += report.new_items
        sightings += report.sightings
    return new, sightings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--items", type=int, default=25)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--backend", default="e5")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="disproof-watch-bench-"))
    service = Disproof.open(Settings(db=str(folder / "watch.db"), embedder=args.backend))
    service.load_demo()
    started = time.perf_counter()
    match = TimedMatch(service)
    print(f"matcher built in {time.perf_counter() - started:.1f} s ({service.count()} cases)")
    claims = [c.summary for c in service.store.iter_cases() if c.summary]
    feeds = Feeds(args.feeds, claims)
    server = serve(feeds)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monitoring = Monitoring(service)
    for n in range(args.feeds):
        monitoring.add_source(SourceCreate(name=f"feed{n}", kind="rss", location=f"{base}/{n}.xml"))
    poller = Poller(
        monitoring.sources,
        monitoring.sightings,
        match,
        HttpFetcher(HttpLimits(host_delay=0.0)),
    )
    rng = random.Random(20261202)
    feeds.grow(args.items, rng)
    started = time.perf_counter()
    new, sightings = poll_all(poller, monitoring)
    seconds = time.perf_counter() - started
    print("\n| feeds | new items | sightings | seconds | items/s | matching share |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {args.feeds} | {new} | {sightings} | {seconds:.1f} | {new / seconds:.1f} "
        f"| {match.seconds / seconds:.0%} |"
    )
    print("\n| minute | rounds | items so far | RSS MB |")
    print("|---|---|---|---|")
    deadline = time.monotonic() + args.minutes * 60
    minute, rounds, total = 1, 0, new
    next_mark = time.monotonic() + 60
    while time.monotonic() < deadline:
        feeds.grow(5, rng)
        total += poll_all(poller, monitoring)[0]
        rounds += 1
        if time.monotonic() >= next_mark:
            print(f"| {minute} | {rounds} | {total} | {rss_mb():.0f} |", flush=True)
            minute += 1
            next_mark += 60
    print(f"\n{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {total} items in all")
    server.shutdown()
    service.store.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
