"""Approximate nearest neighbours over unit vectors: an HNSW graph (usearch, f16), keyed by case.

Exact search (``retrieve.dense``) costs a matrix product over every case: a few milliseconds at
tens of thousands of cases, ~180 ms at a million. Above a size threshold the matcher asks this
index for each dense retriever's candidates instead, then re-scores those candidates exactly
from their stored vectors (docs/scale.md). The index is derived data:

- keyed by case primary key (not by row, which shifts when a case is deleted), with a digest of
  each key's vector, so that an index saved for an older state of the cases is brought up to
  date by removing and adding the vectors that changed — no rebuild for a few changed cases;
- saved with a checksum of its files, the model id, the dimension and the format: a file that
  does not match them (corrupt, truncated, another model) is rebuilt, never trusted;
- saved for a dense matrix (its ``base`` identity, ``DenseIndex.base_id``): rows added or
  changed beside that matrix since are searched exactly next to the graph (:class:`Overlay`),
  so a new case never rewrites the graph; they are folded into it (:meth:`AnnIndex.patch`) once
  there are many.

``usearch`` is an optional dependency (the ``scale`` extra), imported only when an index is
built or loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from disproof.folders import staged_folder

if TYPE_CHECKING:
    from collections.abc import Iterator

logger = logging.getLogger(__name__)

FORMAT = "disproof-ann-1"
#: HNSW parameters (docs/benchmarks.md, "Scale": recall@10 ≈ 0.99 on crowded e5-like data
#: needs ef 256 to build and 512 to search; usearch does not save ``expansion_search`` in the
#: file, so it is set again on load). Searched at 1,024: at 512 the graph missed one of a
#: retriever's exact top 20 more often on real data (CheckThat! dev-test answers identical to
#: exact search's: 98.0–99.5 % at 512, 98.5–100 % at 1,024; ~40 % more time per match at a
#: million cases: docs/benchmarks.md).
CONNECTIVITY = 16
EXPANSION_ADD = 256
EXPANSION_SEARCH = 1024
#: Threads that insert vectors into a graph (0: every core). Concurrent inserts make two builds
#: of the same vectors differ (docs/benchmarks.md: exact against graph answers per build).
BUILD_THREADS = 0
#: Past this share of changed vectors, an update rebuilds the graph rather than patching it.
REBUILD_SHARE = 0.5
_GRAPH, _KEYS, _DIGESTS, _META = "graph.usearch", "keys.npy", "digests.npy", "meta.json"
_MIX = np.random.default_rng(0x5EED).integers(1, 2**63, size=4096, dtype=np.uint64) | 1


class Neighbours(Protocol):
    """What the matcher asks of a field's graph (this module's :class:`AnnIndex`, or the
    database's own, ``store.pgvector.ServerGraph``): about the ``k`` nearest case keys."""

    def __len__(self) -> int: ...

    def search(self, query: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]: ...


class AnnUnavailable(RuntimeError):
    """usearch is not installed (``pip install 'disproof[scale]'``)."""


def require_usearch() -> Any:
    try:
        from usearch import index as usearch_index
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise AnnUnavailable("usearch is not installed: pip install 'disproof[scale]'") from exc
    return usearch_index


def vector_digests(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.uint64]:
    """A 64-bit digest of each row's bytes (integer arithmetic: exact and deterministic), to
    tell which stored vectors changed since the index was built."""
    words = np.ascontiguousarray(vectors, dtype=np.float32)
    if words.shape[1] % 2:
        words = np.pad(words, ((0, 0), (0, 1)))
    raw = words.view(np.uint64)
    out = np.zeros(raw.shape[0], dtype=np.uint64)
    for start in range(0, raw.shape[0], 65_536):  # bounded memory at a million rows
        block = raw[start : start + 65_536]
        out[start : start + 65_536] = (block * _MIX[: block.shape[1]]).sum(axis=1, dtype=np.uint64)
    return out


@dataclass(frozen=True)
class Rows:
    """The vectors an index should hold: the non-zero rows (a zero row is a case without that
    field), sorted by key, with their digests."""

    keys: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float32]
    digests: npt.NDArray[np.uint64]

    @classmethod
    def of(
        cls,
        keys: npt.NDArray[np.int64],
        vectors: npt.NDArray[np.float32],
        dead: npt.NDArray[np.int64] | None = None,
    ) -> Rows:
        """``dead``: rows left out as well (a match index's tombstones)."""
        block = 65_536  # bounded temporaries at a million rows
        present = np.zeros(len(vectors), dtype=np.bool_)
        for start in range(0, len(vectors), block):
            present[start : start + block] = np.any(vectors[start : start + block] != 0, axis=1)
        if dead is not None:
            present[dead] = False
        if present.all() and bool(np.all(keys[1:] > keys[:-1])):  # the usual case: no copy
            picked = np.asarray(vectors, dtype=np.float32)
            return cls(np.asarray(keys, dtype=np.int64), picked, vector_digests(picked))
        keep = np.flatnonzero(present)
        keep = keep[np.argsort(keys[keep], kind="stable")]
        picked = np.asarray(vectors[keep], dtype=np.float32)
        return cls(np.asarray(keys[keep], dtype=np.int64), picked, vector_digests(picked))


@dataclass
class Changes:
    removed: int
    added: int


class AnnIndex:
    """One field's vectors in an HNSW graph; ``search`` answers case primary keys."""

    def __init__(
        self,
        graph: Any,
        model_id: str,
        keys: npt.NDArray[np.int64],
        digests: npt.NDArray[np.uint64],
    ) -> None:
        self.graph = graph
        self.model_id = model_id
        self.keys = keys  # sorted
        self.digests = digests

    def __len__(self) -> int:
        return int(self.keys.shape[0])

    @property
    def dim(self) -> int:
        return int(self.graph.ndim)

    @classmethod
    def build(cls, model_id: str, rows: Rows) -> AnnIndex:
        """A new graph over these rows."""
        graph = require_usearch().Index(
            ndim=int(rows.vectors.shape[1]),
            metric="ip",
            dtype="f16",
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=EXPANSION_SEARCH,
        )
        if len(rows.keys):
            graph.add(rows.keys.astype(np.uint64), rows.vectors, threads=BUILD_THREADS)
        return cls(graph, model_id, rows.keys, rows.digests)

    def holds(self, rows: Rows) -> bool:
        """Whether the index holds exactly these rows (no update needed)."""
        return np.array_equal(self.keys, rows.keys) and np.array_equal(self.digests, rows.digests)

    def search(self, query: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
        """The keys of about the ``k`` nearest vectors (by inner product), nearest first."""
        if k <= 0 or len(self) == 0:
            return np.zeros(0, dtype=np.int64)
        matches = self.graph.search(query.astype(np.float32), min(k, len(self)))
        return np.asarray(matches.keys, dtype=np.int64)

    def vectors_of(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """The vectors the graph holds for these keys (f16, as float32), zeros for a key it does
        not hold: the numbers of the match index's matrix (``retrieve.dense.stored_precision``),
        read from pages the search maps anyway."""
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        if not len(keys) or not len(self):
            return out
        found = self.graph.get(np.asarray(keys, dtype=np.uint64), dtype=np.float16)
        held = [i for i, vector in enumerate(found) if vector is not None]
        if held:
            out[held] = np.stack([found[i] for i in held])
        return out

    def patch(
        self,
        keys: npt.NDArray[np.int64],
        vectors: npt.NDArray[np.float32],
        digests: npt.NDArray[np.uint64],
        removed: npt.NDArray[np.int64] | None = None,
    ) -> None:
        """Hold these vectors for these keys (sorted, unique): a key already held is removed
        and added again; and no longer hold the keys ``removed`` (cases that lost the field).
        The graph must be loaded writable; the rest of it is not compared."""
        if removed is not None and len(removed) and len(self.keys):
            gone = np.isin(self.keys, removed)
            for key in self.keys[gone].tolist():
                self.graph.remove(key)
            self.keys, self.digests = self.keys[~gone], self.digests[~gone]
        at = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        held = (self.keys[at] == keys) if len(self.keys) else np.zeros(len(keys), np.bool_)
        for key in keys[held].tolist():
            self.graph.remove(key)
        if len(keys):
            self.graph.add(keys.astype(np.uint64), vectors, threads=BUILD_THREADS)
        new_digests = self.digests.copy()
        new_digests[at[held]] = digests[held]
        merged_keys = np.concatenate([self.keys, keys[~held]])
        order = np.argsort(merged_keys, kind="stable")
        self.keys = merged_keys[order]
        self.digests = np.concatenate([new_digests, digests[~held]])[order]

    def update(self, rows: Rows, max_share: float = REBUILD_SHARE) -> Changes | None:
        """Bring the graph to exactly these rows: remove the keys that are gone or whose vector
        changed, add the new and changed ones — unless more than ``max_share`` of the rows
        changed (None: nothing done; rebuild instead, a much-patched graph searches worse).
        The graph must be loaded writable (``view=False``)."""
        # both key lists are sorted: compare them vectorised (dicts of a million keys took ~1 s)
        self._redigest(rows)
        gone = self.keys[~_kept(self.keys, self.digests, rows.keys, rows.digests)]
        fresh = np.flatnonzero(~_kept(rows.keys, rows.digests, self.keys, self.digests))
        if len(gone) + len(fresh) > max_share * max(len(self.keys), len(rows.keys), 1):
            return None
        for key in gone.tolist():
            self.graph.remove(key)
        if len(fresh):
            self.graph.add(
                rows.keys[fresh].astype(np.uint64), rows.vectors[fresh], threads=BUILD_THREADS
            )
        self.keys, self.digests = rows.keys, rows.digests
        return Changes(len(gone), len(fresh))

    def _redigest(self, rows: Rows, block: int = 65_536) -> None:
        """Take the digests of ``rows`` for the keys whose vector the graph holds already though
        its digest differs: a graph saved before the match index rounded its vectors to f16
        (index format 8) holds their very numbers under the digests of the unrounded ones, and
        is kept rather than rebuilt (an hour of CPU at a million cases)."""
        at = np.minimum(np.searchsorted(self.keys, rows.keys), max(len(self.keys) - 1, 0))
        if not len(self.keys):
            return
        differ = np.flatnonzero((self.keys[at] == rows.keys) & (self.digests[at] != rows.digests))
        if not len(differ):
            return
        digests = self.digests.copy()
        for start in range(0, len(differ), block):  # bounded memory at a million rows
            part = differ[start : start + block]
            same = np.all(self.vectors_of(rows.keys[part]) == rows.vectors[part], axis=1)
            digests[at[part[same]]] = rows.digests[part[same]]
        self.digests = digests

    # -- persistence -----------------------------------------------------------------------------

    def save(self, folder: Path, fingerprint: str | None = None, base: str | None = None) -> None:
        """Write the graph, its keys and digests, and a meta file with their checksum (all or
        nothing: a staged folder swapped in); ``fingerprint``: of the match index whose
        vectors it holds (:meth:`load_for`); ``base``: the identity of the dense matrix whose
        every row it holds (:meth:`load_base`)."""
        with staged_folder(folder) as staging:
            self.graph.save(str(staging / _GRAPH))
            np.save(staging / _KEYS, self.keys)
            np.save(staging / _DIGESTS, self.digests)
            meta = {
                "format": FORMAT,
                "model_id": self.model_id,
                "dim": self.dim,
                "count": len(self),
                "checksum": _checksum(staging),
                "fingerprint": fingerprint,
                "base": base,
            }
            (staging / _META).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @staticmethod
    def stamp(folder: Path, fingerprint: str) -> None:
        """Record that the saved index (found to hold exactly its rows' vectors) serves the
        match index of ``fingerprint`` too (the meta file replaced atomically)."""
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        if meta.get("fingerprint") == fingerprint:
            return
        meta["fingerprint"] = fingerprint
        staged = folder / f".{_META}.{os.getpid()}"
        staged.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        os.replace(staged, folder / _META)

    @classmethod
    def load(cls, folder: Path, model_id: str, rows: Rows) -> AnnIndex | None:
        """The saved index if its files check out for this model and dimension, else None.
        When it holds exactly ``rows`` the graph is memory-mapped (read-only, shared between
        processes); otherwise it is read writable, for :meth:`update`."""
        return cls._load(folder, model_id, int(rows.vectors.shape[1]), None, rows)

    @classmethod
    def load_for(cls, folder: Path, model_id: str, dim: int, fingerprint: str) -> AnnIndex | None:
        """The saved index, memory-mapped, if it was saved for the match index of this
        ``fingerprint`` (and its files check out), without reading a single vector; else None
        (then :meth:`load` with the rows compares the vectors themselves)."""
        return cls._load(folder, model_id, dim, fingerprint, None)

    @classmethod
    def load_base(
        cls, folder: Path, model_id: str, dim: int, base: str, *, writable: bool = False
    ) -> AnnIndex | None:
        """The saved index if it holds every row of the dense matrix ``base`` (rows changed
        beside it since excepted) and its files check out; else None. Memory-mapped, and kept
        for the next call while its files stay the same (the checksum reads the whole graph:
        ~1 s at a million vectors); ``writable``: read into memory, for :meth:`patch`."""
        try:
            meta_text = (folder / _META).read_text(encoding="utf-8")
            meta = json.loads(meta_text)
            identity = (folder / _GRAPH).stat()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("base") != base:
            return None
        stamp = (meta_text, identity.st_dev, identity.st_ino, identity.st_mtime_ns)
        cached = _MAPPED.get(folder)
        if not writable and cached is not None and cached[0] == stamp:
            return cached[1]
        loaded = cls._load(folder, model_id, dim, None, None, meta=meta, view=not writable)
        if loaded is not None and not writable:
            _MAPPED[folder] = (stamp, loaded)
        return loaded

    @classmethod
    def _load(
        cls,
        folder: Path,
        model_id: str,
        dim: int,
        fingerprint: str | None,
        rows: Rows | None,
        *,
        meta: dict[str, Any] | None = None,
        view: bool = True,
    ) -> AnnIndex | None:
        if meta is None and not (folder / _META).exists():
            return None
        try:
            if meta is None:
                meta = json.loads((folder / _META).read_text(encoding="utf-8"))
                if rows is None and (fingerprint is None or meta.get("fingerprint") != fingerprint):
                    return None  # saved for another state of the cases: compare the vectors
            if (meta.get("format"), meta.get("model_id"), meta.get("dim")) != (
                FORMAT,
                model_id,
                dim,
            ):
                logger.info("ANN index at %s is for another model or format; rebuilding", folder)
                return None
            if meta.get("checksum") != _checksum(folder):
                logger.warning("ANN index at %s fails its checksum; rebuilding", folder)
                return None
            keys = np.load(folder / _KEYS, allow_pickle=False)
            digests = np.load(folder / _DIGESTS, allow_pickle=False)
            view = view and (
                rows is None
                or (np.array_equal(keys, rows.keys) and np.array_equal(digests, rows.digests))
            )
            graph = require_usearch().Index.restore(str(folder / _GRAPH), view=view)
            if graph is None or graph.ndim != dim or not len(graph) == len(keys) == len(digests):
                logger.warning("ANN index at %s is inconsistent; rebuilding", folder)
                return None
            graph.expansion_search = EXPANSION_SEARCH  # not saved in the file
            return cls(graph, model_id, keys, digests)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            logger.warning("ANN index at %s is unusable (%s); rebuilding", folder, exc)
            return None


#: Graphs memory-mapped by :meth:`AnnIndex.load_base`, by folder, with what their files were.
_MAPPED: dict[Path, tuple[tuple[str, int, int, int], AnnIndex]] = {}


class Overlay:
    """A graph and, beside it, vectors searched exactly: the rows added or changed since the
    graph was saved. ``search`` answers the graph's keys and the overlay's nearest ones (up to
    twice ``k`` keys: the matcher re-scores them all exactly, and a key whose graph vector is
    stale is re-scored from its vector here). ``absent``: keys whose row is now zero (the case
    lost the field) though the graph may still hold an older vector."""

    def __init__(
        self,
        graph: AnnIndex,
        keys: npt.NDArray[np.int64],
        vectors: npt.NDArray[np.float32],
        absent: npt.NDArray[np.int64] | None = None,
    ) -> None:
        self.graph = graph
        self.keys = keys  # sorted
        self.vectors = vectors
        self.absent = np.zeros(0, np.int64) if absent is None else np.sort(absent)

    def __len__(self) -> int:
        return len(self.graph) + len(self.keys)

    def search(self, query: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
        found = self.graph.search(query, k)
        if not len(self.keys) or k <= 0:
            return found
        scores = self.vectors @ query.astype(np.float32)
        near = np.argsort(-scores, kind="stable")[:k]
        return np.concatenate([found, self.keys[near]])

    def vectors_of(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """The current vectors of these keys: the overlay's where it has one, zeros for an
        absent key, else the graph's."""
        out = self.graph.vectors_of(keys)
        if len(self.keys) and len(keys):
            at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            here = self.keys[at] == keys
            out[here] = self.vectors[at[here]]
        if len(self.absent) and len(keys):
            out[np.isin(keys, self.absent)] = 0
        return out


def _kept(
    keys: npt.NDArray[np.int64],
    digests: npt.NDArray[np.uint64],
    other_keys: npt.NDArray[np.int64],
    other_digests: npt.NDArray[np.uint64],
) -> npt.NDArray[np.bool_]:
    """Which of ``keys`` (with ``digests``) the other sorted list holds with the same digest."""
    if not len(other_keys):
        return np.zeros(len(keys), dtype=np.bool_)
    at = np.minimum(np.searchsorted(other_keys, keys), len(other_keys) - 1)
    kept: npt.NDArray[np.bool_] = (other_keys[at] == keys) & (other_digests[at] == digests)
    return kept


def _files(folder: Path) -> Iterator[Path]:
    yield from (folder / name for name in (_GRAPH, _KEYS, _DIGESTS))


def _checksum(folder: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for path in _files(folder):
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()
