"""The SQL behind one case per claim across sources (see :mod:`disproof.sameclaim`): finding a
case by an old id (an alias), the stored cases a record could be the same claim as, and folding
stored cases into one (renaming the one kept, retiring the others with a history entry)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from disproof.models import Case
from disproof.sameclaim import Claim
from disproof.store import history
from disproof.store.history import EditMark
from disproof.store.schema import case_edits, case_terms, cases

#: the history action of a case folded into another (its id becomes the other's alias)
MERGE = "merge"


def resolve(connection: Connection, ids: Iterable[str]) -> dict[str, str]:
    """The stored case each of ``ids`` names, by its id or as an alias: id → stored id."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for (case_id,) in connection.execute(sa.select(cases.c.id).where(cases.c.id.in_(chunk))):
            found[case_id] = case_id
        rest = [i for i in chunk if i not in found]
        if not rest:
            continue
        query = (
            sa.select(case_terms.c.value, cases.c.id)
            .join(cases, cases.c.pk == case_terms.c.case_pk)
            .where(
                case_terms.c.kind == "alias",
                case_terms.c.value_key.in_([i.casefold() for i in rest]),
            )
        )
        for alias, case_id in connection.execute(query):
            if alias in rest:
                found.setdefault(alias, case_id)
    return found


def merged(connection: Connection, ids: Iterable[str]) -> set[str]:
    """Which of these stored case ids are cases merged across sources (they have aliases)."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        query = (
            sa.select(cases.c.id)
            .join(case_terms, case_terms.c.case_pk == cases.c.pk)
            .where(case_terms.c.kind == "alias", cases.c.id.in_(wanted[start : start + 500]))
            .distinct()
        )
        found |= {case_id for (case_id,) in connection.execute(query)}
    return found


def candidates(connection: Connection, datasets: Iterable[str]) -> list[Claim]:
    """Every stored case of these datasets, as the claim rules see it."""
    wanted = sorted({d for d in datasets if d})
    if not wanted:
        return []
    query = sa.select(cases.c.doc).where(cases.c.dataset.in_(wanted))
    return [Claim.from_doc(doc) for (doc,) in connection.execute(query)]


def rename(connection: Connection, pairs: list[tuple[str, str]]) -> None:
    """Give stored cases new ids (old, new), their history going with them (the old id becomes
    an alias when the case is next written)."""
    if not pairs:
        return
    params = [{"old": old, "new": new} for old, new in pairs]
    connection.execute(
        sa.update(cases).where(cases.c.id == sa.bindparam("old")).values(id=sa.bindparam("new")),
        params,
    )
    connection.execute(
        sa.update(case_edits)
        .where(case_edits.c.case_id == sa.bindparam("old"))
        .values(case_id=sa.bindparam("new")),
        params,
    )


def retire(
    connection: Connection, folded: dict[str, str], mark: EditMark, now: dt.datetime
) -> None:
    """Remove stored cases folded into another (id → the other's id), keeping each one's last
    state in its history (a ``merge`` entry), from which ``restore-case`` can bring it back."""
    ids = list(folded)
    known = history.last_versions(connection, ids)
    entries: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        query = sa.select(cases).where(cases.c.id.in_(ids[start : start + 500]))
        for row in connection.execute(query).all():
            version = max(int(row.version), known.get(row.id, 0)) + 1
            note = f"the same claim as {folded[row.id]}, merged into it ({mark.note or 'import'})"
            entries.append(
                history.edit_values(row.id, MERGE, mark, now, version, _state(row), note=note)
            )
            connection.execute(sa.delete(cases).where(cases.c.pk == row.pk))
    history.record(connection, entries)


def _state(row: sa.Row[Any]) -> dict[str, Any]:
    def utc(value: dt.datetime) -> str:
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()

    return dict(row.doc) | {"created_at": utc(row.created_at), "updated_at": utc(row.updated_at)}


def load(connection: Connection, ids: Iterable[str]) -> dict[str, Case]:
    """The stored cases among ``ids`` as the caller's transaction sees them, by id."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Case] = {}
    for start in range(0, len(wanted), 500):
        query = sa.select(cases.c.doc).where(cases.c.id.in_(wanted[start : start + 500]))
        for (doc,) in connection.execute(query):
            found[doc["id"]] = Case.model_validate(doc)
    return found
