"""CaseStore: the only code that reads and writes cases in SQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from disproof.errors import CaseNotFound, StoreError
from disproof.models import Case, CasePublic
from disproof.normalize import keyword_key
from disproof.sameclaim import aliases_of
from disproof.store import claims, fulltext, history, postgres
from disproof.store.engine import begin_write, error_text
from disproof.store.history import EditMark
from disproof.store.querying import CaseQueries
from disproof.store.schema import case_edits, case_terms, cases, imports
from disproof.store.times import utc

UpsertOutcome = Literal["created", "updated", "unchanged"]


def content_hash(case: Case) -> str:
    payload = json.dumps(case.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _as_utc(value: dt.datetime) -> dt.datetime:
    """A timestamp to store: converted to UTC (naive input is taken to be UTC already)."""
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _term_rows(
    case_pk: int, case: Case, connection: Connection | None = None
) -> list[dict[str, Any]]:
    """The case's term rows; ``connection``: read its stored vectors there (an existing case
    whose text is unchanged keeps its semantic check; a new case has none yet)."""
    from disproof.narratives.mapping import case_narratives  # text analysis: only for writes
    from disproof.narratives.stored import fields_of_pk

    fields = fields_of_pk(connection, case_pk, case) if connection is not None else None

    rows: list[dict[str, Any]] = []
    groups: dict[str, list[str]] = {
        "keyword": case.keywords,
        "country": case.countries,
        "language": case.languages,
        "outlet": case.outlets,
        # analysts' narratives and those inferred from keywords + text (disproof.narratives.mapping)
        "narrative": [n.id for n in case_narratives(case, fields)],
        "related": case.related,
        # the ids a case merged from other sources answers to (disproof.sameclaim)
        "alias": aliases_of(case.extra),
    }
    for kind, values in groups.items():
        for position, value in enumerate(values):
            key = keyword_key(value) if kind in ("keyword", "outlet") else value.casefold()
            rows.append(
                {
                    "case_pk": case_pk,
                    "kind": kind,
                    "position": position,
                    "value": value,
                    "value_key": key,
                }
            )
    return rows


@dataclass(frozen=True)
class ImportLogEntry:
    file: str
    sha256: str
    format: str
    rows: int
    created: int
    updated: int
    unchanged: int
    merged: int
    rejected: int
    joined: int = 0


class CaseStore(CaseQueries):
    """Persistence of cases. Methods taking a ``Connection`` run inside the caller's transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.fulltext = fulltext.for_engine(engine)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One all-or-nothing unit of work (rolled back on any exception), holding the write
        lock from its start (see :func:`begin_write`): reads made inside it are current, so a
        read-check-write edit cannot lose another's change. (On PostgreSQL such edits lock the
        case row instead, see :meth:`current`.)"""
        try:
            with begin_write(self.engine) as connection:
                yield connection
        except SQLAlchemyError as exc:
            message = f"database write failed, nothing was changed: {error_text(exc)}"
            raise StoreError(message) from exc

    # -- reading ---------------------------------------------------------------------------------

    @staticmethod
    def _to_case(row: sa.Row[Any]) -> Case:
        data = dict(row.doc)
        data["created_at"] = utc(row.created_at)
        data["updated_at"] = utc(row.updated_at)
        return Case.model_validate(data)

    def get(self, case_id: str) -> Case:
        """A case by its id, or by an id it had before it was merged with the same claim from
        another source (an alias)."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(cases).where(cases.c.id == case_id)).first()
            if row is None:
                found = claims.resolve(connection, [case_id]).get(case_id)
                if found is not None:
                    query = sa.select(cases).where(cases.c.id == found)
                    row = connection.execute(query).first()
        if row is None:
            raise CaseNotFound(case_id)
        return self._to_case(row)

    def get_public(self, case_id: str) -> CasePublic:
        """A case with its version number (what the API shows and ``If-Match`` compares)."""
        with self.engine.connect() as connection:
            return self.current(connection, case_id)

    def current(self, connection: Connection, case_id: str, *, lock: bool = False) -> CasePublic:
        """A case and its version as the caller's transaction sees it (``lock``: the row is
        locked until the transaction ends, where the database can lock rows)."""
        query = sa.select(cases).where(cases.c.id == case_id)
        if lock and not self.is_sqlite:
            query = query.with_for_update()
        row = connection.execute(query).first()
        if row is None:
            raise CaseNotFound(case_id)
        return CasePublic.model_validate(self._to_case(row).model_dump() | {"version": row.version})

    def get_many(self, ids: Iterable[str]) -> dict[str, Case]:
        """The stored cases among ``ids``, by id (unknown ids are left out)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Case] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                query = sa.select(cases).where(cases.c.id.in_(wanted[start : start + 500]))
                found |= {row.id: self._to_case(row) for row in connection.execute(query)}
        return found

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one()
            )

    def iter_cases(self, batch_size: int = 500) -> Iterator[Case]:
        """Every case, ordered by id (stable output for exports)."""
        last = ""
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(cases).where(cases.c.id > last).order_by(cases.c.id).limit(batch_size)
                ).all()
            if not rows:
                return
            for row in rows:
                yield self._to_case(row)
            last = rows[-1].id

    def reserve_id(self, connection: Connection, case_id: str) -> None:
        """Keep others from creating ``case_id`` until this transaction ends, so that of two
        creating it at once, the second sees the first's case (and refuses). On SQLite the
        write lock every transaction takes at its start does that already."""
        if not self.is_sqlite:
            postgres.lock_name(connection, case_id)

    def existing(self, connection: Connection, ids: Iterable[str]) -> dict[str, Any]:
        """pk, hash, version and created_at of the stored cases among ``ids``."""
        found: dict[str, Any] = {}
        id_list = list(ids)
        for start in range(0, len(id_list), 500):
            chunk = id_list[start : start + 500]
            query = sa.select(
                cases.c.pk, cases.c.id, cases.c.content_hash, cases.c.version, cases.c.created_at
            ).where(cases.c.id.in_(chunk))
            for row in connection.execute(query):
                found[row.id] = row
        return found

    def keyword_spellings(self) -> dict[str, str]:
        """The database's own keyword vocabulary: key → the most used spelling."""
        query = (
            sa.select(case_terms.c.value_key, case_terms.c.value, sa.func.count())
            .where(case_terms.c.kind == "keyword")
            .group_by(case_terms.c.value_key, case_terms.c.value)
        )
        best: dict[str, tuple[int, str]] = {}
        with self.engine.connect() as connection:
            for key, value, count in connection.execute(query):
                if key not in best or (count, value) > best[key]:
                    best[key] = (count, value)
        return {key: value for key, (_, value) in best.items()}

    # -- writing ---------------------------------------------------------------------------------

    def upsert(
        self,
        connection: Connection,
        batch: list[Case],
        now: dt.datetime,
        mark: EditMark | None = None,
    ) -> dict[str, UpsertOutcome]:
        """Insert new cases, replace changed ones (keeping ``created_at``), skip identical ones.

        Each write adds one to the case's version; a new case starts after the versions its id
        had before (when a case of that id was deleted). With ``mark``, each created or changed
        case gets a history entry (holding its new state if ``mark.snapshots``); the state a
        change replaces is kept in the history if it is not there yet.
        """
        stored = self.existing(connection, (c.id for c in batch))
        earlier = history.last_versions(connection, (c.id for c in batch if c.id not in stored))
        digests = {case.id: content_hash(case) for case in batch}
        self._keep_replaced(connection, stored, digests)
        outcome: dict[str, UpsertOutcome] = {}
        inserts: list[dict[str, Any]] = []
        terms: list[dict[str, Any]] = []
        pending: dict[str, Case] = {}
        edits: list[dict[str, Any]] = []
        for case in batch:
            digest = digests[case.id]
            old = stored.get(case.id)
            if old is not None and old.content_hash == digest:
                outcome[case.id] = "unchanged"
                continue
            doc = case.content()
            updated = _as_utc(case.updated_at) if case.updated_at else now
            values: dict[str, Any] = {
                "title": case.title,
                "summary": case.summary,
                "disproof": case.disproof,
                "date": case.date,
                "dataset": case.source.dataset,
                "appearance_count": len(case.appearances),
                "doc": doc,
                "content_hash": digest,
                "updated_at": updated,
            }
            if old is None:
                created = _as_utc(case.created_at) if case.created_at else now
                version = earlier.get(case.id, 0) + 1
                inserts.append(values | {"id": case.id, "version": version, "created_at": created})
                pending[case.id] = case
                outcome[case.id] = "created"
            else:
                created = utc(old.created_at)
                version = old.version + 1
                values["version"] = version
                connection.execute(sa.update(cases).where(cases.c.pk == old.pk).values(values))
                connection.execute(sa.delete(case_terms).where(case_terms.c.case_pk == old.pk))
                terms += _term_rows(int(old.pk), case, connection)
                outcome[case.id] = "updated"
            if mark is not None:
                stamps = {"created_at": created.isoformat(), "updated_at": updated.isoformat()}
                kept = doc | stamps if mark.snapshots else None
                action = mark.action or ("create" if old is None else "update")
                edits.append(history.edit_values(case.id, action, mark, now, version, kept))
        if inserts:
            returned = connection.execute(
                sa.insert(cases).returning(cases.c.pk, cases.c.id, sort_by_parameter_order=True),
                inserts,
            )
            for pk, case_id in returned:
                terms += _term_rows(int(pk), pending[case_id])
        if terms:
            connection.execute(sa.insert(case_terms), terms)
        history.record(connection, edits)
        return outcome

    def _keep_replaced(
        self, connection: Connection, stored: dict[str, Any], digests: dict[str, str]
    ) -> None:
        """Keep in the history the states that this write replaces and it lacks."""
        replaced = {
            case_id: row.version
            for case_id, row in stored.items()
            if row.content_hash != digests[case_id]
        }
        missing = history.lacking(connection, replaced) if replaced else {}
        if not missing:
            return
        states: dict[str, history.State] = {}
        pks = [stored[case_id].pk for case_id in missing]
        for start in range(0, len(pks), 500):
            query = sa.select(cases).where(cases.c.pk.in_(pks[start : start + 500]))
            for row in connection.execute(query):
                states[row.id] = self.state(row)
        history.keep(connection, states, missing)

    @staticmethod
    def state(row: sa.Row[Any]) -> history.State:
        """A stored case row as a history state."""
        created, updated = utc(row.created_at), utc(row.updated_at)
        stamps = {"created_at": created.isoformat(), "updated_at": updated.isoformat()}
        return history.State(row.version, dict(row.doc) | stamps, updated)

    def checkpoint(self) -> None:
        """Fold the SQLite write-ahead log back into the database file after a bulk write."""
        if self.is_sqlite:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def delete(self, connection: Connection, case_id: str) -> None:
        result = connection.execute(sa.delete(cases).where(cases.c.id == case_id))
        if result.rowcount == 0:
            raise CaseNotFound(case_id)

    def log_import(self, connection: Connection, entry: ImportLogEntry, now: dt.datetime) -> None:
        connection.execute(sa.insert(imports).values(**entry.__dict__, finished_at=now))

    def edits(self, case_id: str) -> list[tuple[str, str, dt.datetime]]:
        """(action, author, time) of the edits made to a case, oldest first."""
        query = (
            sa.select(case_edits.c.action, case_edits.c.author, case_edits.c.at)
            .where(case_edits.c.case_id == case_id)
            .order_by(case_edits.c.pk)
        )
        with self.engine.connect() as connection:
            return [(a, who, utc(at)) for a, who, at in connection.execute(query)]
