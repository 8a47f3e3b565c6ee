"""Case vectors in pgvector, searched through HNSW, on a PostgreSQL server that has the extension.

On PostgreSQL with the ``vector`` extension (pgvector), ``case_vectors`` gains a column
``embedding vector`` beside its float32 bytes, and each field of a model that the matcher
searches gets an HNSW index over it (cosine distance): a partial index on the expression
``embedding::vector(dim)`` for the rows of that model, field and dimension, so that several
models and dimensions can share the table. The matcher asks it for candidates
(:class:`ServerGraph`, the same ``search(vector, k)`` as ``retrieve.ann.AnnIndex``) instead of
building a graph in every worker process. Without the extension (or on SQLite) nothing here is
used: the vectors stay plain float32 bytes (``docs/scale.md``, ``docs/deployment.md``).

Nothing is done before the matcher wants a graph (``Settings.ann_threshold`` cases): then
:func:`prepare` creates the extension if the server offers it and this user may create it (a
superuser may have created it already), and adds the column. No migration: the column and the
indexes are derived data, made when first wanted, and a server that gains pgvector later gets
them then.

The column is derived from the row's own vector and never trusted beyond that:

- every write of a vector writes its row anew (``CorpusStore.save_vectors`` deletes and
  inserts), so a new or changed vector has no ``embedding`` until :func:`fill` copies it from
  the row's float32 bytes — guarded by the row's text hash, so a row rewritten meanwhile is not
  given the old vector; a deleted case's rows go with it (``ON DELETE CASCADE``);
- rows copied from another database (``disproof copy``, a restored backup) arrive without it
  and are filled the same way;
- the index only proposes candidates: the matcher drops any case it does not hold and scores
  the others from its own vectors (``match/retrieval.py``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from disproof.store.engine import error_text

logger = logging.getLogger(__name__)

#: HNSW parameters (docs/benchmarks.md, "Scale: pgvector's HNSW index"): its default degree,
#: a build four times as wide as its default 64 and a search ten times its default 40 — on
#: crowded e5-like vectors ef_construction 128 and ef_search 200 found 0.986 of the exact
#: top 10 at 20,000, 256 and 400 0.996. A search asks for at least the candidates it wants
#: (``hnsw.ef_search`` = max(k, EF_SEARCH), at most 1,000).
CONNECTIVITY = 16
EF_CONSTRUCTION = 256
EF_SEARCH = 400
MAX_EF_SEARCH = 1000
#: Seconds between tries for the lock of an index another process is building.
LOCK_POLL = 1.0
#: Rows read and filled at a time.
FILL_BATCH = 1000
#: Memory a build may use (``maintenance_work_mem`` for the session that builds): an HNSW build
#: that does not fit is many times slower. 384-d vectors need ~2 kB each with their graph.
BUILD_MEMORY = "1GB"
_FIELD = re.compile(r"^[a-z_]{1,32}$")


class PgVectorUnavailable(RuntimeError):
    """The database cannot keep vectors in pgvector (the message says why)."""


def prepare(engine: Engine) -> None:
    """Make ``case_vectors.embedding`` ready: the extension created if missing (where the
    server has it and this user may), the column added if missing. Raises
    :class:`PgVectorUnavailable` saying why not."""
    if engine.dialect.name != "postgresql":
        raise PgVectorUnavailable("not a PostgreSQL database")
    try:
        with engine.begin() as connection:
            if not _installed(connection):
                _create_extension(connection)
            if not _has_column(connection):
                connection.exec_driver_sql(
                    "ALTER TABLE case_vectors ADD COLUMN IF NOT EXISTS embedding vector"
                )
                # the rows still to fill, found without reading the others (see fill)
                connection.exec_driver_sql(
                    "CREATE INDEX IF NOT EXISTS ix_case_vectors_unfilled ON case_vectors "
                    "(model, field, case_pk) WHERE embedding IS NULL"
                )
                logger.info("added the pgvector column case_vectors.embedding")
    except SQLAlchemyError as exc:
        raise PgVectorUnavailable(f"pgvector could not be set up: {error_text(exc)}") from exc


def _installed(connection: Connection) -> bool:
    query = sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'vector'")
    return bool(connection.execute(query).scalar())


def _create_extension(connection: Connection) -> None:
    query = sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
    if not connection.execute(query).scalar():
        raise PgVectorUnavailable(
            "the PostgreSQL server has no pgvector extension (install it on the server: "
            "docs/deployment.md, 'Vectors in pgvector')"
        )
    try:
        with connection.begin_nested():
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS vector")
    except SQLAlchemyError as exc:
        raise PgVectorUnavailable(
            f"the pgvector extension could not be created ({error_text(exc)}); a superuser "
            "can create it: CREATE EXTENSION vector;"
        ) from exc
    logger.info("created the PostgreSQL extension vector (pgvector)")


def _has_column(connection: Connection) -> bool:
    query = sa.text(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'case_vectors' AND column_name = 'embedding'"
    )
    return bool(connection.execute(query).scalar())


def has_column(engine: Engine) -> bool:
    """Whether this database keeps ``case_vectors.embedding`` (PostgreSQL with pgvector)."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return _has_column(connection)


def fill(engine: Engine, model: str, field: str) -> int:
    """Give every vector of ``model``'s ``field`` without an ``embedding`` its own (copied from
    its float32 bytes, batch by batch, each committed). Returns how many were filled."""
    select = sa.text(
        "SELECT case_pk, text_hash, vector FROM case_vectors WHERE model = :model AND "
        "field = :field AND embedding IS NULL AND case_pk > :after ORDER BY case_pk LIMIT :n"
    )
    # one statement per row, each finding its row by the whole primary key: a join against
    # the batch was planned as a scan of every unfilled row of the field per batch wherever
    # statistics were missing (a column just added, rows just copied): 68 s for 20,000 vectors
    update = sa.text(
        "UPDATE case_vectors SET embedding = CAST(:embedding AS vector) WHERE case_pk = :pk "
        "AND model = :model AND field = :field AND text_hash = :hash AND embedding IS NULL"
    )
    after, filled = -1, 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                select, {"model": model, "field": field, "after": after, "n": FILL_BATCH}
            ).all()
            if not rows:
                return filled
            connection.execute(
                update,
                [
                    {
                        "embedding": vector_text(blob),
                        "pk": pk,
                        "model": model,
                        "field": field,
                        "hash": digest,
                    }
                    for pk, digest, blob in rows
                ],
            )
        after, filled = rows[-1][0], filled + len(rows)


def vector_text(blob: bytes) -> str:
    """pgvector's text form of a stored vector (float32 bytes), exactly: nine significant
    digits read back as the same float32 (pgvector reads them with ``strtof``)."""
    values = np.frombuffer(blob, dtype=np.float32).tolist()
    return "[" + ",".join(["%.9g"] * len(values)) % tuple(values) + "]"


def index_name(model: str, field: str, dim: int) -> str:
    """The name of the HNSW index of one model's field (a digest: model ids are long)."""
    digest = hashlib.blake2b(f"{model}\x1f{field}\x1f{dim}".encode(), digest_size=8).hexdigest()
    return f"ix_case_vectors_hnsw_{digest}"


def _where(model: str, field: str, dim: int) -> str:
    """The rows of one index, as SQL with the values written in (a partial index is used only
    by a query whose condition is the index's own, literally; values in parameters would not
    prove it). The model id is quoted as a string constant; the field and dimension are
    checked."""
    if not _FIELD.match(field) or not 0 < dim <= 16_000:
        raise ValueError(f"not an indexable field and dimension: {field!r}, {dim}")
    if "\x00" in model:
        raise ValueError("a model id cannot hold a NUL character")
    quoted = "'" + model.replace("'", "''") + "'"
    return f"model = {quoted} AND field = '{field}' AND dim = {int(dim)}"


def _index_state(connection: Connection, name: str) -> bool | None:
    """Whether the index is valid (False: a build that failed half-way), None: no index."""
    query = sa.text(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = :name AND c.relnamespace = current_schema()::regnamespace"
    )
    found = connection.execute(query, {"name": name}).scalar()
    return None if found is None else bool(found)


def ensure_index(engine: Engine, model: str, field: str, dim: int) -> bool:
    """Build the HNSW index of one model's field if there is none (returns True if built now).

    Built ``CONCURRENTLY``: edits go on meanwhile. One process builds (an advisory lock on the
    index name; another waits for it, then finds it); an index left invalid by a failed build
    is dropped and built again."""
    name = index_name(model, field, dim)
    with engine.connect() as connection:
        if _index_state(connection, name):
            return False
        connection.rollback()
    key = sa.func.hashtextextended(name, 0)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # polled, not waited for: a statement waiting for the lock would hold a snapshot that
        # the other process's CREATE INDEX CONCURRENTLY waits to see end (a deadlock)
        while not connection.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar():
            time.sleep(LOCK_POLL)
        try:
            state = _index_state(connection, name)
            if state:
                return False
            if state is False:
                logger.warning("dropping the HNSW index %s left invalid by a failed build", name)
                connection.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            connection.exec_driver_sql(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
            try:
                connection.exec_driver_sql(
                    f"CREATE INDEX CONCURRENTLY {name} ON case_vectors USING hnsw "
                    f"((embedding::vector({int(dim)})) vector_cosine_ops) "
                    f"WITH (m = {CONNECTIVITY}, ef_construction = {EF_CONSTRUCTION}) "
                    f"WHERE {_where(model, field, dim)}"
                )
            finally:
                connection.exec_driver_sql("RESET maintenance_work_mem")
            return True
        finally:
            connection.execute(sa.select(sa.func.pg_advisory_unlock(key)))


#: Exact search standing in when the database cannot answer: (query, k) → case keys.
Fallback = Callable[[npt.NDArray[np.float32], int], npt.NDArray[np.int64]]


@dataclass
class ServerGraph:
    """One field's HNSW index in the database: ``search`` answers case primary keys, nearest
    first, as ``retrieve.ann.AnnIndex`` does. Where the database fails to answer (the column
    or the extension dropped by an operator, a server restarting) the ``fallback`` answers,
    and the log says so once."""

    engine: Engine
    model_id: str
    field: str
    dim: int
    count: int
    fallback: Fallback | None = None
    failed: bool = False

    def __len__(self) -> int:
        return self.count

    def search(self, query: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
        """The keys of about the ``k`` nearest vectors (by cosine), nearest first."""
        try:
            return self._search(query, k)
        except SQLAlchemyError as exc:
            if self.fallback is None:
                raise
            if not self.failed:
                logger.warning(
                    "pgvector search of %s failed (%s): searching exactly until the matcher is "
                    "rebuilt",
                    self.field,
                    error_text(exc),
                )
                self.failed = True
            return self.fallback(query, k)

    def _search(self, query: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        k = min(k, MAX_EF_SEARCH)
        sql = sa.text(
            f"SELECT case_pk FROM case_vectors WHERE {_where(self.model_id, self.field, self.dim)} "
            f"ORDER BY embedding::vector({int(self.dim)}) <=> CAST(:q AS vector({int(self.dim)})) "
            "LIMIT :k"
        )
        width = str(min(max(k, EF_SEARCH), MAX_EF_SEARCH))
        with self.engine.begin() as connection:
            connection.execute(sa.select(sa.func.set_config("hnsw.ef_search", width, True)))
            keys = connection.execute(
                sql, {"q": np.asarray(query, dtype=np.float32).tolist(), "k": k}
            ).scalars()
            return np.fromiter(keys, dtype=np.int64)


def server_graph(
    engine: Engine,
    model_id: str,
    field: str,
    dim: int,
    count: int,
    fallback: Fallback | None = None,
) -> ServerGraph:
    """The HNSW index of one model's field (``count`` vectors: what the matcher holds), its
    vectors filled and the index built first if needed. Raises :class:`PgVectorUnavailable`
    when the database cannot serve it."""
    try:
        filled = fill(engine, model_id, field)
        if filled:
            logger.info("pgvector %s: %d vectors copied into case_vectors.embedding", field, filled)
        if ensure_index(engine, model_id, field, dim):
            logger.info("built the pgvector HNSW index of %s", field)
        return ServerGraph(engine, model_id, field, dim, count, fallback)
    except SQLAlchemyError as exc:
        raise PgVectorUnavailable(f"pgvector index of {field}: {error_text(exc)}") from exc
