"""Per-row arrays that grow without a copy and are saved as a base file plus a log.

At a million cases each per-row array of the match index (case keys, content digests,
languages, BM25 document lengths) is megabytes: copying each one for every case added, and
writing each one whole on every save, cost ~80 ms per case (docs/benchmarks.md, "Scale: the
whole matcher at a million cases"). A :class:`RowArray` is:

- **in memory**, one flat numpy array for readers (``values``). Rows appended go into spare
  room at the end of the buffer it is a view of (:func:`appended`): an earlier version of the
  array — a shorter view of the same buffer, perhaps still serving — never sees them, so adding
  a row copies nothing (the buffer grows by an eighth when full). Changing a row that exists
  copies the array: the version before may still be read.
- **on disk**, a base file (memory-mapped once loaded, never rewritten: hard-linked into every
  later save, ``arrays.py``) and a log of the (row, value) entries written since, in order, in
  chunks of :data:`CHUNK` entries: a full chunk is written once and linked after, so a save
  writes at most one partial chunk per array. Past :data:`LOG_SHARE` of the rows (and
  :data:`LOG_MIN` entries) the log is compacted: the next save writes the array whole, the
  new base.

Loading an array that has a log reads it into memory (base, then the entries in order: a copy
of the base, once per process); without one, the base stays mapped.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from disproof.retrieve.arrays import load_array, save_array

#: Log entries per saved chunk file.
CHUNK = 4096
#: The log is compacted into a new base past this share of the rows …
LOG_SHARE = 1 / 32
#: … and this many entries.
LOG_MIN = 4 * CHUNK

Array = npt.NDArray[Any]
Ints = npt.NDArray[np.int64]

#: Buffers with room at the end, by id: (the buffer, how many of its rows are taken).
_ROOM: dict[int, tuple[weakref.ref[Array], list[int]]] = {}
_LOCK = threading.Lock()


def appended(array: Array, extra: Array) -> Array:
    """``array`` followed by the rows ``extra``: written in place after it when ``array`` is the
    longest view of a buffer with room (no copy; shorter views keep their length), else copied
    into a new buffer with room to grow."""
    if not len(extra):
        return array
    n, k = len(array), len(extra)
    dtype = np.promote_types(array.dtype, extra.dtype)
    with _LOCK:
        buffer = array.base
        entry = _ROOM.get(id(buffer)) if isinstance(buffer, np.ndarray) else None
        if not (
            entry is not None
            and entry[0]() is buffer
            and entry[1][0] == n
            and isinstance(buffer, np.ndarray)
            and len(buffer) >= n + k
            and buffer.dtype == dtype
            and _starts(array, buffer)
        ):
            buffer = _room_for(array, dtype, n + k)
            entry = _ROOM[id(buffer)]
        buffer[n : n + k] = extra
        entry[1][0] = n + k
        return buffer[: n + k]


def _starts(array: Array, buffer: Array) -> bool:
    """Is ``array`` the first rows of ``buffer``?"""
    return (
        array.shape[1:] == buffer.shape[1:]
        and array.strides == buffer.strides
        and array.__array_interface__["data"][0] == buffer.__array_interface__["data"][0]
    )


def _room_for(array: Array, dtype: np.dtype[Any], rows: int) -> Array:
    """A new buffer holding ``array`` with room for ``rows`` rows and an eighth more."""
    buffer = np.empty((rows + rows // 8 + 64, *array.shape[1:]), dtype=dtype)
    buffer[: len(array)] = array
    key = id(buffer)
    _ROOM[key] = (weakref.ref(buffer, lambda _: _ROOM.pop(key, None)), [len(array)])
    return buffer


def _copy(array: Array, dtype: np.dtype[Any], rows: int) -> Array:
    """A private copy of ``array`` (as ``dtype``) with room for ``rows`` rows."""
    with _LOCK:
        return _room_for(array, dtype, rows)[: len(array)]


@dataclass(frozen=True)
class RowArray:
    """A per-row array (``values``), its saved base and the log of entries written since."""

    values: Array
    #: Rows ``[0, len(base))`` as saved: mapped from the saved file, or the array saved whole.
    base: Array
    #: Full log chunks (rows, values), each written once.
    chunks: tuple[tuple[Ints, Array], ...] = ()
    #: The last, partial chunk.
    tail: tuple[Ints, Array] | None = None
    #: Entries per chunk (:data:`CHUNK` when None).
    chunk: int | None = None

    @classmethod
    def of(cls, values: Array, chunk: int | None = None) -> RowArray:
        """An array without a log: saved whole (or linked, when it was saved whole already)."""
        return cls(values, values, chunk=chunk)

    @property
    def chunk_size(self) -> int:
        return self.chunk or CHUNK

    def __len__(self) -> int:
        return int(self.values.shape[0])

    @property
    def log_length(self) -> int:
        """Entries in the log."""
        return len(self.chunks) * self.chunk_size + (len(self.tail[0]) if self.tail else 0)

    def updated(self, rows: Ints, values: npt.ArrayLike, total: int) -> RowArray:
        """A new version with ``values`` at ``rows`` (ascending, unique, below ``total``) and
        zeros in the rows appended that ``rows`` leave out. This one is left as it is."""
        rows = np.asarray(rows, dtype=np.int64)
        new = np.asarray(values)
        n = len(self)
        split = int(np.searchsorted(rows, n))
        if not np.array_equal(rows[split:], np.arange(n, total)):  # gaps: zeros logged too
            filled = np.zeros((total - n, *new.shape[1:]), dtype=new.dtype)
            filled[rows[split:] - n] = new[split:]
            rows = np.concatenate([rows[:split], np.arange(n, total, dtype=np.int64)])
            new = np.concatenate([new[:split], filled])
        dtype = np.promote_types(self.values.dtype, new.dtype)
        out = self.values
        if split or dtype != out.dtype:  # rows the version before holds change: a copy
            out = _copy(out, dtype, total)
            out[rows[:split]] = new[:split]
        out = appended(out, new[split:].astype(dtype, copy=False))
        return self.logged(out, rows, new)

    def logged(self, values: Array, rows: Ints, new: Array) -> RowArray:
        """A new version holding ``values``: the caller's array, equal to this version's with
        ``new`` at ``rows`` (as :meth:`updated` makes it), the entries logged."""
        dtype = values.dtype
        total = len(values)
        log_rows, log_values = np.asarray(rows, dtype=np.int64), new.astype(dtype, copy=False)
        if self.tail is not None:
            log_rows = np.concatenate([self.tail[0], log_rows])
            log_values = np.concatenate([self.tail[1].astype(dtype, copy=False), log_values])
        chunks, size = list(self.chunks), self.chunk_size
        while len(log_rows) >= size:
            chunks.append((log_rows[:size].copy(), log_values[:size].copy()))
            log_rows, log_values = log_rows[size:], log_values[size:]
        if len(chunks) * size + len(log_rows) > max(LOG_MIN, total * LOG_SHARE):
            # compacted: the next save writes a new base
            return RowArray(values, values.copy(), chunk=self.chunk)
        tail = (log_rows.copy(), log_values.copy()) if len(log_rows) else None
        return RowArray(values, self.base, tuple(chunks), tail, self.chunk)

    # -- files -------------------------------------------------------------------------------------

    def save(self, folder: Path, name: str) -> None:
        """``<name>.npy`` (the base: linked when it is the file saved before) and the log
        chunks ``<name>.log<k>.rows.npy`` / ``<name>.log<k>.values.npy``."""
        folder.mkdir(parents=True, exist_ok=True)
        save_array(folder / f"{name}.npy", self.base)
        parts = [*self.chunks, *([self.tail] if self.tail is not None else [])]
        for k, (rows, values) in enumerate(parts):
            save_array(folder / f"{name}.log{k}.rows.npy", rows)
            save_array(folder / f"{name}.log{k}.values.npy", values)
        k = len(parts)  # a longer log saved here before: never read as this one's
        while (folder / f"{name}.log{k}.rows.npy").exists():
            (folder / f"{name}.log{k}.rows.npy").unlink()
            (folder / f"{name}.log{k}.values.npy").unlink(missing_ok=True)
            k += 1

    @classmethod
    def load(cls, folder: Path, name: str, chunk: int | None = None) -> RowArray:
        """The saved array: the base mapped, and without a log used as it is; with one, read
        into memory. Raises ValueError for a log that does not fit its base."""
        base = load_array(folder / f"{name}.npy")
        parts: list[tuple[Ints, Array]] = []
        while (folder / f"{name}.log{len(parts)}.rows.npy").exists():
            k = len(parts)
            rows = load_array(folder / f"{name}.log{k}.rows.npy")
            values = load_array(folder / f"{name}.log{k}.values.npy")
            if rows.dtype != np.int64 or rows.shape != values.shape[:1] or rows.ndim != 1:
                raise ValueError(f"{folder}: {name} log chunk {k} is malformed")
            parts.append((rows, values))
        size = chunk or CHUNK
        if not parts:
            return cls.of(base, chunk)
        if any(len(rows) != size for rows, _ in parts[:-1]) or len(parts[-1][0]) > size:
            raise ValueError(f"{folder}: {name} log chunks of the wrong size")
        if any(v.shape[1:] != base.shape[1:] for _, v in parts):
            raise ValueError(f"{folder}: {name} log rows of the wrong shape")
        tail = parts.pop() if len(parts[-1][0]) < size else None
        all_rows = np.concatenate([rows for rows, _ in [*parts, *([tail] if tail else [])]])
        all_values = np.concatenate([v for _, v in [*parts, *([tail] if tail else [])]])
        total = max(len(base), int(all_rows.max()) + 1)
        if total > len(base) + len(all_rows):  # rows appended must each be logged
            raise ValueError(f"{folder}: {name} log does not fit its base")
        seen = np.zeros(total, dtype=np.bool_)
        seen[: len(base)] = True
        seen[all_rows[all_rows >= 0]] = True
        if int(all_rows.min()) < 0 or not seen.all():
            raise ValueError(f"{folder}: {name} log does not fit its base")
        last = len(all_rows) - 1 - np.unique(all_rows[::-1], return_index=True)[1]
        values = _copy(base, np.promote_types(base.dtype, all_values.dtype), total)
        values = appended(values, np.zeros((total - len(base), *base.shape[1:]), values.dtype))
        values[all_rows[last]] = all_values[last]
        return cls(values, base, tuple(parts), tail, chunk)
