"""Retrieval building blocks: BM25 arithmetic, coverage, dense search, fusion (pure, fast)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from disproof.retrieve import BM25Index, DenseIndex, Hit, reciprocal_rank_fusion

DOCS = [["nato", "encircl", "russia"], ["nato", "summit"], ["biolab", "ukrain"], []]


def test_bm25_matches_the_formula() -> None:
    index = BM25Index.build(DOCS, k1=1.2, b=0.75)
    n, df, avgdl = 4, 2, 7 / 4
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    expected = idf * 1 * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 3 / avgdl))
    assert index.scores(["nato"])[0] == pytest.approx(expected, rel=1e-6)
    assert [h.doc for h in index.search(["nato", "russia"], 5)] == [0, 1]
    assert index.search(["unknown"], 5) == [] and index.search([], 5) == []


def test_coverage_is_the_share_of_query_idf_found() -> None:
    index = BM25Index.build(DOCS)
    coverage = index.coverage(["nato", "russia"])
    assert coverage[0] == pytest.approx(1.0) and 0 < coverage[1] < 0.5 and coverage[2] == 0
    assert index.coverage(["zzz"]).max() == 0


def test_bm25_save_and_load_round_trip(tmp_path: Path) -> None:
    index = BM25Index.build(DOCS, name="bm25_title")
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded.name == "bm25_title" and loaded.n_docs == 4
    assert np.allclose(loaded.scores(["nato", "ukrain"]), index.scores(["nato", "ukrain"]))
    assert np.allclose(loaded.coverage(["biolab"]), index.coverage(["biolab"]))


def test_dense_search_orders_by_cosine() -> None:
    vectors = np.eye(3, dtype=np.float32)
    index = DenseIndex(vectors, "dense")
    query = np.array([0.8, 0.6, 0.0], dtype=np.float32)
    assert [(h.doc, h.rank) for h in index.search(query, 2)] == [(0, 1), (1, 2)]
    assert DenseIndex(np.zeros((0, 3), dtype=np.float32)).search(query, 2) == []


def test_rrf_follows_cormack_and_keeps_who_found_what() -> None:
    a = [Hit(1, 9.0, 1, "bm25"), Hit(2, 5.0, 2, "bm25")]
    b = [Hit(2, 0.9, 1, "dense"), Hit(3, 0.8, 2, "dense")]
    fused = reciprocal_rank_fusion([a, b], k=60)
    assert fused[0].doc == 2 and fused[0].retrievers == ("bm25", "dense")
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert [f.rank for f in fused] == [1, 2, 3]


@given(st.lists(st.lists(st.integers(0, 20), unique=True, max_size=10), max_size=4))
def test_rrf_is_order_independent_and_complete(rankings: list[list[int]]) -> None:
    hits = [
        [Hit(d, 0.0, r, f"r{i}") for r, d in enumerate(docs, 1)] for i, docs in enumerate(rankings)
    ]
    forward = reciprocal_rank_fusion(hits)
    backward = reciprocal_rank_fusion(list(reversed(hits)))
    assert [f.doc for f in forward] == [f.doc for f in backward]
    assert {f.doc for f in forward} == {d for docs in rankings for d in docs}
