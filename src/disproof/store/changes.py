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
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from disproof.store.engine import snapshot
from disproof.store.schema import case_changes, cases, store_meta

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
