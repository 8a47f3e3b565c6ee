"""Opening the database: engine, SQLite pragmas (WAL, foreign keys) and migrations to head."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Table,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.sql import Executable

from disproof.errors import StoreError
from disproof.store import postgres

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

#: How long a write waits for another writer's lock before SQLite gives up ("database is
#: locked"); a module attribute so tests can shorten it.
BUSY_TIMEOUT_MS = 10_000
#: Seconds a client told "busy" (HTTP 503) is asked to wait before trying again.
BUSY_RETRY_AFTER = 10
#: The newest migration's revision, spelled out so that opening a database already there needs
#: no Alembic (a fifth of a second at start-up); ``tests/test_startup.py`` checks it is the head.
HEAD_REVISION = "0014"
_BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")


def is_busy(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from, is SQLite refusing because another
    connection holds the lock (``SQLITE_BUSY`` / ``SQLITE_LOCKED``): worth retrying, not a bug."""
    for _ in range(8):  # a short chain: StoreError from OperationalError from sqlite3's error
        if exc is None:
            return False
        if isinstance(exc, OperationalError | sqlite3.OperationalError):
            if any(m in str(exc).lower() for m in _BUSY_MESSAGES):
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def error_text(exc: BaseException) -> str:
    """A database error as one line for a user: the driver's own message, without
    SQLAlchemy's statement dump and "Background on this error at: …" link."""
    orig = getattr(exc, "orig", None)
    text = str(orig) if isinstance(orig, BaseException) else str(exc)
    text = text.split("\n(Background on this error at:")[0].split("\n[SQL:")[0].strip()
    if "file is not a database" in text:
        text += " (is --db an SQLite file made by disproof?)"
    return text


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    cursor.close()


def _shown(url: str) -> str:
    """A database URL fit for a message: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return "the database URL given"


#: The connections a PostgreSQL engine keeps, which is also the most it opens. SQLAlchemy's
#: default keeps 5 and opens up to 10 more for a burst, closing each as it is returned: one
#: ``disproof serve`` worker answering 8 concurrent editors opened a new server process (a
#: PostgreSQL backend) every four edits (docs/benchmarks.md, "A team on one server").
PG_POOL_SIZE = 15


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout per connection,
    PostgreSQL a pool that keeps every connection it opens (:data:`PG_POOL_SIZE`)."""
    try:
        pooled = make_url(url).get_backend_name() == "postgresql"
        options = {"pool_size": PG_POOL_SIZE, "max_overflow": 0} if pooled else {}
        engine = create_engine(url, **options)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"cannot use database {_shown(url)!r}: {error_text(exc)}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        postgres.configure(engine)
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


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one state of the database throughout."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")  # pysqlite begins none for reads
        else:
            connection.execution_options(isolation_level="REPEATABLE READ")
        try:
            yield connection
        finally:
            connection.rollback()


def write_if_free(engine: Engine, statement: Executable) -> bool:
    """Run one write ``statement`` if the write lock is free right now, without waiting.

    For bookkeeping done on the way through a read (a token's ``last_used_at``): a read must
    never wait for the write lock, which an import can hold for minutes. Returns False, having
    written nothing, when another connection holds the lock. Other databases just write.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            connection.execute(statement)
        return True
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA busy_timeout=0")
        connection.commit()  # end the transaction the PRAGMA began (nothing to commit)
        try:
            with connection.begin():
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                connection.execute(statement)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            return False
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
            connection.commit()
    return True


def insert_or_keep(table: Table, dialect: str) -> Insert:
    """``INSERT`` into ``table`` that leaves a row whose key is already there as it is.

    For derived rows two writers may compute at once (several workers encoding the same new
    case): the second writer's identical row is dropped instead of failing the transaction.
    Plain ``INSERT`` on a dialect without ``ON CONFLICT``.
    """
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    return table.insert()  # pragma: no cover - the two dialects disproof runs on


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    location = resources.files("disproof.store") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


def known_revisions() -> list[str]:
    """The schema revisions this version of disproof knows, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def head_revision() -> str:
    """The newest schema revision (what :func:`migrate` brings a database to)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (cheap no-op when it is already there)."""
    try:
        with engine.connect() as connection:
            if _stored_revision(connection) == HEAD_REVISION:
                return
            _upgrade(connection)
    except SQLAlchemyError as exc:
        message = f"cannot open or migrate the database at {engine.url}: {error_text(exc)}"
        raise StoreError(message) from exc


def stored_revision(engine: Engine) -> str | None:
    """The schema revision of the database (None: not a disproof database yet)."""
    try:
        with engine.connect() as connection:
            return _stored_revision(connection)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database at {engine.url}: {error_text(exc)}") from exc


def _stored_revision(connection: Connection) -> str | None:
    """The revision recorded in the database (Alembic's table), read without Alembic."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    found = list(revisions)
    connection.commit()  # end the read transaction before Alembic takes over
    return found[0] if len(found) == 1 else None


def _upgrade(connection: Connection) -> None:
    """Run Alembic's migrations up to the head on ``connection``."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return
    logger.info("migrating database from %s to %s", current, head)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    connection.commit()
