"""Online backup of an SQLite database, and the checks a copy must pass to count as one.

The copy is made with SQLite's online backup API (``sqlite3.Connection.backup``) in a single
step. That step reads the whole database inside one read transaction, so the copy is one
consistent snapshot even while ``disproof serve`` or an import keeps writing: in WAL mode
readers never block writers, and writers never disturb a reader's snapshot. ``VACUUM INTO``
would give the same consistency and a compacted file, but it rebuilds every table and index
(slower, more CPU on a shared machine) and its output file is not synced by SQLite; the backup
API copies pages as they are, works into any connection (also the restore into a live database,
see :mod:`disproof.store.restore`) and is the standard library's own, documented interface.

A backup is written to a temporary file in the destination folder, verified (``PRAGMA
integrity_check``, the full-text index against the cases, a schema revision this version knows,
the case count), synced, and only then renamed to its name: the destination is either absent or
a complete, verified database, never half a file. A killed backup leaves at most a hidden
``.NAME.PID-….partial`` file beside the destination, removed by the next backup to that name.
"""

from __future__ import annotations

import glob
import os
import sqlite3
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from disproof.errors import StoreError
from disproof.settings import Settings
from disproof.store.engine import known_revisions
from disproof.store.files import refuse_database_files

SQLITE_HEADER = b"SQLite format 3\x00"
#: How long a connection waits for another one's lock before giving up (seconds).
BUSY_SECONDS = 30.0


@dataclass(frozen=True)
class DatabaseCheck:
    """What a verified database file holds."""

    revision: str
    cases: int


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    cases: int
    bytes: int
    seconds: float
    revision: str


def sqlite_file(settings: Settings) -> Path:
    """The SQLite file behind the settings; other databases have their own backup tools."""
    path = settings.sqlite_path()
    if path is not None:
        return path
    scheme = settings.database_url().split("://", 1)[0]
    if scheme.startswith("sqlite"):
        raise StoreError("an in-memory database has no file to back up or restore")
    raise StoreError(
        f"backup and restore work on SQLite database files; this is a {scheme} database: "
        "use the database's own tools (pg_dump and pg_restore for PostgreSQL)"
    )


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A plain (autocommit) connection to a database file, waiting for locks up to 30 s."""
    uri = path.absolute().as_uri() + ("?mode=ro" if read_only else "")
    return sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS, isolation_level=None)


def require_sqlite_file(path: Path, what: str) -> None:
    """Refuse a missing path, a folder, or a file that does not start like an SQLite database."""
    if not path.exists():
        raise StoreError(f"{what} {path} does not exist")
    if not path.is_file():
        raise StoreError(f"{what} {path} is not a file")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    if head != SQLITE_HEADER:
        raise StoreError(f"{path} is not an SQLite database, so not a disproof database")


def describe_failure(name: object, exc: sqlite3.Error) -> str:
    """A sentence naming the file for an error SQLite raised while reading it."""
    if "not a database" in str(exc):
        return f"{name} is not an SQLite database (or is encrypted): {exc}"
    if "unable to open" in str(exc) or "readonly" in str(exc):
        return f"cannot read or write {name}: {exc} (check permissions and free space)"
    return f"{name} is corrupt: {exc}"


def check_database(path: Path, name: object) -> DatabaseCheck:
    """Verify a database file of ours (a fresh copy: the full-text check is written as an
    INSERT, so never run this on a user's file). Messages call the file ``name``."""
    try:
        with closing(connect(path)) as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
            if problems != ["ok"]:
                raise StoreError(f"{name} is corrupt: {'; '.join(problems[:3])}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "cases"} <= tables:
                raise StoreError(f"{name} is an SQLite database but not a disproof database")
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = _known_revision(name, row[0] if row else None)
            if "cases_fts" in tables:
                _check_full_text(db, name)
            cases = int(db.execute("SELECT count(*) FROM cases").fetchone()[0])
    except sqlite3.Error as exc:
        raise StoreError(describe_failure(name, exc)) from exc
    return DatabaseCheck(revision, cases)


def _known_revision(name: object, revision: str | None) -> str:
    known = known_revisions()
    if revision is None:
        raise StoreError(f"{name} is an SQLite database but not a disproof database")
    if revision not in known:
        raise StoreError(
            f"{name} has schema revision {revision!r}, which this version of disproof does not "
            f"know (it knows {known[0]} to {known[-1]}): it was probably written by a newer "
            "disproof; upgrade disproof to use it"
        )
    return revision


def _check_full_text(db: sqlite3.Connection, name: object) -> None:
    """The FTS5 index must agree with the cases table (rank 1: compare with the content)."""
    try:
        db.execute("INSERT INTO cases_fts(cases_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{name} is corrupt: its full-text index does not match its cases"
        ) from exc


def copy_database(source: Path, target: Path, *, read_only_source: bool = False) -> None:
    """Copy ``source`` into ``target`` in one step (one consistent snapshot of the source);
    the copy is left in rollback-journal mode, a single self-contained file."""
    with (
        closing(connect(source, read_only=read_only_source)) as src,
        closing(connect(target)) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk; a no-op where folders cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_file_beside(path: Path, purpose: str) -> Path:
    """A new empty file in ``path``'s folder for staging a copy: hidden, named after ``path``,
    this process and ``purpose``. Those a killed process left behind are removed first."""
    _remove_orphans(path, purpose)
    fd, name = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}-", suffix=f".{purpose}", dir=path.parent
    )
    os.close(fd)
    return Path(name)


def _remove_orphans(path: Path, purpose: str) -> None:
    """Remove staging files for ``path`` whose process is gone (POSIX; elsewhere they stay)."""
    if os.name != "posix":
        return
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*-*.{purpose}"):
        pid = leftover.name[len(path.name) + 2 :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            remove_quietly(leftover)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_quietly(path: Path) -> None:
    """Remove a staging file and the journal SQLite may have left beside it."""
    for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)


def publish(staged: Path, target: Path, *, force: bool) -> None:
    """Give the staged file its name in one rename (never overwriting unless ``force``)."""
    if force:
        os.replace(staged, target)
    else:
        try:
            os.link(staged, target)  # fails if the target exists, with no window for a race
        except FileExistsError:
            raise StoreError(f"{target} exists; pass --force to overwrite it") from None
        except OSError:  # a file system without hard links
            if target.exists():
                raise StoreError(f"{target} exists; pass --force to overwrite it") from None
            os.replace(staged, target)
        else:
            staged.unlink()
    fsync_path(target.parent)


def _check_target(db: Path, target: Path, *, force: bool) -> None:
    refuse_database_files(db, target, "back up")
    check_backup_target(target, force=force)


def check_backup_target(target: Path, *, force: bool) -> None:
    """A backup may be written to ``target``: a file in an existing folder, not overwritten
    without ``force``."""
    if target.is_dir():
        raise StoreError(f"{target} is a folder; give a file name for the backup")
    if not target.parent.is_dir():
        raise StoreError(f"folder {target.parent} does not exist")
    if target.exists() and not force:
        raise StoreError(f"{target} exists; pass --force to overwrite it")


def backup_database(db: Path, target: Path, *, force: bool = False) -> BackupSummary:
    """Copy the database at ``db`` to ``target`` while it stays in use (see the module doc)."""
    started = time.perf_counter()
    if not db.exists():
        raise StoreError(f"there is no database at {db} to back up")
    target = target.expanduser().absolute()
    _check_target(db, target, force=force)
    staged = temp_file_beside(target, "partial")
    try:
        try:
            copy_database(db, staged)
        except sqlite3.Error as exc:
            raise StoreError(describe_failure(db, exc)) from exc
        check = check_database(staged, f"the copy of {db}")
        fsync_path(staged)
        publish(staged, target, force=force)
    finally:
        remove_quietly(staged)
    return BackupSummary(
        target, check.cases, target.stat().st_size, time.perf_counter() - started, check.revision
    )
