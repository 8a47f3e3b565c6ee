"""The SQL behind case history: rows of ``case_edits`` (who, role, when, version, snapshot).

What the rows mean — diffs between versions, restoring a snapshot — is :mod:`disproof.history`'s
and :mod:`disproof.editing`'s business; this module only writes and reads them.

Snapshots are kept so that every version but the current one has its state stored; the current
version's state is the case itself. Edits through the service store theirs at once; imports do
not (a snapshot per imported case costs a tenth more time and three quarters more disk), and
:func:`keep` stores the state of a version when a change replaces it, adding a ``baseline``
entry for a version written without one (before history was kept, or by a bare store write).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from disproof.store.schema import case_edits
from disproof.store.times import utc

MAX_AUTHOR = 200
MAX_NOTE = 2000


@dataclass(frozen=True)
class EditMark:
    """Who makes a write, and how to name it in the history: ``action`` None names each case's
    entry by what happened to it ("create" or "update"); ``note`` says more (a file, a version)."""

    author: str
    role: str | None = None
    action: str | None = None
    note: str | None = None
    #: whether entries hold the new state at once (False: stored when the version is replaced)
    snapshots: bool = True


@dataclass(frozen=True)
class EditRow:
    """One stored history entry. ``version`` and ``snapshot`` are None for entries made before
    history was kept (migration 0004)."""

    pk: int
    case_id: str
    action: str
    author: str
    role: str | None
    at: dt.datetime
    version: int | None
    note: str | None
    snapshot: dict[str, Any] | None


def edit_values(
    case_id: str,
    action: str,
    mark: EditMark,
    at: dt.datetime,
    version: int | None,
    snapshot: dict[str, Any] | None,
    note: str | None = None,
) -> dict[str, Any]:
    """The column values of one history row (author and note cut to their column sizes)."""
    note = note if note is not None else mark.note
    return {
        "case_id": case_id,
        "action": action,
        "author": mark.author[:MAX_AUTHOR],
        "role": mark.role[:16] if mark.role else None,
        "at": at,
        "version": version,
        "note": note[:MAX_NOTE] if note else None,
        "snapshot": snapshot,
    }


def record(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Write history rows (made by :func:`edit_values`) in the caller's transaction."""
    if rows:
        connection.execute(sa.insert(case_edits), rows)


def last_versions(connection: Connection, ids: Iterable[str]) -> dict[str, int]:
    """The highest version the history holds for each of ``ids`` that it knows (a deleted case
    keeps its numbers: a case created again under the same id goes on from there)."""
    found: dict[str, int] = {}
    wanted = list(ids)
    for start in range(0, len(wanted), 500):
        query = (
            sa.select(case_edits.c.case_id, sa.func.max(case_edits.c.version))
            .where(case_edits.c.case_id.in_(wanted[start : start + 500]))
            .group_by(case_edits.c.case_id)
        )
        found |= {case_id: int(v) for case_id, v in connection.execute(query) if v is not None}
    return found


def has_entries(connection: Connection, case_id: str) -> bool:
    """Whether the history knows the case id at all."""
    query = sa.select(case_edits.c.pk).where(case_edits.c.case_id == case_id).limit(1)
    return connection.execute(query).first() is not None


@dataclass(frozen=True)
class State:
    """A version of a case as a snapshot, and since when it has been so."""

    version: int
    snapshot: dict[str, Any]
    since: dt.datetime


BASELINE = "baseline"
BASELINE_NOTE = "the state of this version, kept when it was replaced (who made it is unknown)"


def lacking(connection: Connection, versions: dict[str, int]) -> dict[str, int | None]:
    """Which of these case versions have no snapshot in the history: case id → the pk of the
    version's entry to fill in, or None when the version has no entry at all."""
    found: dict[str, int | None] = dict.fromkeys(versions)
    ids = list(versions)
    for start in range(0, len(ids), 500):
        query = sa.select(
            case_edits.c.pk,
            case_edits.c.case_id,
            case_edits.c.version,
            case_edits.c.snapshot.is_not(None).label("kept"),
        ).where(case_edits.c.case_id.in_(ids[start : start + 500]))
        for row in connection.execute(query):
            if row.version != versions[row.case_id] or row.case_id not in found:
                continue
            if row.kept:
                del found[row.case_id]
            else:
                found[row.case_id] = row.pk
    return found


def keep(connection: Connection, states: dict[str, State], entries: dict[str, int | None]) -> None:
    """Store the snapshots of replaced versions (``entries`` as :func:`lacking` returns them):
    into their entry, or into a new ``baseline`` entry."""
    updates = [
        {"entry": pk, "kept": states[case_id].snapshot}
        for case_id, pk in entries.items()
        if pk is not None
    ]
    if updates:
        statement = (
            sa.update(case_edits)
            .where(case_edits.c.pk == sa.bindparam("entry"))
            .values(snapshot=sa.bindparam("kept"))
        )
        connection.execute(statement, updates)
    mark = EditMark("disproof", None, BASELINE, BASELINE_NOTE)
    baselines = []
    for case_id, pk in entries.items():
        if pk is None:
            state = states[case_id]
            baselines.append(
                edit_values(case_id, BASELINE, mark, state.since, state.version, state.snapshot)
            )
    record(connection, baselines)


def _row(row: sa.Row[Any]) -> EditRow:
    return EditRow(
        pk=row.pk,
        case_id=row.case_id,
        action=row.action,
        author=row.author,
        role=row.role,
        at=utc(row.at),
        version=row.version,
        note=row.note,
        snapshot=dict(row.snapshot) if row.snapshot is not None else None,
    )


class HistoryRecords:
    """Reading the history of cases."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def rows(self, case_id: str) -> list[EditRow]:
        """Every history entry of a case, oldest first."""
        query = sa.select(case_edits).where(case_edits.c.case_id == case_id)
        with self.engine.connect() as connection:
            return [_row(r) for r in connection.execute(query.order_by(case_edits.c.pk))]

    @staticmethod
    def latest(connection: Connection, case_id: str, version: int | None = None) -> EditRow | None:
        """The newest entry of a case that has a snapshot (of ``version`` when given)."""
        query = sa.select(case_edits).where(
            case_edits.c.case_id == case_id, case_edits.c.snapshot.is_not(None)
        )
        if version is not None:
            query = query.where(case_edits.c.version == version)
        row = connection.execute(query.order_by(case_edits.c.pk.desc()).limit(1)).first()
        return _row(row) if row is not None else None
