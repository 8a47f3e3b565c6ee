"""The whole matcher at a million cases: single-claim latency, memory, and adding one case.

    python -m benchmarks.scale_matcher [--cases 1000000] [--adds 10] [--deletes 10]
        [--queries 200] [--ef 512 1024] [--vectors benchmarks/.work/scale/1000000] [--rebuild]

No store of a million cases (writing and indexing one would take hours here): the match index
is assembled straight from cached parts, as ``build_index`` would assemble it from a store.

- Vectors: the million synthetic e5-like vectors of ``benchmarks.scale`` (real CheckThat! e5
  title vectors as seeds; ``--vectors``, its cache), copied once into this benchmark's folder;
  the **same matrix for both dense fields** (title and summary), and the **same HNSW graph**
  (``benchmarks.scale``'s, built once in 53 minutes: a second graph would cost as much again)
  served for both, each field from its own folder of links to it. Case ``k`` is row ``k - 1``.
- Texts: the analysed tokens of the 14,231 CheckThat! claims' titles and claims, and past them
  synthetic ones (a seeded random claim's tokens with a quarter replaced by another's, as
  ``benchmarks.scale_lexical``); what a match shows of a case is its tokens joined. English.
- Queries: the CheckThat! dev-test tweets, encoded by the real e5 model (the shipped
  calibration scores them); each span's vector is encoded once in a warm-up pass and looked
  up in the timed pass, so the latency is the matcher's without the encoder (measured apart).

Measured, in one process: the first load as a serving process does it (``load_saved``,
``attach_ann``: the graphs' checksums), single-claim ``Matcher.match`` p50/p95 warm (top 5),
RSS (anonymous and file-backed), then ``--adds`` cases added one by one as
``MatcherBuilder.build`` runs it in the server — the last index, kept in memory (the saved
one's meta file checked), the cases now (the change log's answer for the new case laid over
the index's keys, ``state_after``; the log's query left out), the index updated for it (its
text read from a stand-in store; its vector given: its encoding is left out), saved, the
graphs attached (the new rows beside them), a new ``Matcher`` — each step's median; then the
latency again with the added cases beside the graphs; then ``--deletes`` cases removed one
by one from the middle the same way (their rows left as tombstones) and the latency again;
then BM25 search alone, pruned (MaxScore) against exhaustive; last (it reads the matrix, which
serving leaves alone) the graph's recall@10 against exact search on ``benchmarks.scale``'s
synthetic queries, per graph search width.

``--ef``: graph search widths (usearch's ``expansion_search``) whose latency is measured one
after the other on the same graphs (the last one then serves the adds and deletes); default
the shipped one.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import statistics
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks.checkthat_data import load_queries, load_vclaims
from disproof.embed import Embedder, load_embedder
from disproof.match.appearances import AppearanceRows
from disproof.match.calibration import calibration_for
from disproof.match.index import CaseIndex, _vector_hash, saved_fingerprint
from disproof.match.matcher import Matcher
from disproof.match.retrieval import dense_hits, stored_vectors
from disproof.match.scale import attach_ann
from disproof.match.update import state_after, update_index
from disproof.retrieve import BM25Index, DenseIndex
from disproof.retrieve.ann import EXPANSION_SEARCH, AnnIndex, Overlay
from disproof.retrieve.arrays import load_array
from disproof.retrieve.dense import stored_precision
from disproof.store.changes import ChangedCases, Position
from disproof.store.corpus import CaseDetail, CaseText, StoredVector
from disproof.text import Analyzer

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "scale_matcher"
BASE = "benchmark-million-vectors"  # the dense matrix's identity (both fields: one matrix)


class Texts:
    """The cases' tokens, regenerated from their key (deterministic)."""

    def __init__(self, analyzer: Analyzer) -> None:
        claims = load_vclaims()
        self.seeds = {
            "title": [analyzer.tokens(c.title, "en") for c in claims],
            "summary": [analyzer.tokens(c.claim, "en") for c in claims],
        }

    def tokens(self, pk: int, field: str) -> list[str]:
        seeds = self.seeds[field]
        if pk <= len(seeds):
            return seeds[pk - 1]
        rng = random.Random(pk * 2 + (field == "summary"))
        a, b = rng.choice(seeds), rng.choice(seeds)
        return [rng.choice(b) if b and rng.random() < 0.25 else t for t in a]


class StandIn:
    """What the matcher and the index update read of the store, for a million cases that are
    not in one: details of any key (its tokens joined), and the added cases' texts and
    vectors."""

    def __init__(self, texts: Texts, embedder: Embedder) -> None:
        self.texts = texts
        self.embedder = embedder
        self.added: dict[int, tuple[CaseText, npt.NDArray[np.float32]]] = {}

    def details(self, pks: Iterable[int]) -> dict[int, CaseDetail]:
        out = {}
        for pk in pks:
            if pk in self.added:
                case = self.added[pk][0]
                out[pk] = CaseDetail(case.id, case.title, case.summary, None, [])
            else:
                title, summary = (" ".join(self.texts.tokens(pk, f)) for f in ("title", "summary"))
                out[pk] = CaseDetail(f"case-{pk}", title, summary, None, [])
        return out

    def case_texts(self, pks: Sequence[int] | None = None) -> list[CaseText]:
        assert pks is not None
        return [self.added[pk][0] for pk in pks]

    def vectors(
        self, model: str, pks: Sequence[int] | None = None
    ) -> dict[tuple[int, str], StoredVector]:
        assert pks is not None
        out = {}
        for pk in pks:
            case, vector = self.added[pk]
            for field, text in (("title", case.title), ("summary", case.summary)):
                out[(pk, field)] = StoredVector(_vector_hash(text, self.embedder), vector)
        return out

    def save_vectors(self, model: str, rows: object) -> None:
        raise AssertionError("the added cases' vectors are given: nothing is encoded")


class Cached:
    """The e5 embedder with each query text's vector kept: encoded once (warm-up), then looked
    up, so that timed matching leaves the encoder out."""

    def __init__(self, embedder: Embedder) -> None:
        self.inner = embedder
        self.model_id, self.dim = embedder.model_id, embedder.dim
        self.document_prefix = embedder.document_prefix
        self.seen: dict[str, npt.NDArray[np.float32]] = {}
        self.encoding_s: list[float] = []

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> npt.NDArray[np.float32]:
        todo = [t for t in texts if t not in self.seen]
        if todo:
            started = time.perf_counter()
            vectors = self.inner.encode_queries(todo)
            self.encoding_s.append((time.perf_counter() - started) / len(todo))
            self.seen.update(zip(todo, vectors, strict=True))
        return np.stack([self.seen[t] for t in texts]).astype(np.float32)

    def encode_documents(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> npt.NDArray[np.float32]:
        return self.inner.encode_documents(texts, batch_size)


class Laps:
    """Milliseconds of each named step into ``steps``, timed from the previous lap."""

    def __init__(self, steps: dict[str, list[float]]) -> None:
        self.steps = steps
        self.clock = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.steps.setdefault(step, []).append((now - self.clock) * 1000)
        self.clock = now


def assemble(n: int, vectors: Path, model_id: str, analyzer: Analyzer) -> tuple[Path, float]:
    """The saved match index of ``n`` cases, and its graphs' folders (built once, then kept;
    each run starts from the index as assembled, not with the cases an earlier run added)."""
    folder = WORK / str(n)
    index_dir, ann = folder / "cases.index", folder / "cases.ann"
    assembled = folder / "cases.index.assembled"  # hard links: saved files never change
    saved = CaseIndex.load_saved(assembled, model_id)
    if saved is not None and saved.appearances is not None:  # by this code's format
        shutil.rmtree(index_dir, ignore_errors=True)
        shutil.copytree(assembled, index_dir, copy_function=os.link)
        return index_dir, 0.0
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    source = load_array(vectors / "vectors.npy")
    stored = np.lib.format.open_memmap(
        folder / "vectors.npy", mode="w+", dtype=np.float32, shape=source.shape
    )
    for start in range(0, len(source), 65_536):  # as the index stores them: float16's numbers
        stored[start : start + 65_536] = stored_precision(source[start : start + 65_536])
    stored.flush()
    del stored, source
    matrix = load_array(folder / "vectors.npy")
    assert matrix.shape[0] >= n
    texts = Texts(analyzer)
    bm25 = {}
    for field in ("title", "summary"):
        docs = [texts.tokens(pk, field) for pk in range(1, n + 1)]
        built = BM25Index.build(docs, name=f"bm25_{field}")
        del docs
        built.save(folder / f"bm25_{field}")
        bm25[field] = BM25Index.load(folder / f"bm25_{field}")
    pks = np.arange(1, n + 1, dtype=np.int64)
    digests = np.array([pk.to_bytes(8, "big").hex().encode() for pk in range(1, n + 1)], "S16")
    rows = matrix if matrix.shape[0] == n else matrix[:n]  # whole: linked, not written again
    dense = {f: DenseIndex(rows, f"dense_{f}", base_id=BASE) for f in ("title", "summary")}
    languages = np.full(n, "en", dtype="<U2")
    appearances = AppearanceRows.empty(matrix.shape[1])  # no quotes filed
    index = CaseIndex(
        model_id, "bench:0", pks, bm25, dense, languages, digests, appearances=appearances
    )
    index.save(index_dir)
    for field in ("title", "summary"):
        shutil.rmtree(folder / f"bm25_{field}")
    graph = vectors / "graph"
    for field in ("title", "summary"):  # the same graph for both fields, linked, not copied
        (ann / field).mkdir(parents=True)
        for name in ("graph.usearch", "keys.npy", "digests.npy"):
            (ann / field / name).symlink_to(graph / name)
        meta = json.loads((graph / "meta.json").read_text(encoding="utf-8"))
        meta.update(model_id=model_id, fingerprint=None, base=BASE)
        (ann / field / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    shutil.copytree(index_dir, assembled, copy_function=os.link)
    return index_dir, time.perf_counter() - started


def memory() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def same_numbers(index: CaseIndex, sample: int = 2000) -> None:
    """The graphs hold the matrix's numbers (the graph was built from the vectors before they
    were rounded: usearch rounds to the nearest float16 as ``stored_precision`` does), checked
    on a sample of rows."""
    rows = np.sort(np.random.default_rng(0).choice(len(index), sample, replace=False))
    for field, dense in index.dense.items():
        assert np.array_equal(stored_vectors(index, field, rows), dense.take(rows)), field
    print(f"the graphs hold the matrices' numbers ({sample} rows sampled per field)")


def resident_files(least_mb: float = 10.0) -> dict[str, float]:
    """Resident MB per mapped file (``/proc/self/smaps``), the files with ``least_mb`` or more;
    anonymous memory (heap and anonymous mappings) under ``[anonymous]``."""
    out: dict[str, float] = {}
    name = "[anonymous]"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split(maxsplit=5)
        if head and "-" in head[0] and ":" not in head[0]:  # a mapping's first line
            path = head[5] if len(head) > 5 else ""
            name = Path(path).name if path.startswith("/") else "[anonymous]"
        elif head and head[0] == "Rss:":
            out[name] = out.get(name, 0.0) + int(head[1]) / 1024
    return {k: v for k, v in sorted(out.items(), key=lambda kv: -kv[1]) if v >= least_mb}


def print_resident(when: str) -> None:
    parts = ", ".join(f"{name} {mb:.0f}" for name, mb in resident_files().items())
    print(f"resident MB by mapping, {when}: {parts}")


def set_ef(index: CaseIndex, ef: int) -> None:
    """Search the index's usearch graphs ``ef`` wide."""
    for graph in index.ann.values():
        inner = graph.graph if isinstance(graph, Overlay) else graph
        assert isinstance(inner, AnnIndex)
        inner.graph.expansion_search = ef


def recall(index: CaseIndex, queries: npt.NDArray[np.float32], efs: list[int]) -> None:
    """recall@10 of the title graph against exact search (the matrix product): of the graph's
    own top 10, and of the top 10 of its 100 neighbours re-scored (as the matcher uses them);
    and the graph search's own p50 per query."""
    dense = index.dense["title"]
    exact = [set(np.argsort(-dense.scores(q), kind="stable")[:10].tolist()) for q in queries]
    print("\n| ef | recall@10 raw / as used | graph search p50 ms |\n|---:|---:|---:|")
    for ef in efs:
        set_ef(index, ef)
        graph = index.ann["title"]
        raw = used = 0
        times = []
        for q, truth in zip(queries, exact, strict=True):
            started = time.perf_counter()
            keys = graph.search(q, 100)
            times.append(time.perf_counter() - started)
            rows = np.searchsorted(index.pks, keys)
            raw += len(truth & set(rows[:10].tolist()))
            rescored = rows[np.argsort(-(dense.take(rows) @ q), kind="stable")[:10]]
            used += len(truth & set(rescored.tolist()))
        n = 10 * len(queries)
        print(f"| {ef} | {raw / n:.4f} / {used / n:.4f} | {statistics.median(times) * 1000:.1f} |")
    print(f"# {len(queries)} queries · load {os.getloadavg()[0]:.1f}")


def latency(matcher: Matcher, queries: list[str]) -> tuple[float, float]:
    times = []
    for text in queries:
        started = time.perf_counter()
        matcher.match(text, top_k=5)
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1000, times[int(0.95 * len(times)) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--adds", type=int, default=10)
    parser.add_argument("--deletes", type=int, default=10)
    parser.add_argument("--ef", type=int, nargs="+", default=[EXPANSION_SEARCH])
    parser.add_argument("--recall", type=int, default=200, help="queries for recall@10 (0: none)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--vectors", type=Path, default=ROOT / "benchmarks/.work/scale/1000000")
    parser.add_argument("--rebuild", action="store_true", help="assemble the index again")
    args = parser.parse_args()
    if args.rebuild:
        shutil.rmtree(WORK / str(args.cases), ignore_errors=True)
    print(f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · load {os.getloadavg()}")
    analyzer = Analyzer()
    e5, _ = load_embedder()
    embedder = Cached(e5)
    index_dir, built_s = assemble(args.cases, args.vectors, embedder.model_id, analyzer)
    print(f"assembled in {built_s:.0f} s" if built_s else "assembled before: reused")
    ann = index_dir.with_name("cases.ann")
    calibration = calibration_for(embedder.model_id)
    stand_in = StandIn(Texts(analyzer), embedder)  # type: ignore[arg-type]
    started = time.perf_counter()
    index = CaseIndex.load_saved(index_dir, embedder.model_id)
    assert index is not None
    loaded_s = time.perf_counter() - started
    attach_ann(index, ann, 0)
    first_s = time.perf_counter() - started
    matcher = Matcher(index, stand_in, embedder, calibration, analyzer)  # type: ignore[arg-type]
    print(f"first load: index {loaded_s:.2f} s, with graphs and matcher {first_s:.2f} s")
    print_resident("after the first load")
    queries = list(load_queries("devtest").values())[: args.queries]
    for text in queries:  # warm-up: every span encoded once
        matcher.match(text, top_k=5)
    encode_ms = statistics.median(embedder.encoding_s) * 1000
    for ef in args.ef:
        set_ef(index, ef)
        p50, p95 = latency(matcher, queries)
        mem = memory()
        print(
            f"match, graph search ef {ef}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(queries)} "
            f"tweets, warm; e5 encoding apart: {encode_ms:.0f} ms per span) · RSS "
            f"{mem['VmRSS']:.0f} MB (anonymous {mem['RssAnon']:.0f}, file-backed "
            f"{mem['RssFile']:.0f}) · load {os.getloadavg()[0]:.1f}"
        )
    print_resident("after the queries")
    steps: dict[str, list[float]] = {}
    rng = random.Random(7)
    claims = load_vclaims()
    extra = np.load(args.vectors / "queries.npy")
    first = int(index.pks[-1]) + 1
    for i in range(args.adds):
        pk = first + i
        claim = rng.choice(claims)
        content_hash = f"{pk:016x}"  # its digest: the first 16 characters
        case = CaseText(pk, f"added-{i}", f"{claim.title} {i}", claim.claim, None, content_hash)
        stand_in.added[pk] = (case, extra[i])
        # what the store's change log answers (``changed_since``; the query is left out)
        delta = ChangedCases(
            Position("bench", i + 1), np.array([pk]), [content_hash], np.zeros(0, np.int64), pk
        )
        lap = Laps(steps)

        # as MatcherBuilder._saved: the index in memory, if it is the one saved
        assert saved_fingerprint(index_dir, embedder.model_id) == index.fingerprint
        saved = dataclasses.replace(index, ann={})
        lap("the saved index (in memory: its meta file checked)")
        state = state_after(saved, delta)  # as current_state
        assert state is not None
        lap("the cases now: the logged change laid over the index's keys")
        updated = update_index(saved, state, stand_in, embedder, analyzer)  # type: ignore[arg-type]
        assert updated is not None
        lap("update (text, language, BM25, dense rows)")
        updated.save(index_dir)
        lap("save the index")
        attach_ann(updated, ann, 0)
        set_ef(updated, args.ef[-1])
        lap("attach the graphs (the new rows beside them)")
        matcher = Matcher(updated, stand_in, embedder, calibration, analyzer)  # type: ignore[arg-type]
        lap("a new Matcher")
        index = updated
    print_steps(steps, f"median of {args.adds} adds")
    last = first + args.adds - 1
    found = dense_hits(matcher.index, "title", stand_in.added[last][1], 20)
    assert int(matcher.index.pks[found[0].doc]) == last, "the last added case is not found"
    print("the last added case is its own vector's nearest (beside the graph)")
    p50, p95 = latency(matcher, queries)
    mem = memory()
    print(
        f"\nmatch after the adds: p50 {p50:.1f} ms, p95 {p95:.1f} ms · RSS {mem['VmRSS']:.0f} MB "
        f"(anonymous {mem['RssAnon']:.0f}, file-backed {mem['RssFile']:.0f}, peak "
        f"{mem['VmHWM']:.0f}) · load {os.getloadavg()[0]:.1f}"
    )
    print_resident("after the adds and the queries again")
    if args.deletes:
        matcher = deletes(matcher, args, index_dir, stand_in, queries)
        index = matcher.index

    bm25_pruning(matcher.index, queries, analyzer)
    same_numbers(index)  # last: they read rows of the matrices, which serving leaves alone
    if args.recall:
        recall(index, extra[: args.recall], args.ef)


def print_steps(steps: dict[str, list[float]], what: str) -> None:
    print(f"\n| step ({what}) | ms |\n|---|---:|")
    total = [sum(values) for values in zip(*steps.values(), strict=True)]
    for step, values in steps.items():
        print(f"| {step} | {statistics.median(values):.1f} |")
    print(f"| **all** | **{statistics.median(total):.1f}** (max {max(total):.0f}) |")


def deletes(
    matcher: Matcher,
    args: argparse.Namespace,
    index_dir: Path,
    stand_in: StandIn,
    queries: list[str],
) -> Matcher:
    """``args.deletes`` cases from the middle deleted one by one as ``MatcherBuilder.build``
    runs it (the change log's answer, the update, the save, the graphs, a new ``Matcher``);
    each deleted case's own vector must no longer find it."""
    index = matcher.index
    ann = index_dir.with_name("cases.ann")
    steps: dict[str, list[float]] = {}
    rng = np.random.default_rng(19)
    gone = rng.choice(np.arange(1000, int(index.pks[-1]) // 2), args.deletes, replace=False)
    position = 10_000
    for pk in gone.tolist():
        position += 1
        delta = ChangedCases(
            Position("bench", position), np.zeros(0, np.int64), [], np.array([pk]), index.cases - 1
        )
        lap = Laps(steps)

        saved = dataclasses.replace(index, ann={})
        lap("the saved index (in memory)")
        state = state_after(saved, delta)
        assert state is not None
        lap("the cases now: the logged deletion laid over the index's keys")
        updated = update_index(saved, state, stand_in, matcher.embedder, matcher.analyzer)  # type: ignore[arg-type]
        assert updated is not None and len(updated) == len(index)
        lap("update (a tombstone: BM25 postings out, no row moved)")
        updated.save(index_dir)
        lap("save the index")
        attach_ann(updated, ann, 0)
        set_ef(updated, args.ef[-1])
        lap("attach the graphs")
        matcher = Matcher(
            updated,
            stand_in,
            matcher.embedder,
            matcher.calibration,
            matcher.analyzer,
        )
        lap("a new Matcher")
        index = updated
    print_steps(steps, f"median of {args.deletes} deletes from the middle")
    for pk in gone.tolist():
        vector = index.dense["title"].take(np.array([pk - 1]))[0]
        hits = dense_hits(index, "title", vector, 20)
        assert pk not in {int(index.pks[h.doc]) for h in hits}, pk
    print(f"no deleted case is found by its own vector ({len(index.deleted)} tombstones)")
    p50, p95 = latency(matcher, queries)
    mem = memory()
    print(
        f"match after the deletes: p50 {p50:.1f} ms, p95 {p95:.1f} ms · RSS "
        f"{mem['VmRSS']:.0f} MB (peak {mem['VmHWM']:.0f}) · load {os.getloadavg()[0]:.1f}"
    )
    return matcher


def bm25_pruning(index: CaseIndex, queries: list[str], analyzer: Analyzer) -> None:
    """BM25 search alone, each tweet whole as one span: pruned (MaxScore) against exhaustive,
    per field — p50/p95 and whether the hits (rows, scores, ranks) are identical."""
    from disproof.retrieve import lexical

    saved = lexical.PRUNE_FROM
    print("\n| field | exhaustive p50 / p95 ms | pruned p50 / p95 ms | identical hits |")
    print("|---|---:|---:|---:|")
    for field, bm25 in index.bm25.items():
        times: dict[str, list[float]] = {"exhaustive": [], "pruned": []}
        same = 0
        for text in queries:
            tokens = analyzer.tokens(text, "en")
            hits = {}
            for mode, prune_from in (("exhaustive", 10**12), ("pruned", saved)):
                lexical.PRUNE_FROM = prune_from
                started = time.perf_counter()
                hits[mode] = bm25.search(tokens, 20)
                times[mode].append((time.perf_counter() - started) * 1000)
            same += hits["exhaustive"] == hits["pruned"]
        lexical.PRUNE_FROM = saved
        cells = []
        for mode in ("exhaustive", "pruned"):
            ordered = sorted(times[mode])
            cells.append(
                f"{statistics.median(ordered):.1f} / {ordered[int(0.95 * len(ordered))]:.1f}"
            )
        print(f"| {field} | {cells[0]} | {cells[1]} | {same} of {len(queries)} |")
    print(f"# load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
