"""Bulk scanning throughput: `match --jsonl` against `disproof scan` on local Dask clusters,
and the encoder's own limit on this machine.

    python -m benchmarks.scan [--posts 400] [--db PATH]

Posts are built deterministically from the shared data: CheckThat! 2022 tweets as they are,
and SemEval-2025 Task 10 English articles cut into posts of one to three consecutive sentences
(a headline-and-lead kind of post), alternating. The cases are the demo database's (or
``--db``): throughput is set by encoding the posts' claim spans, not by the number of cases
(exact search over 15k cases costs ~1 ms a span, encoding ~25 ms).

Measured, all after start-up (cluster start, model load and index load are timed apart):

* encoder limit: the posts' claim spans (as the matcher cuts them) encoded in one process
  with one OpenMP thread per core — no retrieval, scoring or I/O: the ceiling;
* ``match --jsonl``: the matcher in one process, 64 texts at a time, as the command runs it;
* ``scan``: the whole scan (reading, partitions, tasks, Parquet writing) on a local cluster of
  1 worker × 2 threads, 2 workers × 1 thread and 1 worker × 1 thread; memory per worker is
  its resident set after the scan.

Each run also reports CPU seconds per post (the client's and the workers' together), which a
shared machine distorts far less than wall time: "encoder CPU ÷ this CPU" is the share of the
work that is encoding, the efficiency the machine would show if it were idle.

Prints a Markdown table with the load average; results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def build_posts(count: int) -> list[dict[str, Any]]:
    """``count`` posts alternating tweets and 1-3 sentence cuts of articles (deterministic)."""
    with (DATA / "checkthat2022" / "train_dev_queries.tsv").open(encoding="utf-8") as f:
        tweets = [row[1] for row in csv.reader(f, delimiter="\t") if len(row) > 1]
    cuts: list[str] = []
    folder = DATA / "semeval2025_t10" / "EN" / "raw-documents"
    for number, path in enumerate(sorted(folder.glob("*.txt"))):
        sentences = [s for s in SENTENCE_END.split(" ".join(path.read_text().split())) if s]
        size = 1 + number % 3
        cuts += [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]
    posts = []
    for i in range(count):
        source = tweets if i % 2 == 0 else cuts
        text = source[(i // 2 * 7919) % len(source)]
        posts.append({"id": f"post-{i}", "text": text, "date": f"2024-03-{1 + i % 28:02d}",
                      "outlet": f"outlet-{i % 11}"})  # fmt: skip
    return posts


def demo_database(folder: Path) -> Path:
    from disproof.service import Disproof
    from disproof.settings import Settings

    path = folder / "cases.db"
    service = Disproof.open(Settings(db=str(path)))
    demo = resources.files("disproof.data.demo") / "cases.jsonl"
    service.import_file(Path(str(demo)))
    service.matcher()  # encode the cases and save the index now
    return path


def encoder_limit(texts: list[str]) -> tuple[float, float, int]:
    """Seconds and CPU seconds to encode the posts' claim spans with one thread per core, and
    the number of spans."""
    from disproof.embed.e5 import E5Embedder
    from disproof.text.clauses import claim_clauses

    spans = [span.text for text in texts for span in claim_clauses(text, max_spans=None)[0]]
    embedder = E5Embedder(threads=os.cpu_count()).load()
    embedder.encode_queries(spans[:8])
    start, cpu = time.perf_counter(), time.process_time()
    embedder.encode_queries(spans)
    return time.perf_counter() - start, time.process_time() - cpu, len(spans)


def match_jsonl(db: Path, texts: list[str]) -> tuple[float, float]:
    """Seconds and CPU seconds for the matcher to match every post, 64 at a time (as
    ``match --jsonl`` does)."""
    from disproof.service import Disproof
    from disproof.settings import Settings

    matcher = Disproof.open(Settings(db=str(db))).matcher()
    matcher.match_many(texts[:4])
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), 64):
        matcher.match_many(texts[i : i + 64])
    return time.perf_counter() - start, time.process_time() - cpu


def scan_run(db: Path, posts: Path, out: Path, workers: int, threads: int) -> dict[str, float]:
    """One scan on a fresh local cluster: start-up and scan seconds, CPU seconds of the client
    and the workers together, MB per worker."""
    import psutil

    from disproof.scan.bundle import write_bundle
    from disproof.scan.output import Output
    from disproof.scan.run import ScanOptions, connect, scan
    from disproof.scan.sources import sources
    from disproof.scan.worker import MatcherPlugin
    from disproof.service import Disproof
    from disproof.settings import Settings
    from disproof.store.corpus import CorpusStore

    service = Disproof.open(Settings(db=str(db)))
    matcher = service.matcher()
    bundle_folder = out.with_name(f"{out.name}-bundle")
    bundle = write_bundle(matcher, CorpusStore(service.store.engine), bundle_folder, None)
    options = ScanOptions(partition_size=50, workers=workers, threads=threads)
    start = time.perf_counter()
    client = connect(options)
    client.register_plugin(MatcherPlugin(bundle.digest, str(bundle.folder), None, threads))
    ready = time.perf_counter() - start
    output = Output(out, {"benchmark": True})
    output.open()

    def cpu_seconds() -> float:
        return float(sum(psutil.Process().cpu_times()[:2]))

    workers_cpu = sum(client.run(cpu_seconds).values())
    start, cpu = time.perf_counter(), time.process_time()
    scan(client, sources([str(posts)]), options, bundle, output)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu + sum(client.run(cpu_seconds).values()) - workers_cpu
    memory = client.run(lambda: psutil.Process().memory_info().rss)
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()
    return {"start": ready, "seconds": seconds, "cpu": cpu, "mb": max(memory.values()) / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scan-bench-"))
    posts = build_posts(args.posts)
    texts = [p["text"] for p in posts]
    posts_file = work / "posts.jsonl"
    posts_file.write_text("".join(json.dumps(p) + "\n" for p in posts), encoding="utf-8")
    db = args.db or demo_database(work)
    load_before = os.getloadavg()
    n = args.posts
    encode_seconds, encode_cpu, spans = encoder_limit(texts)
    limit, limit_cpu = n / encode_seconds, encode_cpu / n
    rows = [("encoder limit (spans only, 1 process × 2 threads)", limit, limit_cpu, "", "")]
    seconds, cpu = match_jsonl(db, texts)
    rows.append(("match --jsonl (1 process × 2 threads)", n / seconds, cpu / n, "", ""))
    for workers, threads in ((1, 2), (2, 1), (1, 1)):
        run = scan_run(db, posts_file, work / f"out-{workers}x{threads}", workers, threads)
        label = f"scan, local cluster {workers} worker(s) × {threads} thread(s)"
        rows.append((label, n / run["seconds"], run["cpu"] / n, f"{run['start']:.1f} s",
                     f"{run['mb']:.0f} MB"))  # fmt: skip
    load_after = os.getloadavg()
    print(f"{n:,} posts ({spans:,} claim spans), {os.cpu_count()} cores, load average "
          f"{load_before[0]:.1f} before / {load_after[0]:.1f} after")  # fmt: skip
    print()
    print("| run | posts/s | % of encoder limit | CPU s per post | encoder CPU ÷ this CPU "
          "| start-up | memory per worker |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, rate, cpu_per_post, start, memory in rows:
        print(f"| {label} | {rate:.1f} | {100 * rate / limit:.0f} % | {cpu_per_post:.3f} "
              f"| {100 * limit_cpu / cpu_per_post:.0f} % | {start} | {memory} |")  # fmt: skip


if __name__ == "__main__":  # Dask's worker processes are spawned: they import this module
    main()
