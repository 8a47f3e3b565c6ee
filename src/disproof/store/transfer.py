"""Every row of one database into another, empty one, whatever the two databases are.

The rows are read in primary-key order in one read transaction of the source (a consistent
snapshot) and written through the caller's transaction on the target, table by table in an
order the foreign keys allow, so that the caller can make the whole copy one all-or-nothing
unit. Values are carried as SQLAlchemy reads them (JSON as Python objects, vectors as bytes);
times are made UTC-aware, since SQLite keeps them without a zone. On PostgreSQL the sequences
behind the primary keys are set past the copied keys afterwards, so new rows get new keys.
The full-text index is the database's own (FTS5 triggers, PostgreSQL's generated column):
it follows the copied rows by itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from disproof.store.changes import rename_log
from disproof.store.schema import (
    api_tokens,
    case_edits,
    case_terms,
    case_vectors,
    cases,
    imports,
    store_meta,
    web_sessions,
)

#: Every table disproof keeps, parents before children.
TABLES: tuple[sa.Table, ...] = (
    cases,
    case_terms,
    case_vectors,
    imports,
    api_tokens,
    web_sessions,
    case_edits,
    store_meta,
)
#: Tables that may hold rows in an "empty" target: facts a fresh database records about itself,
#: replaced by the source's.
OWN_FACTS = ("store_meta",)
#: Rows read and written at a time.
BATCH = 500

#: ``progress(table, rows copied so far, rows in the table)``
Progress = Callable[[str, int, int], None]


def counts(connection: Connection) -> dict[str, int]:
    """Rows per table."""
    return {
        table.name: int(
            connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        )
        for table in TABLES
    }


def occupied(connection: Connection) -> dict[str, int]:
    """The tables holding data (rows per table), but for a fresh database's own facts."""
    return {t: n for t, n in counts(connection).items() if n and t not in OWN_FACTS}


def copy_all(
    source: Connection, target: Connection, progress: Progress | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """Copy every table into an empty target; returns the rows per table of the source and,
    counted afresh, of the target."""
    expected = counts(source)
    target.execute(store_meta.delete())
    for table in TABLES:
        copy_table(source, target, table, expected[table.name], progress)
    reset_sequences(target)
    rename_log(target)  # the source's positions describe the source's history, not this one
    return expected, counts(target)


def _utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value


def copy_table(source: Connection, target: Connection, table: sa.Table, total: int,
               progress: Progress | None = None) -> int:  # fmt: skip
    """Copy one table's rows (in primary-key order); returns how many."""
    times = [c.name for c in table.columns if isinstance(c.type, sa.DateTime)]
    query = sa.select(table).order_by(*table.primary_key.columns)
    done = 0
    result = source.execution_options(yield_per=BATCH).execute(query)
    for rows in result.partitions(BATCH):
        batch = [dict(row._mapping) for row in rows]
        for row in batch:
            for name in times:
                row[name] = _utc(row[name])
        target.execute(sa.insert(table), batch)
        done += len(batch)
        if progress is not None:
            progress(table.name, done, total)
    return done


def reset_sequences(target: Connection) -> None:
    """Set PostgreSQL's key sequences past the copied keys (nothing to do on SQLite)."""
    if target.dialect.name != "postgresql":
        return
    for table in TABLES:
        if "pk" in table.c:  # the tables with a key of their own (not a parent's)
            name = table.name
            target.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'pk'), "
                f"(SELECT COALESCE(MAX(pk), 0) + 1 FROM {name}), false)"
            )
