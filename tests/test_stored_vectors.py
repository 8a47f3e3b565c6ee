"""The match index stores its vectors at float16's precision, the numbers its HNSW graphs hold,
and through a graph the matcher reads the candidates' vectors from the graph, not from the
matrix: the same numbers, so the same answers, with the matrix's pages left alone."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("usearch")

from disproof.match.index import field_vectors  # noqa: E402
from disproof.match.retrieval import stored_vectors  # noqa: E402
from disproof.models import Case, CaseUpdate  # noqa: E402
from disproof.retrieve import DenseIndex  # noqa: E402
from disproof.retrieve.ann import AnnIndex, Overlay, Rows  # noqa: E402
from disproof.retrieve.dense import stored_precision  # noqa: E402
from disproof.service import Disproof  # noqa: E402
from disproof.settings import Settings  # noqa: E402
from disproof.store.corpus import CaseText  # noqa: E402
from tests.fakes import FakeEmbedder, add_cases  # noqa: E402
from tests.test_ann import QUERIES, WordVectorEmbedder, synthetic_cases  # noqa: E402


def test_stored_vectors_are_float16_numbers_within_a_ten_thousandth_of_a_cosine() -> None:
    rng = np.random.default_rng(3)
    raw = rng.standard_normal((200, 384)).astype(np.float32)
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    stored = stored_precision(raw)
    assert stored.dtype == np.float32
    assert np.array_equal(stored, stored.astype(np.float16).astype(np.float32))
    assert np.array_equal(stored_precision(stored), stored)  # rounding twice changes nothing
    assert float(np.abs(stored @ raw[0] - raw @ raw[0]).max()) < 1e-4
    texts = [CaseText(1, "a", "t", "s", None, "0"), CaseText(2, "b", "", "", None, "1")]
    matrix = field_vectors(texts, {(1, "title"): raw[0]}, "title", 384)
    assert np.array_equal(matrix[0], stored[0]) and not matrix[1].any()


def test_a_graph_gives_back_the_matrix_numbers_and_the_rows_beside_it_their_own() -> None:
    rng = np.random.default_rng(5)
    matrix = stored_precision(rng.standard_normal((60, 16)))
    keys = np.arange(10, 70, dtype=np.int64)
    graph = AnnIndex.build("m", Rows.of(keys, matrix))
    assert np.array_equal(graph.vectors_of(keys[::-1]), matrix[::-1])
    assert not graph.vectors_of(np.array([5, 99])).any()  # keys it does not hold: zeros
    new = stored_precision(rng.standard_normal((2, 16)))
    overlay = Overlay(graph, np.array([12, 70]), new, absent=np.array([11]))
    got = overlay.vectors_of(np.array([10, 11, 12, 70, 13]))
    assert np.array_equal(got, np.stack([matrix[0], np.zeros(16), new[0], new[1], matrix[3]]))
    graph.patch(np.array([12]), new[:1], np.zeros(1, np.uint64), removed=np.array([11]))
    assert 11 not in graph.keys.tolist() and len(graph.graph) == 59
    assert not graph.vectors_of(np.array([11])).any()


def test_through_the_graph_the_matrix_is_not_read_and_the_answers_are_the_same(
    fake_matching: FakeEmbedder, fresh_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cases added and edited beside the graph: every row's vector read through the
    graph is the matrix's; then the matrices replaced by NaN (as a matrix whose pages are
    never read), and the matcher answers exactly as before."""
    embedder = WordVectorEmbedder()
    monkeypatch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
    service = Disproof.open(Settings(db=fresh_db, ann_threshold=0))
    cases = synthetic_cases(160)
    add_cases(service, *cases[:150])
    service.matcher()  # the graphs built and saved for this matrix
    add_cases(service, *cases[150:])
    service.update_case("s3", CaseUpdate(title="edited nato bases secret"), "t")
    add_cases(service, Case(id="quote", title="Biolabs in Ukraine", summary=""))
    matcher = service.matcher()
    index = matcher.index
    assert all(isinstance(graph, Overlay) for graph in index.ann.values())
    rows = np.arange(len(index), dtype=np.intp)
    for field, dense in index.dense.items():
        assert np.array_equal(stored_vectors(index, field, rows), dense.take(rows)), field
    before = {q: matcher.match(q, top_k=10).matches for q in QUERIES}
    for field, dense in index.dense.items():
        nan = np.full(dense.main.shape, np.nan, dtype=np.float32)
        index.dense[field] = DenseIndex(
            nan,
            dense.name,
            tail=dense.tail_rows,
            changed_rows=dense.changed_rows,
            changed=dense.changed,
            base_id=dense.base_id,
        )
    for query in QUERIES:
        got = matcher.match(query, top_k=10).matches
        assert [(m.case_id, m.score) for m in got] == [
            (m.case_id, m.score) for m in before[query]
        ], query


def test_a_graph_saved_before_the_vectors_were_rounded_is_kept_not_rebuilt() -> None:
    """An index saved before format 8 held unrounded vectors, and its graph their digests: the
    graph holds the rounded numbers already (f16), so only the digests are taken, and a vector
    that really changed is still replaced."""
    rng = np.random.default_rng(8)
    raw = rng.standard_normal((50, 16)).astype(np.float32)
    keys = np.arange(1, 51, dtype=np.int64)
    graph = AnnIndex.build("m", Rows.of(keys, raw))
    stored = stored_precision(raw)
    stored[7] = stored_precision(rng.standard_normal(16))
    rows = Rows.of(keys, stored)
    assert not np.array_equal(graph.digests, rows.digests)
    changes = graph.update(rows, max_share=0.1)  # a rebuild (None) past 5 changed vectors
    assert changes is not None and (changes.removed, changes.added) == (1, 1)
    assert graph.holds(rows)
    assert np.array_equal(graph.vectors_of(keys), stored)
