"""Large databases: the dense fields of a match index served through HNSW graphs.

Below ``Settings.ann_threshold`` cases (200,000 by default) the matcher searches every vector
exactly — milliseconds, and the reference. At or above it, :func:`attach_ann` gives the index
one graph per dense field (``retrieve/ann.py``), saved in a folder beside the match index
(``disproof.db.ann`` beside ``disproof.db.index``) and checked on load: another model or
dimension, or files that fail their checksum, are rebuilt; a graph saved for this very index
(its fingerprint) is memory-mapped without reading a vector; one saved for an older state of
the cases is updated (changed vectors removed and re-added) unless most of it changed. See
docs/scale.md.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from disproof.match.index import CaseIndex
from disproof.retrieve.ann import AnnIndex, AnnUnavailable, Rows, require_usearch

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 200_000


def ann_dir(index_dir: Path) -> Path:
    """Where the graphs of the match index saved in ``index_dir`` are saved."""
    return index_dir.with_name(index_dir.name.removesuffix(".index") + ".ann")


def attach_ann(index: CaseIndex, folder: Path | None, threshold: int) -> list[str]:
    """Give ``index`` its graphs if it has ``threshold`` cases or more (loaded, updated or
    built; saved in ``folder`` unless None). Returns notes for the matcher's answers."""
    index.ann = {}
    if index.model_id is None or not index.dense or len(index) < threshold:
        return []
    try:
        require_usearch()
    except AnnUnavailable as exc:
        logger.warning("%s; searching %d cases exactly", exc, len(index))
        return [f"{exc}: vectors are searched exactly (slower at this size)"]
    for field, dense in index.dense.items():
        where = folder / field if folder is not None else None
        current = (
            AnnIndex.load_for(where, index.model_id, dense.dim, index.fingerprint)
            if where is not None
            else None
        )
        if current is not None:  # saved for this very index: no vector read, no digest
            index.ann[field] = current
            continue
        rows = Rows.of(index.pks, dense.vectors)
        index.ann[field] = _graph(index.model_id, rows, where, field, index.fingerprint)
    return []


def _graph(model_id: str, rows: Rows, where: Path | None, field: str, fingerprint: str) -> AnnIndex:
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
            graph.save(where, fingerprint)
        except OSError as exc:  # another worker process saving the same update: keep ours
            logger.warning("could not save the ANN graph at %s (%s); using it unsaved", where, exc)
    return graph
