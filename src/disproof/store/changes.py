"""Which cases changed since a given point, read from the store's change log (migration 0014).

Triggers on ``cases`` log every case inserted, deleted, or updated in its key or content hash
(``case_changes``), in the same transaction as the write, with a sequence number that grows in
commit order. A match index remembers the :class:`Position` it reflects — the log's name and
the last sequence number it saw — and asks :func:`changed_since` for the cases changed after
it: a query on the log's index and one on the changed cases, instead of reading every case's
key and content hash (0.4 s at 100,000 cases). Deleted cases are the logged keys no longer in
``cases``.

The log cannot vouch for a position (:func:`changed_since` answers None; the caller compares
everything, as before) when the log has another name (another database, a copy, a restored
backup: each gets a new name), when the position is past the log's end (a database rewound
to an older state), or when the cases counted do not add up to what the index holds after
the logged changes (a log that missed a write).

The log is pruned (:func:`prune`) to the newest row of each case: every position then reads
the same cases changed as before (a row dropped is older than a row kept for the same case, so
a position before it is before the kept one too), and the log holds at most one row per case
that ever existed instead of one per write.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from disproof.store.engine import snapshot
from disproof.store.schema import case_changes, cases, store_meta

logger = logging.getLogger(__name__)

#: ``store_meta`` key of the log's name.
LOG_KEY = "case_changes_log"
#: Keys per ``IN (…)`` list.
CHUNK = 900


@dataclass(frozen=True)
class Position:
    """A point in a store's change log: every change up to ``seq`` is reflected."""

    log: str
    seq: int

    def __str__(self) -> str:
        return f"log:{self.log}:{self.seq}"

    @classmethod
    def parse(cls, text: str) -> Position | None:
        """The position written by ``str``, or None for anything else (an older index's
        fingerprint)."""
        parts = text.split(":")
        if len(parts) != 3 or parts[0] != "log" or not parts[2].isdigit():
            return None
        return cls(parts[1], int(parts[2]))


@dataclass(frozen=True)
class ChangedCases:
    """The cases changed since a position, as they are now."""

    #: Where the log stands now (what an index brought up to date reflects).
    position: Position
    #: The changed cases that exist (ascending keys) and their content hashes.
    pks: npt.NDArray[np.int64]
    content_hashes: list[str]
    #: The changed keys that no longer exist (deleted).
    gone: npt.NDArray[np.int64]
    #: How many cases there are.
    count: int


def position(connection: Connection) -> Position:
    """Where the log stands (read this before the cases it should describe)."""
    name = connection.execute(
        sa.select(store_meta.c.value).where(store_meta.c.key == LOG_KEY)
    ).scalar_one_or_none()
    seq = connection.execute(sa.select(sa.func.max(case_changes.c.seq))).scalar_one_or_none()
    return Position(name or "", int(seq or 0))


def current(engine: Engine) -> Position:
    """Where the log stands now: changes with every case written (one indexed lookup)."""
    with engine.connect() as connection:
        return position(connection)


def changed_since(engine: Engine, since: Position, limit: int) -> ChangedCases | None:
    """The cases changed after ``since``, read in one snapshot; None when the log cannot vouch
    for ``since`` (see the module) or more than ``limit`` cases changed (compare everything)."""
    with snapshot(engine) as connection:
        now = position(connection)
        if not since.log or now.log != since.log or since.seq > now.seq:
            return None
        logged = connection.execute(
            sa.select(case_changes.c.case_pk)
            .where(case_changes.c.seq > since.seq)
            .distinct()
            .limit(limit + 1)
        ).scalars()
        wanted = sorted(set(logged))
        if len(wanted) > limit:
            return None
        found: dict[int, str] = {}
        for start in range(0, len(wanted), CHUNK):
            query = sa.select(cases.c.pk, cases.c.content_hash).where(
                cases.c.pk.in_(wanted[start : start + CHUNK])
            )
            found.update((int(pk), str(content)) for pk, content in connection.execute(query))
        count = connection.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one()
    present = sorted(found)
    return ChangedCases(
        now,
        np.array(present, dtype=np.int64),
        [found[pk] for pk in present],
        np.array(sorted(set(wanted) - set(found)), dtype=np.int64),
        int(count),
    )


def rename_log(connection: Connection) -> None:
    """Give the log a new name: positions taken in it no longer vouch for anything (after a
    copy or a restore, whose cases are not the history those positions describe)."""
    connection.execute(sa.delete(store_meta).where(store_meta.c.key == LOG_KEY))
    connection.execute(sa.insert(store_meta).values(key=LOG_KEY, value=uuid.uuid4().hex))


def log_span(engine: Engine) -> int:
    """How many rows the log may hold: the span of its row ids (two lookups on its primary
    key, however long it is)."""
    with engine.connect() as connection:
        low, high = connection.execute(
            sa.select(sa.func.min(case_changes.c.id), sa.func.max(case_changes.c.id))
        ).one()
    return 0 if low is None else int(high) - int(low) + 1


def prune_if_long(engine: Engine, cases: int) -> None:
    """:func:`prune` once the log may hold more than twice ``cases`` rows (and 1,000): after
    each index build or update, so the log stays within a few rows per case at a cost
    proportional to the writes since the last pruning. A store that cannot be written (a
    read-only database) keeps its log: logged, not raised."""
    if log_span(engine) <= 2 * cases + 1000:
        return
    try:
        dropped = prune(engine)
    except sa.exc.SQLAlchemyError as exc:
        logger.warning("could not prune the change log (%s)", exc)
        return
    logger.info("change log pruned: %d rows older than their case's newest dropped", dropped)


def prune(engine: Engine) -> int:
    """Drop every stamped row of the log older than the newest row of its case; the number
    dropped. Safe while cases are written: a row committed meanwhile is newer than every row
    dropped, and no position reads a different set of changed cases afterwards (see the
    module). Linear (a grouped pass and a lookup per row), so run now and then."""
    # the newest row of each case in a temporary table first: the log has no index on case_pk,
    # and a correlated max() over it would read the log once per row
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS disproof_log_newest")
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE disproof_log_newest AS SELECT case_pk, max(seq) AS seq "
            "FROM case_changes WHERE seq IS NOT NULL GROUP BY case_pk"
        )
        connection.exec_driver_sql(
            "CREATE UNIQUE INDEX disproof_log_newest_pk ON disproof_log_newest (case_pk)"
        )
        dropped = connection.exec_driver_sql(
            "DELETE FROM case_changes WHERE seq IS NOT NULL AND seq < ("
            "SELECT n.seq FROM disproof_log_newest n WHERE n.case_pk = case_changes.case_pk)"
        ).rowcount
        connection.exec_driver_sql("DROP TABLE disproof_log_newest")
    return int(dropped or 0)
