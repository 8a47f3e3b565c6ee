"""BM25 updates: after any sequence of adds, changes and removals (with merges and save/load
cycles in between), scores, coverage and search equal those of a fresh build (property tests)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disproof.retrieve import lexical
from disproof.retrieve.lexical import BM25Index

WORDS = st.sampled_from([f"w{i}" for i in range(12)] + ["nato", "biolab", "ukrain"])
DOC = st.lists(WORDS, max_size=8)
OPERATION = st.one_of(
    st.tuples(st.just("append"), st.lists(DOC, min_size=1, max_size=3)),
    st.tuples(st.just("replace"), st.integers(0, 1000), DOC),
    st.tuples(st.just("remove"), st.integers(0, 1000)),
    st.tuples(st.just("insert"), st.integers(0, 1000), DOC),
    st.tuples(
        st.just("save"),
    ),
    st.tuples(
        st.just("merge"),
    ),
)


def apply(index: BM25Index, docs: list[list[str]], operation: tuple, folder: Path) -> BM25Index:
    """Apply one operation to the index and to the plain list of documents it should hold."""
    kind = operation[0]
    if kind == "append":
        index.append(operation[1])
        docs.extend(operation[1])
    elif kind == "save":
        index.save(folder)
        return BM25Index.load(folder)
    elif kind == "merge":
        index.merge()
    elif not docs and kind != "insert":
        return index
    elif kind == "replace":
        row = operation[1] % len(docs)
        index.replace(row, operation[2])
        docs[row] = operation[2]
    elif kind == "remove":
        row = operation[1] % len(docs)
        mapping = np.arange(len(docs), dtype=np.int64) - (np.arange(len(docs)) > row)
        mapping[row] = -1
        index.renumber(mapping, len(docs) - 1)
        del docs[row]
    else:  # insert a document before row
        row = operation[1] % (len(docs) + 1)
        mapping = np.arange(len(docs), dtype=np.int64) + (np.arange(len(docs)) >= row)
        index.renumber(mapping, len(docs) + 1)
        index.replace(row, operation[2])
        docs.insert(row, operation[2])
    return index


def assert_same(index: BM25Index, docs: list[list[str]]) -> None:
    fresh = BM25Index.build(docs)
    assert index.n_docs == fresh.n_docs
    queries = [["nato"], ["w1", "w2", "w2"], ["biolab", "zzz", "w3"], [], *docs[:5]]
    for query in queries:
        assert np.allclose(index.scores(query), fresh.scores(query), rtol=1e-6, atol=1e-7)
        assert index.search(query, 4) == fresh.search(query, 4)
        assert np.allclose(index.coverage(query), fresh.coverage(query), rtol=1e-6, atol=1e-7)
        rows = np.arange(0, len(docs), 2)
        assert np.allclose(index.coverage_of(query, rows), fresh.coverage(query)[rows])
    for term, i in fresh.vocabulary.items():  # the matcher's idf mass reads these
        assert index.idf[index.vocabulary[term]] == pytest.approx(float(fresh.idf[i]), rel=1e-6)


@pytest.mark.parametrize("merge_min", [0, 4, 10_000])
@settings(max_examples=60, deadline=None)
@given(start=st.lists(DOC, max_size=6), operations=st.lists(OPERATION, max_size=12))
def test_updates_equal_a_fresh_build(
    merge_min: int, start: list[list[str]], operations: list[tuple]
) -> None:
    saved = lexical.MERGE_MIN
    lexical.MERGE_MIN = merge_min  # 0: merge on nearly every change; 10,000: never
    try:
        docs = [list(d) for d in start]
        index = BM25Index.build(docs)
        with tempfile.TemporaryDirectory() as folder:
            for operation in operations:
                index = apply(index, docs, operation, Path(folder) / "bm25")
                assert_same(index, docs)
    finally:
        lexical.MERGE_MIN = saved


TOMBSTONE_OPERATION = st.one_of(
    st.tuples(st.just("append"), st.lists(DOC, min_size=1, max_size=3)),
    st.tuples(st.just("replace"), st.integers(0, 1000), DOC),
    st.tuples(st.just("bury"), st.lists(st.integers(0, 1000), min_size=1, max_size=3)),
    st.tuples(
        st.just("save"),
    ),
    st.tuples(
        st.just("merge"),
    ),
)


@pytest.mark.parametrize("merge_min", [0, 10_000])
@settings(max_examples=60, deadline=None)
@given(start=st.lists(DOC, max_size=6), operations=st.lists(TOMBSTONE_OPERATION, max_size=12))
def test_tombstones_score_as_if_their_rows_were_not_there(
    merge_min: int, start: list[list[str]], operations: list[tuple]
) -> None:
    """Rows buried (a deleted case's tombstone, no row moved) or given a document again: the
    live rows score, cover and rank as in a fresh build over the live documents alone."""
    saved = lexical.MERGE_MIN
    lexical.MERGE_MIN = merge_min
    try:
        rows: list[list[str] | None] = [list(d) for d in start]
        index = BM25Index.build([list(d) for d in start])
        with tempfile.TemporaryDirectory() as folder:
            for operation in operations:
                kind = operation[0]
                if kind == "append":
                    index.append(operation[1])
                    rows.extend(operation[1])
                elif kind == "save":
                    index.save(Path(folder) / "bm25")
                    index = BM25Index.load(Path(folder) / "bm25")
                elif kind == "merge":
                    index.merge()
                elif rows and kind == "replace":  # a tombstone given a document: live again
                    row = operation[1] % len(rows)
                    index.replace(row, operation[2])
                    rows[row] = operation[2]
                    index.bury([], sum(doc is None for doc in rows))
                elif rows:
                    fresh = sorted({r % len(rows) for r in operation[1]} - dead_rows(rows))
                    for row in fresh:
                        rows[row] = None
                    index.bury(fresh, sum(doc is None for doc in rows))
                assert_same_live(index, rows)
    finally:
        lexical.MERGE_MIN = saved


def dead_rows(rows: list[list[str] | None]) -> set[int]:
    return {i for i, doc in enumerate(rows) if doc is None}


def assert_same_live(index: BM25Index, rows: list[list[str] | None]) -> None:
    live = np.array([i for i, doc in enumerate(rows) if doc is not None], dtype=np.int64)
    docs = [doc for doc in rows if doc is not None]
    fresh = BM25Index.build(docs)
    assert index.n_docs == len(rows) and index.n_live == len(docs)
    for query in [["nato"], ["w1", "w2", "w2"], ["biolab", "zzz", "w3"], [], *docs[:5]]:
        scores = index.scores(query)
        assert np.allclose(scores[live], fresh.scores(query), rtol=1e-6, atol=1e-7)
        assert not np.any(np.delete(scores, live))
        hits = [(int(live[h.doc]), h.score, h.rank) for h in fresh.search(query, 4)]
        assert [(h.doc, h.score, h.rank) for h in index.search(query, 4)] == hits
        assert np.allclose(index.coverage_of(query, live), fresh.coverage(query))


def test_the_delta_is_merged_when_it_grows() -> None:
    index = BM25Index.build([["a", "b"]] * 10_000)
    index.append([["c"]] * 10)
    assert len(index.delta) == 10 and index.main.n_rows == 10_000
    index.append([["d"]] * 700)  # over a 16th of the rows (and over 512)
    assert not index.delta and index.main.n_rows == index.n_docs == 10_710
    index.replace(0, [])
    assert index.df[index.vocabulary["a"]] == 9_999 and not index.in_main[0]
    index.merge()
    assert index.search(["a"], 1)[0].doc == 1


COMMON = st.sampled_from(["the", "the", "the", "of", "of", "nato", "w1", "w2", "w3", "w4"])
SKEWED_DOC = st.lists(st.one_of(COMMON, WORDS), max_size=10)


@settings(max_examples=80, deadline=None)
@given(
    start=st.lists(SKEWED_DOC, min_size=1, max_size=40),
    operations=st.lists(OPERATION, max_size=6),
    queries=st.lists(st.lists(st.one_of(COMMON, WORDS), min_size=2, max_size=8), max_size=6),
    k=st.integers(1, 6),
)
def test_pruned_search_equals_the_exhaustive_one(
    start: list[list[str]],
    operations: list[tuple[Any, ...]],
    queries: list[list[str]],
    k: int,
) -> None:
    """MaxScore pruning (``BM25Index._pruned``) finds exactly the exhaustive search's hits —
    rows, float32 scores and ranks — with a delta, changed rows and merges in between."""
    saved = lexical.PRUNE_FROM, lexical.MERGE_MIN
    try:
        lexical.MERGE_MIN = 10_000  # keep a delta: changed rows masked, rows beside the main
        docs = [list(d) for d in start]
        index = BM25Index.build(docs)
        with tempfile.TemporaryDirectory() as folder:
            for operation in operations:
                index = apply(index, docs, operation, Path(folder) / "bm25")
            for query in [*queries, *docs[:3]]:
                lexical.PRUNE_FROM = 10**9
                exhaustive = index.search(query, k)
                lexical.PRUNE_FROM = 0
                assert index.search(query, k) == exhaustive, query
    finally:
        lexical.PRUNE_FROM, lexical.MERGE_MIN = saved


def test_pruning_skips_the_common_terms() -> None:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(200)]
    docs = [["the", "of", *rng.choice(words, 6).tolist()] for _ in range(5_000)]
    index = BM25Index.build(docs)
    query = ["the", "of", "w7", "w9"]
    pruned = index._pruned(query, 5)
    assert pruned is None  # 10,000+ postings: below PRUNE_FROM, searched exhaustively
    saved = lexical.PRUNE_FROM
    try:
        lexical.PRUNE_FROM = 1_000
        pruned = index._pruned(query, 5)
        assert pruned is not None and len(pruned[0]) < 1_000  # not every row holding "the"
        assert index.search(query, 5)[0].doc in pruned[0].tolist()
    finally:
        lexical.PRUNE_FROM = saved


def test_a_copy_updated_leaves_the_original_and_saves_only_the_added_terms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from disproof.retrieve import rows, vocabulary

    monkeypatch.setattr(vocabulary, "ADDED_MIN", 2)
    monkeypatch.setattr(rows, "LOG_MIN", 64)
    docs = [["nato", "w1"], ["w2", "w3", "w3"], ["biolab"]]
    index = BM25Index.build(docs)
    index.save(tmp_path / "a")
    index = BM25Index.load(tmp_path / "a")
    before = [index.search(q, 3) for q in (["nato"], ["w3"], ["new1"])]
    copy = index.copy()
    copy.append([["new1", "w3"], ["new2"]])
    copy.replace(0, ["w9"])
    assert [index.search(q, 3) for q in (["nato"], ["w3"], ["new1"])] == before
    assert "new1" not in index.vocabulary and index.n_docs == 3
    assert_same(copy, [["w9"], *docs[1:], ["new1", "w3"], ["new2"]])
    copy.save(tmp_path / "b")
    for name in ("vocabulary.npy", "vocabulary_offsets.npy", "lengths.npy", "df.npy"):  # linked
        assert (tmp_path / "b" / name).stat().st_ino == (tmp_path / "a" / name).stat().st_ino
    loaded = BM25Index.load(tmp_path / "b")
    assert list(loaded.vocabulary.added) == ["new1", "new2", "w9"]
    assert_same(loaded, [["w9"], *docs[1:], ["new1", "w3"], ["new2"]])
    third = loaded.copy()  # more added terms than ADDED_MIN: they join a new base
    assert third.vocabulary.saved is None and len(third.vocabulary.base) == 8
    third.append([["new3"]])
    assert third.vocabulary.added == {"new3": 8}
    assert_same(third, [["w9"], *docs[1:], ["new1", "w3"], ["new2"], ["new3"]])


def test_a_broken_vocabulary_is_refused(tmp_path: Path) -> None:
    BM25Index.build([["nato", "w1"], ["w2"]]).save(tmp_path)
    np.save(tmp_path / "vocabulary_offsets.npy", np.array([0, 2, 99], dtype=np.int64))
    with pytest.raises(ValueError, match="offsets"):
        BM25Index.load(tmp_path)
