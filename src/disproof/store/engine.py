"""Opening the database: engine, SQLite pragmas (WAL, foreign keys) and migrations to head."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from disproof.errors import StoreError

logger = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout per connection."""
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"cannot use database {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its start, for read-then-write work.

    A plain SQLite transaction starts as a reader and takes the write lock at its first write,
    so what it read before may have changed by then: two editors changing one case at once
    would each write back the other's old fields (a lost update). ``BEGIN IMMEDIATE`` takes
    the lock first, waiting for another writer up to the busy timeout, so anything read while
    the transaction is open — on this connection or another — is current until it commits.
    Other databases get a plain transaction.
    """
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection


def _alembic_config() -> Config:
    config = Config()
    location = resources.files("disproof.store") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


def known_revisions() -> list[str]:
    """The schema revisions this version of disproof knows, oldest first."""
    script = ScriptDirectory.from_config(_alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def head_revision() -> str:
    """The newest schema revision (what :func:`migrate` brings a database to)."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (cheap no-op when it is already there)."""
    config = _alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            if current == head:
                return
            logger.info("migrating database from %s to %s", current, head)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open or migrate the database at {engine.url}: {exc}") from exc
