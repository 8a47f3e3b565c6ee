"""Updating a saved match index for the cases added, changed or removed since it was saved.

The index keeps a 64-bit digest of each row's content hash and the position of the store's
change log it reflects (its ``fingerprint``). :func:`current_state` asks the log which cases
changed since (``store/changes.py``: proportional to the change) and lays their keys and
digests over the index's own; when the log cannot vouch for the position, it reads every
case's key and digest (:meth:`CorpusStore.state`, one query). Against that state, the rows
whose case is gone, changed or new are known without reading any text; only the added and
changed cases' texts and vectors are read. BM25 takes them in its delta segment
(``retrieve/lexical.py``); the dense matrices, languages and digests are reassembled (rows
stay in primary-key order). New primary keys are normally larger than every indexed one: then
the old rows keep their numbers and the new ones are appended. A case removed leaves its row
as a tombstone (``CaseIndex.deleted``: skipped by every retriever, so the index answers as one
built without it) rather than renumbering the rows, which at a million cases copied both
vector matrices (17–56 s); past :data:`TOMBSTONE_SHARE` of the rows, or when a key is
inserted before others, the rows are renumbered without the tombstones (linear in the
postings). When most of the index changed, a full build is as fast: :func:`update_index`
declines and the caller builds.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from disproof.embed import Embedder
from disproof.match.appearances import AppearanceRows
from disproof.match.index import (
    FIELDS,
    CaseIndex,
    Progress,
    common_language,
    ensure_vectors,
    field_tokens,
    field_vectors,
    languages_of,
)
from disproof.retrieve import DenseIndex
from disproof.retrieve.rows import RowArray, appended
from disproof.store.changes import ChangedCases
from disproof.store.corpus import CaseText, CorpusState, CorpusStore, content_digests
from disproof.text import Analyzer

logger = logging.getLogger(__name__)

#: More changed rows than this share of the cases: build afresh instead.
MAX_CHANGED_SHARE = 0.5
#: Tombstones past this share of the rows (and :data:`TOMBSTONE_MIN`): the update renumbers
#: the rows without them (compaction: the vector matrices copied, the postings renumbered).
TOMBSTONE_SHARE = 1 / 16
TOMBSTONE_MIN = 512

Ints = npt.NDArray[np.int64]
Array = TypeVar("Array", bound=npt.NDArray[Any])


@dataclass(frozen=True)
class Changes:
    """How the cases differ from the index's rows."""

    #: Old row → its new row, or -1 for a case removed; None: no old row moved (and none was
    #: removed), new cases only after the last one.
    moves: Ints | None
    #: New rows whose case is new or changed (ascending): their texts must be read.
    todo: Ints
    added: int
    changed: int
    removed: int
    #: Rows of the index compared.
    rows_before: int
    #: With no row moved: the tombstones after the change (ascending), and those new with it.
    dead: Ints = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    buried: Ints = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def appended(self) -> bool:
        """No old row moved: new cases only after the last one."""
        return self.moves is None

    @functools.cached_property
    def new_of_old(self) -> Ints:
        """Old row → its new row, or -1 for a case removed."""
        if self.moves is None:
            return np.arange(self.rows_before, dtype=np.int64)
        return self.moves

    @property
    def count(self) -> int:
        return self.added + self.changed + self.removed


def current_state(index: CaseIndex, corpus: CorpusStore) -> CorpusState:
    """The store's cases (keys and digests) now, for updating ``index``: from the change log
    when it vouches for the index's position, else read whole."""
    delta = corpus.changed_since(index.fingerprint, int(MAX_CHANGED_SHARE * len(index)))
    if delta is not None:
        state = state_after(index, delta)
        if state is not None:
            return state
        logger.warning("the change log does not add up to the cases counted; reading them all")
    return corpus.state()


def state_after(index: CaseIndex, delta: ChangedCases) -> CorpusState | None:
    """The index's rows with the logged changes laid over them (no query); None when that
    does not come to the number of cases counted.

    When every new key comes after the index's last one (the usual case), the state keeps the
    index's rows: a deleted case's row stays, a tombstone (``CorpusState.dead``); a changed
    case's digest is written over a copy of the digests (~10 ms at a million rows); the new
    cases are written after the index's own key and digest arrays (``retrieve/rows.py``, no
    copy). Else the state is the cases alone (copies of the arrays in a few slices)."""
    rows_now = _rows_in(index.pks, delta.pks)
    inside = rows_now >= 0
    new = delta.pks[~inside]
    digests = content_digests(delta.content_hashes)
    if not len(new) or not len(index.pks) or int(new[0]) > int(index.pks[-1]):
        gone = _rows_in(index.pks, delta.gone)
        dead = np.setdiff1d(np.union1d(index.deleted, gone[gone >= 0]), rows_now[inside])
        if len(index.pks) + len(new) - len(dead) != delta.count:
            return None
        kept = index.digests
        if inside.any():  # changed cases (or tombstones whose key is a case again)
            kept = kept.copy()
            kept[rows_now[inside]] = digests[inside]
        pks, digests = appended(index.pks, new), appended(kept, digests[~inside])
        return CorpusState(pks, digests, str(delta.position), dead.astype(np.int64))
    touched = _rows_in(index.pks, np.union1d(delta.pks, delta.gone))
    drop = np.union1d(touched[touched >= 0], index.deleted)
    if len(index.pks) - len(drop) + len(delta.pks) != delta.count:
        return None
    where = np.searchsorted(index.pks, delta.pks)  # a changed case goes back to its row
    return CorpusState(
        _spliced(index.pks, drop, where, delta.pks),
        _spliced(index.digests, drop, where, digests),
        str(delta.position),
    )


def _rows_in(pks: Ints, keys: Ints) -> Ints:
    """The row of each key in the sorted ``pks``, or -1."""
    if not len(pks):
        return np.full(len(keys), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(pks, keys), len(pks) - 1)
    return np.where(pks[at] == keys, at, -1).astype(np.int64)


def _spliced(old: Array, drop: Ints, where: Ints, values: Array) -> Array:
    """``old`` without the rows ``drop``, with ``values[k]`` before old row ``where[k]``."""
    # inserts before drops at one row: a changed case's new value takes its old one's place
    events = sorted([(int(w), 0, k) for k, w in enumerate(where)] + [(int(d), 1, 0) for d in drop])
    pieces, done = [], 0
    for row, kind, k in events:
        pieces.append(old[done:row])
        done = row
        if kind == 0:
            pieces.append(values[k : k + 1])
        else:
            done = row + 1
    pieces.append(old[done:])
    return cast(Array, np.concatenate(pieces))


def changes(index: CaseIndex, state: CorpusState) -> Changes:
    """Compare the index's (primary key, digest) rows with the store's (:func:`aligned`)."""
    return compare(index, aligned(index, state))


def aligned(index: CaseIndex, state: CorpusState) -> CorpusState:
    """The state to bring ``index`` to: laid over the index's rows (no row moves; the cases
    removed become tombstones, ``state.dead``) when its new keys all come after the index's
    last one and the tombstones stay few; else the cases alone (the rows renumbered, which
    drops the tombstones: compaction)."""
    if state.dead is None:
        state = _over_rows(index, state) or state
    if state.dead is None or len(state.dead) <= max(
        TOMBSTONE_MIN, len(state.pks) * TOMBSTONE_SHARE
    ):
        return state
    live = np.ones(len(state.pks), dtype=np.bool_)
    live[state.dead] = False
    return CorpusState(state.pks[live], state.digests[live], state.fingerprint)


def compare(index: CaseIndex, state: CorpusState) -> Changes:
    """How ``state`` (as :func:`aligned` makes it) differs from the index's rows."""
    if state.dead is not None:
        return _in_place(index, state)
    old, new = index.pks, state.pks
    new_of_old = _rows_in(new, old)
    present = new_of_old >= 0
    same = present.copy()
    same[present] = state.digests[new_of_old[present]] == index.digests[present]
    same[index.deleted] = False  # a tombstone whose key is a case again: read
    fresh = np.ones(len(new), dtype=np.bool_)
    fresh[new_of_old[present]] = False
    changed = new_of_old[present & ~same]
    todo = np.union1d(np.flatnonzero(fresh), changed).astype(np.int64)
    removed = int((~present).sum())
    moves = None if not removed and np.array_equal(new_of_old, np.arange(len(old))) else new_of_old
    return Changes(moves, todo, int(fresh.sum()), len(changed), removed, len(old))


def _over_rows(index: CaseIndex, state: CorpusState) -> CorpusState | None:
    """The store's cases (``state``: keys that are cases only) laid over the index's rows, the
    cases gone kept as tombstones; None when a new key comes before the index's last one."""
    old, new = index.pks, state.pks
    empty = np.zeros(0, np.int64)
    if not len(index.deleted) and len(new) >= len(old) and _equal(new[: len(old)], old):
        return dataclasses.replace(state, dead=empty)  # the usual case: no search, no gather
    if not len(old):
        return dataclasses.replace(state, dead=empty)
    split = int(np.searchsorted(new, old[-1], side="right"))
    rows = _rows_in(old, new[:split])
    if bool(np.any(rows < 0)):
        return None
    dead = np.ones(len(old), dtype=np.bool_)
    dead[rows] = False
    digests = index.digests.copy()
    digests[rows] = state.digests[:split]
    return CorpusState(
        np.concatenate([old, new[split:]]),
        np.concatenate([digests, state.digests[split:]]),
        state.fingerprint,
        np.flatnonzero(dead).astype(np.int64),
    )


def _in_place(index: CaseIndex, state: CorpusState) -> Changes:
    """The changes of a state laid over the index's rows (``state.dead``: its tombstones)."""
    assert state.dead is not None
    old = len(index)
    if len(state.pks) < old or not _equal(state.pks[:old], index.pks):
        raise ValueError("a state laid over another index's rows")
    changed = _differing(state.digests[:old], index.digests)
    changed = changed[~np.isin(changed, state.dead)]
    redo = np.union1d(changed, np.setdiff1d(index.deleted, state.dead)).astype(np.int64)
    todo = np.concatenate([redo, np.arange(old, len(state.pks), dtype=np.int64)])
    buried = np.setdiff1d(state.dead, index.deleted).astype(np.int64)
    added = len(state.pks) - old
    return Changes(None, todo, added, len(redo), len(buried), old, state.dead, buried)


def _one_memory(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> bool:
    """Are two arrays the very same memory (a state laid over an index's own arrays, the rows
    appended after them: ``state_after``)? Then equal without reading them."""
    return bool(
        a.shape == b.shape
        and a.dtype == b.dtype
        and a.strides == b.strides
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


def _equal(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> bool:
    return _one_memory(a, b) or bool(np.array_equal(a, b))


def _differing(a: npt.NDArray[np.bytes_], b: npt.NDArray[np.bytes_]) -> Ints:
    """The rows where two digest arrays differ (none without reading them when they are the
    same memory; else as 64-bit words where both are 16-byte digests in one block: a fifth of
    the time of comparing bytes at a million)."""
    wide = np.dtype("S16")
    if _one_memory(a, b):
        return np.zeros(0, dtype=np.int64)
    if a.dtype == b.dtype == wide and a.flags.c_contiguous and b.flags.c_contiguous:
        words = np.flatnonzero(a.view(np.uint64) != b.view(np.uint64))
        return np.unique(words >> 1).astype(np.int64)
    return np.flatnonzero(a != b).astype(np.int64)


def update_index(
    index: CaseIndex,
    state: CorpusState,
    corpus: CorpusStore,
    embedder: Embedder | None,
    analyzer: Analyzer,
    *,
    progress: Progress | None = None,
) -> CaseIndex | None:
    """A new index: ``index`` (built for an older state of the cases; left as it is, it may be
    serving) brought to ``state``. None when most of it changed, or when the cases changed
    again while it was read (build afresh then)."""
    state = aligned(index, state)
    plan = compare(index, state)
    if plan.count > MAX_CHANGED_SHARE * max(state.cases, 1):
        return None
    if embedder is not None and index.dense and index.appearances is None:
        return None  # vectors without appearance rows: not an index this code saved
    if plan.count == 0:  # changed and changed back: only the position moved
        return dataclasses.replace(index, fingerprint=state.fingerprint, ann={})
    wanted = state.pks[plan.todo].tolist()
    texts = corpus.case_texts(wanted)
    if [c.pk for c in texts] != wanted:
        return None  # a case removed meanwhile
    languages = languages_of(texts, analyzer, lambda: common_language(index.languages))
    bm25s = {field: bm25.copy() for field, bm25 in index.bm25.items()}
    for field in FIELDS:
        tokens = field_tokens(texts, languages, field, analyzer)
        bm25 = bm25s[field]
        if plan.appended:
            split = int(np.searchsorted(plan.todo, len(index)))  # changed rows, then new ones
            bm25.replace_many(plan.todo[:split].tolist(), tokens[:split])
            bm25.append(tokens[split:])
            if len(plan.buried) or len(plan.dead) != bm25.dead:
                bm25.bury(plan.buried.tolist(), len(plan.dead))
        else:
            bm25.renumber(plan.new_of_old, len(state.pks))
            bm25.replace_many(plan.todo.tolist(), tokens)
    dense: dict[str, DenseIndex] = {}
    appearances = None
    if embedder is not None and index.dense:
        vectors = ensure_vectors(corpus, texts, embedder, progress, every=False)
        appearances = _appearances(index, plan, state, texts, vectors, embedder.dim)
        for field, old_dense in index.dense.items():
            fresh = field_vectors(texts, vectors, field, embedder.dim)
            if plan.appended:  # the new vectors beside the saved matrix, not a copy of it
                dense[field] = old_dense.updated(plan.todo, fresh, len(state.pks))
            else:
                matrix = _moved(old_dense.vectors, plan, fresh, len(state.pks))
                dense[field] = DenseIndex(matrix, old_dense.name)
    logger.info(
        "match index updated: %d added, %d changed, %d removed",
        plan.added,
        plan.changed,
        plan.removed,
    )
    rows = _row_arrays(index, plan, state, texts, languages)
    return CaseIndex(
        index.model_id,
        state.fingerprint,
        rows["pks"].values,
        bm25s,
        dense,
        rows["languages"].values,
        rows["digests"].values,
        appearances=appearances,
        rows=rows,
        deleted=plan.dead if plan.appended else np.zeros(0, np.int64),
    )


def _row_arrays(
    index: CaseIndex, plan: Changes, state: CorpusState, texts: list[CaseText], languages: list[str]
) -> dict[str, RowArray]:
    """The keys, languages and digests brought to ``state``. Cases appended (and changed):
    new versions of the index's arrays, each with the rows written logged (the rows appended
    copy nothing, ``retrieve/rows.py``); rows moved: new arrays, saved whole."""
    total = len(state.pks)
    langs = np.array(languages, dtype=np.str_)
    digests = content_digests([c.content_hash for c in texts])
    if plan.appended:
        old = len(index)
        new = np.arange(old, total, dtype=np.int64)
        # the state's keys are the index's and the new ones; its digests too when the texts
        # read are those it saw (not changed again since): taken as they are, no copy
        out = {"pks": index.row_array("pks").logged(state.pks, new, state.pks[old:])}
        if np.array_equal(digests, state.digests[plan.todo]):
            out["digests"] = index.row_array("digests").logged(state.digests, plan.todo, digests)
        else:
            out["digests"] = index.row_array("digests").updated(plan.todo, digests, total)
        out["languages"] = index.row_array("languages").updated(plan.todo, langs, total)
        return out
    width = max(index.languages.dtype.itemsize // 4, langs.dtype.itemsize // 4, 1)
    languages_now = index.languages.astype(f"<U{width}", copy=False)
    return {
        "pks": RowArray.of(state.pks),  # a state's arrays are its own (never changed in place)
        "languages": RowArray.of(_moved(languages_now, plan, langs, total)),
        "digests": RowArray.of(_moved(index.digests, plan, digests, total)),
    }


def _appearances(
    index: CaseIndex,
    plan: Changes,
    state: CorpusState,
    texts: list[CaseText],
    vectors: dict[tuple[int, str], npt.NDArray[np.float32]],
    dim: int,
) -> AppearanceRows:
    """The appearance rows brought to ``state``: those of removed and changed cases dropped,
    those of changed and new cases (``texts``) added."""
    assert index.appearances is not None  # update_index builds afresh otherwise
    fresh = AppearanceRows.build(texts, vectors, dim)
    if plan.appended:
        removed = index.pks[plan.buried]
    else:
        removed = index.pks[plan.new_of_old < 0] if plan.removed else np.zeros(0, np.int64)
    gone = np.concatenate([removed, state.pks[plan.todo]])
    return index.appearances.replaced(gone, fresh)


def _moved(old: Array, plan: Changes, todo: Array, rows: int) -> Array:
    """The rows of ``old`` in their new places, and ``todo`` in the rows to do."""
    out = cast(Array, np.empty((rows, *old.shape[1:]), dtype=old.dtype))
    kept = np.flatnonzero(plan.new_of_old >= 0)
    if plan.appended:
        out[: len(old)] = old
    else:
        out[plan.new_of_old[kept]] = old[kept]
    out[plan.todo] = todo
    return out
