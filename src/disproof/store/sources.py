"""SourceRecords: the rows of ``watch_sources`` — what is watched and its polling state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from disproof.errors import ConflictError, NotFound
from disproof.store.engine import begin_write
from disproof.store.schema import watch_sources
from disproof.store.times import utc
from disproof.watch.models import SourceCreate, WatchedSource


def _source(row: sa.Row[Any]) -> WatchedSource:
    data = dict(row._mapping)
    data.pop("pk")
    for name in ("created_at", "last_success_at", "last_polled_at", "next_due_at"):
        data[name] = utc(data[name])
    return WatchedSource.model_validate(data)


class SourceRecords:
    """Rows of ``watch_sources``; ``pk`` is how the items of a source refer to it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, source: SourceCreate, now: dt.datetime) -> WatchedSource:
        """Store a new source, due at once; a name in use is refused."""
        with begin_write(self.engine) as connection:
            taken = connection.execute(
                sa.select(watch_sources.c.pk).where(watch_sources.c.name == source.name)
            ).first()
            if taken is not None:
                raise ConflictError(f"a source named {source.name!r} exists already")
            values = source.model_dump() | {"created_at": now, "next_due_at": now}
            connection.execute(sa.insert(watch_sources).values(**values))
        return self.get(source.name)

    def remove(self, name: str) -> None:
        """Remove a source with its items and their sightings (dismissals are kept)."""
        with begin_write(self.engine) as connection:
            result = connection.execute(
                sa.delete(watch_sources).where(watch_sources.c.name == name)
            )
        if result.rowcount == 0:
            raise NotFound(f"no source named {name!r}")

    def get(self, name: str) -> WatchedSource:
        query = sa.select(watch_sources).where(watch_sources.c.name == name)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise NotFound(f"no source named {name!r}")
        return _source(row)

    def pk(self, name: str) -> int:
        query = sa.select(watch_sources.c.pk).where(watch_sources.c.name == name)
        with self.engine.connect() as connection:
            found = connection.execute(query).scalar()
        if found is None:
            raise NotFound(f"no source named {name!r}")
        return int(found)

    def all(self) -> list[WatchedSource]:
        query = sa.select(watch_sources).order_by(watch_sources.c.name)
        with self.engine.connect() as connection:
            return [_source(row) for row in connection.execute(query)]

    def due(self, now: dt.datetime) -> list[tuple[int, WatchedSource]]:
        """The sources due at ``now`` (pk, source), the longest overdue first."""
        query = (
            sa.select(watch_sources)
            .where(watch_sources.c.next_due_at <= now)
            .order_by(watch_sources.c.next_due_at, watch_sources.c.pk)
        )
        with self.engine.connect() as connection:
            return [(int(row.pk), _source(row)) for row in connection.execute(query)]

    def succeeded(
        self,
        pk: int,
        now: dt.datetime,
        next_due: dt.datetime,
        validators: tuple[str | None, str | None],
        new_items: int,
    ) -> None:
        """A poll went through: keep the validators for the next conditional GET."""
        etag, last_modified = validators
        values = {
            "etag": etag,
            "last_modified": last_modified,
            "last_success_at": now,
            "last_polled_at": now,
            "failures": 0,
            "last_error": None,
            "next_due_at": next_due,
            "items_seen": watch_sources.c.items_seen + new_items,
        }
        self._update(pk, values)

    def failed(self, pk: int, now: dt.datetime, error: str, next_due: dt.datetime) -> None:
        """A poll failed: count it, keep why, and when to try again."""
        values = {
            "last_polled_at": now,
            "failures": watch_sources.c.failures + 1,
            "last_error": error[:2000],
            "next_due_at": next_due,
        }
        self._update(pk, values)

    def _update(self, pk: int, values: dict[str, Any]) -> None:
        with begin_write(self.engine) as connection:
            connection.execute(
                sa.update(watch_sources).where(watch_sources.c.pk == pk).values(**values)
            )
