"""Propaganda Diary with appearance texts: quotes filed earlier under a claim help find it.

    python -m benchmarks.propaganda_diary --appearances cv [--folds 5]

Five folds over quote groups (the five language versions of a quote are never split). For each
fold, the diary's 68 claims are imported again (the production JSONL importer) with the quotes of
the *other* folds' groups attached as appearances of their gold claim (text, language, outlet),
the match index is brought up to date incrementally (``match/update.py``), and the held-out
fold's quotes are matched by the production matcher. The no-appearances figures come from the
same matcher on the claims as shipped (no appearance texts), scored on every quote.

Encoding is paid once: a caching embedder keeps every span's query vector and every quote's
document vector across folds (the store keeps case vectors by text hash as well).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.propaganda_diary_data import DATA, Query, group_folds
from disproof.embed import Embedder
from disproof.embed.base import Vectors
from disproof.match.calibration import calibration_file_name, calibration_for
from disproof.match.index import CaseIndex, build_index
from disproof.match.matcher import Matcher
from disproof.match.update import current_state, update_index
from disproof.models import MatchResult
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.corpus import CorpusStore
from disproof.text import Analyzer


class CachedEmbedder:
    """An embedder that encodes each (side, text) once per run (the folds reuse the vectors)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.cache: dict[tuple[str, str], np.ndarray] = {}
        self.encoded = 0

    def load(self, path: Path) -> None:
        """Vectors a previous run saved (for this model: the file name says which)."""
        if path.exists():
            data = np.load(path)
            keys = json.loads(str(data["keys"]))
            self.cache.update({(s, t): v for (s, t), v in zip(keys, data["vectors"], strict=True)})

    def save(self, path: Path) -> None:
        keys = list(self.cache)
        vectors = np.stack([self.cache[k] for k in keys]) if keys else np.zeros((0, self.dim))
        np.savez(path, keys=json.dumps(keys), vectors=vectors)

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def normalized(self) -> bool:
        return self.inner.normalized

    @property
    def query_prefix(self) -> str:
        return self.inner.query_prefix

    @property
    def document_prefix(self) -> str:
        return self.inner.document_prefix

    def _encode(self, side: str, texts: Sequence[str], batch_size: int) -> Vectors:
        missing = list(dict.fromkeys(t for t in texts if (side, t) not in self.cache))
        if missing:
            encode = self.inner.encode_queries if side == "q" else self.inner.encode_documents
            vectors = encode(missing, batch_size)
            self.encoded += len(missing)
            self.cache.update({(side, t): v for t, v in zip(missing, vectors, strict=True)})
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self.cache[(side, t)] for t in texts]).astype(np.float32)

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        return self._encode("q", texts, batch_size)

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        return self._encode("d", texts, batch_size)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (the base one stays as the benchmark built it)."""
    for path in (target, target.with_name(target.name + "-wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(target.with_name(target.name + ".index"), ignore_errors=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def targets_with(quotes: list[Query], strict: dict[str, set[str]]) -> list[dict[str, object]]:
    """The diary's claims as shipped, each with ``quotes`` filed under its gold claim as
    appearances (text, language, outlet)."""
    filed: dict[str, list[dict[str, str | None]]] = defaultdict(list)
    for q in quotes:
        for claim in sorted(strict.get(q.qid, ())):
            filed[claim].append({"outlet": q.outlet or None, "language": q.lang, "text": q.text})
    out = []
    for line in (DATA / "targets.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            case["appearances"] = list(case.get("appearances") or []) + filed.get(case["id"], [])
            out.append(case)
    return out


def matcher_for(
    service: Disproof, embedder: CachedEmbedder, previous: CaseIndex | None
) -> tuple[Matcher, float]:
    """The production matcher over the store now: its index updated from ``previous`` (or built)."""
    corpus, analyzer = CorpusStore(service.store.engine), Analyzer()
    start = time.perf_counter()
    index = None
    if previous is not None:
        index = update_index(previous, current_state(previous, corpus), corpus, embedder, analyzer)
    if index is None:
        index = build_index(corpus, embedder, analyzer)
    took = time.perf_counter() - start
    calibration = calibration_for(embedder.model_id)
    return Matcher(index, corpus, embedder, calibration, analyzer), took


def run_cv(
    base_db: Path,
    embedder: Embedder,
    queries: list[Query],
    strict: dict[str, set[str]],
    folds: int,
    baseline: bool = True,
    record: Path | None = None,
) -> tuple[dict[str, MatchResult], dict[str, MatchResult]]:
    """(without, with): every quote's results with the claims as shipped (unless not
    ``baseline``: then empty), and with the other folds' quotes filed under their claims."""
    from benchmarks.propaganda_diary import run
    from benchmarks.propaganda_diary_record import (
        Recording,
        recording_for,
        run_recorded,
        save_recordings,
    )

    recordings: dict[str, Recording] = {}

    def scored(matcher: Matcher, part: list[Query], name: str) -> dict[str, MatchResult]:
        if record is None:
            return run(matcher, part)
        recorder, recordings[name] = recording_for(matcher, CorpusStore(service.store.engine))
        return run_recorded(recorder, part)

    work = base_db.with_name("propaganda_diary_appearances.db")
    copy_database(base_db, work)
    service = Disproof.open(Settings(db=str(work)))
    cached = CachedEmbedder(embedder)
    cache = work.with_name(f"appearances-{calibration_file_name(embedder.model_id)[:-5]}.npz")
    cached.load(cache)
    matcher, took = matcher_for(service, cached, None)
    print(f"index built in {took:.0f} s; {len(matcher.index):,} cases", flush=True)
    start = time.perf_counter()
    without = scored(matcher, queries, "without") if baseline else {}
    print(f"no appearances: {len(without):,} quotes in {time.perf_counter() - start:.0f} s")
    fold_of = group_folds(queries, folds)
    with_texts: dict[str, MatchResult] = {}
    jsonl = work.with_name("propaganda_diary_appearances.jsonl")
    for fold in range(folds):
        filed = [q for q in queries if fold_of[q.group] != fold]
        held = [q for q in queries if fold_of[q.group] == fold]
        jsonl.write_text(
            "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in targets_with(filed, strict)),
            encoding="utf-8",
        )
        service.import_file(jsonl)
        matcher, took = matcher_for(service, cached, matcher.index)
        rows = len(matcher.index.appearances or ())
        start = time.perf_counter()
        with_texts.update(scored(matcher, held, f"fold{fold}"))
        took_quotes = time.perf_counter() - start
        print(
            f"fold {fold}: {len(filed):,} quotes filed ({rows:,} appearance rows), index "
            f"updated in {took:.0f} s; {len(held):,} held-out quotes in {took_quotes:.0f} s",
            flush=True,
        )
    print(f"texts encoded this run: {cached.encoded:,}\n")
    cached.save(cache)
    if record is not None:
        save_recordings(record, recordings)
    jsonl.unlink(missing_ok=True)
    return without, with_texts


def through_appearance(results: dict[str, MatchResult], queries: list[Query]) -> list[str]:
    """How often the top-1 match went through an appearance text, per language."""
    lines = ["| language | top-1 through an appearance text | of them in the quote's language |"]
    lines.append("|---|---:|---:|")
    for lang in sorted({q.lang for q in queries}):
        found = [results[q.qid].matches for q in queries if q.lang == lang and q.qid in results]
        tops = [matches[0] for matches in found if matches]
        via = [t for t in tops if t.why.appearance is not None]
        same = sum(1 for t in via if t.why.appearance and t.why.appearance.language == lang)
        share = len(via) / max(len(tops), 1)
        lines.append(f"| {lang} | {share:.0%} | {same / max(len(via), 1):.0%} |")
    return lines
