"""Vectors in pgvector (``store/pgvector.py``, ``match/scale.py``), against a real PostgreSQL
with the extension (``tests/pg.py``, :func:`pgvector_cluster`): the database's HNSW index finds
what exact search finds, the matcher answers the same through it, it follows case edits and
deletions, and a server without pgvector falls back to in-process graphs, saying so."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

pytest.importorskip("usearch")

from disproof.models import Case  # noqa: E402
from disproof.retrieve.ann import AnnIndex  # noqa: E402
from disproof.retrieve.dense import stored_precision  # noqa: E402
from disproof.service import Disproof  # noqa: E402
from disproof.settings import Settings  # noqa: E402
from disproof.store import pgvector  # noqa: E402
from tests import pg  # noqa: E402
from tests.fakes import FakeEmbedder, add_cases  # noqa: E402
from tests.test_ann import QUERIES, WordVectorEmbedder, synthetic_cases  # noqa: E402

pytestmark = pytest.mark.postgresql


def _servers_wanted(config: pytest.Config) -> None:
    if config.getoption("--backend") == "sqlite":
        pytest.skip("--backend sqlite: no PostgreSQL server is started")


@pytest.fixture(scope="module")
def pgv_template(request: pytest.FixtureRequest) -> str:
    """A database at the newest schema on the pgvector server."""
    _servers_wanted(request.config)
    pgvector_cluster: pg.Cluster = request.getfixturevalue("pgvector_cluster")
    name = pgvector_cluster.create_database()
    Disproof.open(Settings(db=pgvector_cluster.url(name))).store.engine.dispose()
    return name


@pytest.fixture
def pgv_db(pgv_template: str, pgvector_cluster: pg.Cluster) -> Iterator[str]:
    """The URL of a fresh database on the pgvector server."""
    name = pgvector_cluster.create_database(pgv_template)
    yield pgvector_cluster.url(name)
    pgvector_cluster.drop_database(name)


@pytest.fixture
def embedder(fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    words = WordVectorEmbedder()
    monkeypatch.setattr("disproof.embed.load_embedder", lambda name=None: (words, []))
    return words


def _embeddings(service: Disproof, field: str) -> dict[str, list[float] | None]:
    """Case id → its stored pgvector embedding of ``field`` (None: not filled)."""
    query = sa.text(
        "SELECT c.id, v.embedding::text FROM case_vectors v JOIN cases c ON c.pk = v.case_pk "
        "WHERE v.field = :field"
    )
    with service.store.engine.connect() as connection:
        rows = connection.execute(query, {"field": field}).all()
    return {
        cid: None if e is None else [float(x) for x in e.strip("[]").split(",")] for cid, e in rows
    }


def test_the_database_index_finds_the_exact_top_candidates(
    embedder: FakeEmbedder, pgv_db: str
) -> None:
    service = Disproof.open(Settings(db=pgv_db, ann_threshold=0))
    add_cases(service, *synthetic_cases(1500))
    index = service.matcher().index
    graphs = index.ann
    assert set(graphs) == {"title", "summary"}
    assert all(isinstance(g, pgvector.ServerGraph) for g in graphs.values())
    assert all(len(g) == 1500 for g in graphs.values())
    # the query plan is the HNSW index's, not a scan and sort
    title = graphs["title"]
    assert isinstance(title, pgvector.ServerGraph)
    name = pgvector.index_name(title.model_id, "title", title.dim)
    query = embedder.encode_queries(["nato secret bases border"])[0]
    with service.store.engine.connect() as connection:
        plan = connection.execute(
            sa.text(
                f"EXPLAIN SELECT case_pk FROM case_vectors WHERE "
                f"{pgvector._where(title.model_id, 'title', title.dim)} ORDER BY "
                f"embedding::vector({title.dim}) <=> CAST(:q AS vector({title.dim})) LIMIT 100"
            ),
            {"q": query.tolist()},
        ).scalars()
        assert name in "\n".join(plan)
    # as the matcher asks (ANN_MIN_FETCH candidates, re-scored): the exact top 10
    vectors = index.dense["title"].vectors
    queries = embedder.encode_queries(
        [" ".join(c.title.split()[:3]) + " staged" for c in synthetic_cases(60)]
    )
    recalls = []
    for q in queries:
        exact = set(index.pks[np.argsort(-(vectors @ q), kind="stable")[:10]].tolist())
        keys = title.search(q, 100)
        rows = np.searchsorted(index.pks, keys)
        rescored = keys[np.argsort(-(vectors[rows] @ q), kind="stable")[:10]]
        recalls.append(len(exact & set(rescored.tolist())) / 10)
    assert np.mean(recalls) >= 0.99


def test_the_matcher_answers_the_same_through_pgvector(embedder: FakeEmbedder, pgv_db: str) -> None:
    exact = Disproof.open(Settings(db=pgv_db))
    add_cases(exact, *synthetic_cases(1500))
    served = Disproof.open(Settings(db=pgv_db, ann_threshold=0))
    exact_matcher, served_matcher = exact.matcher(), served.matcher()
    assert not exact_matcher.index.ann
    assert all(isinstance(g, pgvector.ServerGraph) for g in served_matcher.index.ann.values())
    for query in QUERIES:
        got = served_matcher.match(query, top_k=10).matches
        want = exact_matcher.match(query, top_k=10).matches
        assert [(m.case_id, m.score, m.band) for m in got] == [
            (m.case_id, m.score, m.band) for m in want
        ], query


def test_the_vectors_follow_case_edits_and_deletions(embedder: FakeEmbedder, pgv_db: str) -> None:
    service = Disproof.open(Settings(db=pgv_db, ann_threshold=0))
    add_cases(service, *synthetic_cases(300))
    service.matcher()
    before = _embeddings(service, "title")
    assert len(before) == 300 and all(e is not None for e in before.values())
    # an edit writes the case's vector rows anew; the next matcher fills them from the new
    # vectors, and a deleted case's rows go with it
    add_cases(service, Case(id="s7", title="Zelensky owns a villa in Egypt", summary=""))
    service.delete_case("s8", "editor")
    matcher = service.matcher()
    after = _embeddings(service, "title")
    assert "s8" not in after and len(after) == 299
    new = embedder.encode_documents(["Zelensky owns a villa in Egypt"])[0]
    assert after["s7"] is not None
    assert np.array_equal(np.array(after["s7"], dtype=np.float32), new)
    assert all(len(graph) == 299 for graph in matcher.index.ann.values())
    found = matcher.match("Zelensky bought a villa in Egypt").matches
    assert found[0].case_id == "s7"
    deleted = synthetic_cases(9)[8].title
    assert "s8" not in {m.case_id for m in matcher.match(deleted, top_k=50).matches}
    title = matcher.index.ann["title"]
    pk_s8_gone = title.search(embedder.encode_queries([deleted])[0], 50)
    assert set(pk_s8_gone.tolist()) <= set(matcher.index.pks.tolist())


def test_a_dropped_column_falls_back_to_exact_search_and_comes_back(
    embedder: FakeEmbedder, pgv_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Dropping the derived column is safe: a matcher holding the index answers by exact
    search meanwhile (saying so), and the next matcher makes it again."""
    exact = Disproof.open(Settings(db=pgv_db))
    add_cases(exact, *synthetic_cases(200))
    served = Disproof.open(Settings(db=pgv_db, ann_threshold=0))
    matcher = served.matcher()
    with served.store.engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE case_vectors DROP COLUMN embedding"))
    want = exact.matcher()
    with caplog.at_level(logging.WARNING, logger="disproof.store.pgvector"):
        for query in QUERIES:
            got = matcher.match(query, top_k=5).matches
            assert [(m.case_id, m.score) for m in got] == [
                (m.case_id, m.score) for m in want.match(query, top_k=5).matches
            ], query
    assert sum("searching exactly" in r.getMessage() for r in caplog.records) == 2  # per field
    add_cases(served, Case(id="new", title="Zelensky owns a villa in Egypt", summary=""))
    again = served.matcher()
    assert pgvector.has_column(served.store.engine)
    assert all(
        isinstance(g, pgvector.ServerGraph) and not g.failed for g in again.index.ann.values()
    )
    assert again.match("Zelensky bought a villa in Egypt").matches[0].case_id == "new"


def test_rows_without_an_embedding_are_filled_from_their_own_vector(
    embedder: FakeEmbedder, pgv_db: str
) -> None:
    """Rows copied from another database (``disproof copy``, a restored backup) arrive
    without the column: the next matcher fills them."""
    service = Disproof.open(Settings(db=pgv_db, ann_threshold=0))
    add_cases(service, *synthetic_cases(50))
    service.matcher()
    with service.store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE case_vectors SET embedding = NULL"))
    assert all(e is None for e in _embeddings(service, "title").values())
    index = Disproof.open(Settings(db=pgv_db, ann_threshold=0)).matcher().index
    filled = _embeddings(service, "title")
    vectors = index.dense["title"].vectors
    assert all(e is not None for e in filled.values())
    by_id = {c.id: row for row, c in enumerate(synthetic_cases(50))}  # rows in pk order
    for case_id, embedding in filled.items():
        # the index holds the row's vector at f16 precision (``stored_precision``)
        own = stored_precision(np.array(embedding, dtype=np.float32))
        assert np.array_equal(own, vectors[by_id[case_id]])
    assert all(len(g) == 50 for g in index.ann.values())


def test_an_index_left_invalid_by_a_failed_build_is_built_again(
    embedder: FakeEmbedder, pgv_db: str
) -> None:
    service = Disproof.open(Settings(db=pgv_db, ann_threshold=0))
    add_cases(service, *synthetic_cases(40))
    graph = service.matcher().index.ann["title"]
    assert isinstance(graph, pgvector.ServerGraph)
    name = pgvector.index_name(graph.model_id, "title", graph.dim)
    state = sa.text(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = :name"
    )
    with service.store.engine.begin() as connection:  # as a crashed CREATE INDEX CONCURRENTLY
        connection.execute(
            sa.text(
                "UPDATE pg_index SET indisvalid = false WHERE indexrelid = "
                "(SELECT oid FROM pg_class WHERE relname = :name)"
            ),
            {"name": name},
        )
    assert pgvector.ensure_index(service.store.engine, graph.model_id, "title", graph.dim)
    with service.store.engine.connect() as connection:
        assert connection.execute(state, {"name": name}).scalar_one() is True
    assert not pgvector.ensure_index(service.store.engine, graph.model_id, "title", graph.dim)


def test_two_processes_wanting_the_index_build_it_once(embedder: FakeEmbedder, pgv_db: str) -> None:
    """Two workers' matchers at once (two engines: two processes' pools): one builds, the
    other waits for it — without a deadlock against the concurrent build — and uses it."""
    service = Disproof.open(Settings(db=pgv_db))
    add_cases(service, *synthetic_cases(1000))
    service.matcher()  # the vectors, below the threshold: no index yet
    pgvector.prepare(service.store.engine)
    pgvector.fill(service.store.engine, embedder.model_id, "title")
    engines = [Disproof.open(Settings(db=pgv_db)).store.engine for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        built = list(
            pool.map(
                lambda e: pgvector.ensure_index(e, embedder.model_id, "title", embedder.dim),
                engines,
            )
        )
    assert sorted(built) == [False, True]
    name = pgvector.index_name(embedder.model_id, "title", embedder.dim)
    with engines[0].connect() as connection:
        valid = connection.execute(
            sa.text(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = :name"
            ),
            {"name": name},
        ).scalar_one()
    assert valid is True


def test_without_pgvector_the_graphs_are_built_in_process_and_the_log_says_why(
    embedder: FakeEmbedder,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _servers_wanted(request.config)
    db = pg.database(request, "postgresql", tmp_path / "unused.db")  # Debian's: no pgvector
    service = Disproof.open(Settings(db=db, ann_threshold=0))
    add_cases(service, *synthetic_cases(100))
    with caplog.at_level(logging.INFO, logger="disproof.match.scale"):
        matcher = service.matcher()
    assert all(isinstance(g, AnnIndex) for g in matcher.index.ann.values())
    assert set(matcher.index.ann) == {"title", "summary"}
    assert any("no pgvector extension" in r.getMessage() for r in caplog.records)
    assert not pgvector.has_column(service.store.engine)  # the schema is left as it was


def test_on_sqlite_nothing_changes(embedder: FakeEmbedder, tmp_path: Path) -> None:
    service = Disproof.open(Settings(db=str(tmp_path / "a.db"), ann_threshold=0))
    add_cases(service, *synthetic_cases(30))
    assert all(isinstance(g, AnnIndex) for g in service.matcher().index.ann.values())
    assert not pgvector.has_column(service.store.engine)


def test_a_model_id_is_quoted_not_run() -> None:
    where = pgvector._where("evil'); DROP TABLE cases; --", "title", 64)
    assert where.startswith("model = 'evil''); DROP TABLE cases; --'")
    with pytest.raises(ValueError):
        pgvector._where("m", "title; DROP", 64)
