"""Large databases: the dense fields of a match index served through HNSW graphs.

Below ``Settings.ann_threshold`` cases (200,000 by default) the matcher searches every vector
exactly — milliseconds, and the reference. At or above it, :func:`attach_ann` gives the index
one graph per dense field (``retrieve/ann.py``), saved in a folder beside the match index
(``disproof.db.ann`` beside ``disproof.db.index``) and checked on load: another model or
dimension, or files that fail their checksum, are rebuilt. A graph saved for the index's dense
matrix (``DenseIndex.base_id``: the saved matrix that updates keep, adding rows beside it) is
memory-mapped once per process, and the rows added or changed beside the matrix since are
searched exactly next to it (``retrieve.ann.Overlay``) — adding a case reads and writes no
graph — until there are ``FOLD_AT`` of them: then they are added to the graph, which is saved
again. A graph saved for this very index (its fingerprint) is mapped without reading a vector;
one saved for another matrix (after a merge, or the rows renumbered when tombstones of deleted
cases are compacted) is compared with every vector and updated (changed vectors removed and
re-added) unless most of it changed. A deleted case's row is a tombstone
(``CaseIndex.deleted``): the graph may still hold its vector, and the matcher drops it from the
graph's answers; a fold takes it out of the graph.

On PostgreSQL with the pgvector extension the graphs are the database's own instead: an HNSW
index per field over ``case_vectors`` (``store/pgvector.py``), built once and shared by every
worker process and host, kept by the database as vectors change. Without the extension (or if
it cannot be set up) the graphs are built in each process as above, and the log says why. See
docs/scale.md.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from disproof.match.index import CaseIndex
from disproof.retrieve import DenseIndex
from disproof.retrieve.ann import (
    AnnIndex,
    AnnUnavailable,
    Neighbours,
    Overlay,
    Rows,
    require_usearch,
    vector_digests,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 200_000
#: Rows beside a graph searched exactly (a matrix product over them per query), at most; past
#: this they are added to the graph and it is saved again (docs/scale.md).
FOLD_AT = 4096
#: Why pgvector could not serve, as already logged by this process.
_TOLD: set[str] = set()


def ann_dir(index_dir: Path) -> Path:
    """Where the graphs of the match index saved in ``index_dir`` are saved."""
    return index_dir.with_name(index_dir.name.removesuffix(".index") + ".ann")


def attach_ann(
    index: CaseIndex, folder: Path | None, threshold: int, engine: Engine | None = None
) -> list[str]:
    """Give ``index`` its graphs if it has ``threshold`` cases or more: the database's HNSW
    indexes where ``engine`` is PostgreSQL with pgvector, else usearch graphs (loaded, updated
    or built; saved in ``folder`` unless None). Returns notes for the matcher's answers."""
    index.ann = {}
    if index.model_id is None or not index.dense or index.cases < threshold:
        return []
    if engine is not None and engine.dialect.name == "postgresql":
        served = server_graphs(index, engine)
        if served is not None:
            index.ann = served
            return []
    try:
        require_usearch()
    except AnnUnavailable as exc:
        logger.warning("%s; searching %d cases exactly", exc, index.cases)
        return [f"{exc}: vectors are searched exactly (slower at this size)"]
    for field, dense in index.dense.items():
        where = folder / field if folder is not None else None
        if where is not None:
            graph = _beside(index, field, dense, where)
            if graph is not None:  # saved for this matrix: only the rows beside it are read
                index.ann[field] = graph
                continue
        current = (
            AnnIndex.load_for(where, index.model_id, dense.dim, index.fingerprint)
            if where is not None
            else None
        )
        if current is not None:  # saved for this very index: no vector read, no digest
            index.ann[field] = current
            continue
        rows = Rows.of(index.pks, dense.vectors, index.deleted)
        index.ann[field] = _graph(
            index.model_id, rows, where, field, index.fingerprint, dense.base_id
        )
    return []


def _beside(index: CaseIndex, field: str, dense: DenseIndex, where: Path) -> Neighbours | None:
    """The graph saved for the dense matrix ``dense.main``, with the rows added or changed
    beside it that the graph does not hold searched exactly (:class:`Overlay`); folded into the
    graph, saved again, once there are more than ``FOLD_AT``. None: no such graph."""
    assert index.model_id is not None
    graph = AnnIndex.load_base(where, index.model_id, dense.dim, dense.base_id)
    if graph is None:
        return None
    rows = dense.pending_rows
    keys, vectors = index.pks[rows], dense.take(rows)
    present = np.any(vectors != 0, axis=1)  # a zero row: a case without the field
    present &= ~index.is_deleted(rows)  # tombstones
    absent = keys[~present]
    order = np.argsort(keys[present], kind="stable")
    keys, vectors = keys[present][order], vectors[present][order]
    digests = vector_digests(vectors)
    at = np.minimum(np.searchsorted(graph.keys, keys), max(len(graph.keys) - 1, 0))
    held = np.zeros(len(keys), dtype=np.bool_)
    if len(graph.keys):
        held = (graph.keys[at] == keys) & (graph.digests[at] == digests)
    if np.count_nonzero(~held) <= FOLD_AT:
        return Overlay(graph, keys[~held], vectors[~held], absent)
    started = time.perf_counter()
    writable = AnnIndex.load_base(where, index.model_id, dense.dim, dense.base_id, writable=True)
    if writable is None:
        return Overlay(graph, keys[~held], vectors[~held], absent)
    # the deleted cases' vectors leave the graph too (until then the matcher drops them)
    writable.patch(
        keys[~held], vectors[~held], digests[~held], np.union1d(absent, index.pks[index.deleted])
    )
    try:
        writable.save(where, index.fingerprint, dense.base_id)
    except OSError as exc:  # another worker process saving the same: keep ours
        logger.warning("could not save the ANN graph at %s (%s); using it unsaved", where, exc)
        return writable
    logger.info(
        "ANN %s: %d vectors folded into the graph in %.1f s",
        field,
        int(np.count_nonzero(~held)),
        time.perf_counter() - started,
    )
    # mapped again (shared between worker processes) rather than kept in this one's memory
    return AnnIndex.load_base(where, index.model_id, dense.dim, dense.base_id) or writable


def server_graphs(index: CaseIndex, engine: Engine) -> dict[str, Neighbours] | None:
    """The database's HNSW index of each dense field (vectors filled and indexes built as
    needed), or None — logged with the reason — where the database cannot serve them."""
    from disproof.store.pgvector import PgVectorUnavailable, prepare, server_graph

    assert index.model_id is not None
    try:
        prepare(engine)
        graphs: dict[str, Neighbours] = {}
        for field, dense in index.dense.items():
            started = time.perf_counter()
            dead = dense.take(index.deleted)  # tombstones: their vectors are the matrix's only
            held = dense.held() - int(np.count_nonzero(np.any(dead != 0, axis=1)))
            dim = dense.dim
            exact = partial(_exact_keys, index.pks, index.deleted, dense)
            graph = server_graph(engine, index.model_id, field, dim, held, exact)
            logger.info(
                "pgvector HNSW index of %s (%d vectors) ready in %.2f s",
                field,
                held,
                time.perf_counter() - started,
            )
            graphs[field] = graph
        return graphs
    except PgVectorUnavailable as exc:
        # at warning level once per reason and process: matchers are rebuilt on every change
        level = logging.INFO if str(exc) in _TOLD else logging.WARNING
        _TOLD.add(str(exc))
        logger.log(
            level,
            "vectors not served by pgvector (%s): building the HNSW graphs in this process",
            exc,
        )
        return None


def _exact_keys(
    pks: npt.NDArray[np.int64],
    deleted: npt.NDArray[np.int64],
    dense: DenseIndex,
    query: npt.NDArray[np.float32],
    k: int,
) -> npt.NDArray[np.int64]:
    """The keys of the ``k`` nearest vectors by exact search (where the database's index
    cannot answer): what the graph would propose at best (tombstones left out)."""
    scores = dense.scores(query)
    scores[deleted] = 0
    keep = np.flatnonzero(scores != 0)  # a zero row is a case without the field
    best = keep[np.argsort(-scores[keep], kind="stable")[:k]]
    return np.asarray(pks[best], dtype=np.int64)


def _graph(
    model_id: str, rows: Rows, where: Path | None, field: str, fingerprint: str, base: str
) -> AnnIndex:
    graph = AnnIndex.load(where, model_id, rows) if where is not None else None
    if graph is not None and graph.holds(rows):
        if where is not None:
            try:  # the next load for this index maps it without comparing vectors
                AnnIndex.stamp(where, fingerprint)
            except (OSError, ValueError) as exc:
                logger.warning("could not stamp the ANN graph at %s (%s)", where, exc)
        return graph
    if graph is not None:
        changes = graph.update(rows)
        if changes is not None:
            logger.info("ANN %s: %d removed, %d added", field, changes.removed, changes.added)
        else:
            graph = None
    if graph is None:
        started = time.perf_counter()
        logger.info("building the ANN graph of %s over %d vectors", field, len(rows.keys))
        graph = AnnIndex.build(model_id, rows)
        logger.info("built in %.0f s", time.perf_counter() - started)
    if where is not None:
        try:
            graph.save(where, fingerprint, base)
        except OSError as exc:  # another worker process saving the same update: keep ours
            logger.warning("could not save the ANN graph at %s (%s); using it unsaved", where, exc)
    return graph
