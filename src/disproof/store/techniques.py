"""The cache of persuasion techniques found in texts (``technique_results``): derived data,
read by text hash and model id, written without waiting for the write lock (a page that reads
techniques must never wait for an import to finish; a result not written is computed again)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from disproof.store.engine import insert_or_keep, write_if_free
from disproof.store.schema import technique_results

#: Hashes looked up per query.
BATCH = 500


def read_results(
    engine: Engine, model_id: str, hashes: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """text hash → stored spans (``{"technique", "start", "end", "score"}``) for the hashes
    this model has read."""
    wanted = sorted(set(hashes))
    out: dict[str, list[dict[str, Any]]] = {}
    table = technique_results
    with engine.connect() as connection:
        for start in range(0, len(wanted), BATCH):
            query = sa.select(table.c.text_hash, table.c.spans).where(
                table.c.model_id == model_id, table.c.text_hash.in_(wanted[start : start + BATCH])
            )
            for text_hash, spans in connection.execute(query):
                out[text_hash] = list(spans)
    return out


def write_results(
    engine: Engine, model_id: str, results: Mapping[str, Sequence[Mapping[str, Any]]]
) -> bool:
    """Store ``results`` (text hash → spans) if the write lock is free right now; False when it
    was not (nothing written). Hashes another writer stored meanwhile are skipped."""
    if not results:
        return True
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"text_hash": h, "model_id": model_id, "spans": [dict(s) for s in spans], "created_at": now}
        for h, spans in results.items()
    ]
    insert = insert_or_keep(technique_results, engine.dialect.name)
    for start in range(0, len(rows), BATCH):
        statement = insert.values(rows[start : start + BATCH])
        try:
            if not write_if_free(engine, statement):
                return False
        except IntegrityError:  # pragma: no cover - a dialect without "do nothing"
            return False
    return True
