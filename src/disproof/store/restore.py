"""Restore an SQLite database from a backup: verify first, keep the previous one, swap atomically.

1. The backup is copied (read-only, with the backup API) to a staging file beside the database
   and verified there: an SQLite file, ``integrity_check`` ok, full-text index consistent, a
   disproof schema revision this version knows. An older revision is migrated on the staging
   copy, so the swap itself is one step.
2. A current database holding cases is only replaced with ``force``. It is first backed up
   (consistently, verified) to ``<db>.before-restore-<UTC time>``.
3. The staged copy is written into the live database with the backup API: one SQLite write
   transaction, so a crash leaves either the old or the restored database, and a running
   ``disproof serve`` sees the restored cases rather than keeping an unlinked file open (which
   a file rename would do, silently sending its later writes into the old copy). A database
   file that cannot be read at all (corrupt) is instead moved aside and replaced by rename.
4. The derived match index beside the database (``<db>.index/``) is removed; it is rebuilt
   on next use. The restored change log gets a new name (``store/changes.py``), so a server
   still holding a matcher of the replaced cases sees that they changed. Stored case vectors
   come with the backup and are checked per case text anyway.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from disproof.errors import StoreError
from disproof.store.backup import (
    backup_database,
    check_database,
    connect,
    copy_database,
    describe_failure,
    fsync_path,
    remove_quietly,
    require_sqlite_file,
    temp_file_beside,
)
from disproof.store.changes import LOG_KEY
from disproof.store.engine import create_db_engine, head_revision, migrate


@dataclass(frozen=True)
class RestoreSummary:
    source: Path
    database: Path
    cases: int
    #: The backup's schema revision, and the one the restored database has (migrated if older).
    revision_from: str
    revision: str
    #: Where the database that was there before is kept (None when there was none).
    previous: Path | None
    index_removed: bool
    seconds: float


def restore_database(
    db: Path, source: Path, *, force: bool = False, index_dir: Path | None = None
) -> RestoreSummary:
    """Replace the database at ``db`` with the backup at ``source`` (see the module doc)."""
    started = time.perf_counter()
    source = source.expanduser().absolute()
    require_sqlite_file(source, "backup file")
    if db.exists() and source.resolve() == db.resolve():
        raise StoreError(f"{source} is the database itself; restore from a backup file")
    db.parent.mkdir(parents=True, exist_ok=True)
    staged = temp_file_beside(db, "restore")
    try:
        checked = _stage(source, staged)
        previous = _swap_in(staged, db, force=force)
    finally:
        remove_quietly(staged)
    with closing(connect(db)) as live:
        cases = int(live.execute("SELECT count(*) FROM cases").fetchone()[0])
    removed = index_dir is not None and index_dir.exists()
    if index_dir is not None:
        shutil.rmtree(index_dir, ignore_errors=True)
    return RestoreSummary(
        source,
        db,
        cases,
        checked,
        head_revision(),
        previous,
        removed,
        time.perf_counter() - started,
    )


def _stage(source: Path, staged: Path) -> str:
    """Copy and verify the backup (migrating an older schema); its original revision."""
    try:
        copy_database(source, staged, read_only_source=True)
    except sqlite3.Error as exc:
        raise StoreError(describe_failure(source, exc)) from exc
    revision = check_database(staged, source).revision
    if revision != head_revision():
        engine = create_db_engine(f"sqlite:///{staged}")
        try:
            migrate(engine)
        finally:
            engine.dispose()
        with closing(connect(staged)) as db:
            db.execute("PRAGMA journal_mode=DELETE")
        check_database(staged, f"{source} (migrated to {head_revision()})")
    with closing(connect(staged)) as db, db:  # positions in the live log describe other cases
        db.execute("DELETE FROM store_meta WHERE key = ?", (LOG_KEY,))
        db.execute("INSERT INTO store_meta (key, value) VALUES (?, ?)", (LOG_KEY, uuid.uuid4().hex))
    return revision


def _cases_in(db: Path) -> int | None:
    """Cases in the current database (0 without a cases table), or None if it cannot be read."""
    try:
        with closing(connect(db)) as current:
            tables = {row[0] for row in current.execute("SELECT name FROM sqlite_master")}
            if "cases" not in tables:
                return 0
            return int(current.execute("SELECT count(*) FROM cases").fetchone()[0])
    except sqlite3.Error:
        return None


def _previous_name(db: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = db.with_name(f"{db.name}.before-restore-{stamp}")
    number = 1
    while candidate.exists():
        number += 1
        candidate = db.with_name(f"{db.name}.before-restore-{stamp}-{number}")
    return candidate


def _swap_in(staged: Path, db: Path, *, force: bool) -> Path | None:
    """Put the staged database in place of ``db``; where the previous one is kept."""
    if not db.exists():
        _move_aside(db, None)
        os.replace(staged, db)
        fsync_path(db.parent)
        return None
    held = _cases_in(db)
    if not force and held is None:
        raise StoreError(
            f"the current database {db} cannot be read; pass --force to replace it "
            "(its files are kept beside it)"
        )
    if not force and held:
        raise StoreError(
            f"the current database {db} holds {held:,} cases; pass --force to replace it "
            f"(it is kept as {db.name}.before-restore-<time>)"
        )
    previous = _previous_name(db)
    try:
        backup_database(db, previous)
    except StoreError as exc:
        if not force:
            raise StoreError(f"{exc}; pass --force to replace it anyway") from exc
        _move_aside(db, previous)
        os.replace(staged, db)
        fsync_path(db.parent)
        return previous
    _copy_into_live(staged, db)
    return previous


def _move_aside(db: Path, previous: Path | None) -> None:
    """Rename the database and its WAL to ``previous`` (together, so they still open as one).
    A WAL must not stay beside a new database file: SQLite would replay it into it. The
    shared-memory file is only a cache and is removed."""
    wal = Path(f"{db}-wal")
    if previous is not None and db.exists():
        os.replace(db, previous)
    if wal.exists():
        os.replace(wal, Path(f"{previous}-wal") if previous else Path(f"{db}-wal.orphaned"))
    Path(f"{db}-shm").unlink(missing_ok=True)


def _copy_into_live(staged: Path, db: Path) -> None:
    """Overwrite the live database with the staged one in one SQLite write transaction."""
    with closing(connect(staged)) as src, closing(connect(db)) as dst:
        page_size = dst.execute("PRAGMA page_size").fetchone()[0]
        if src.execute("PRAGMA page_size").fetchone()[0] != page_size:
            # a WAL database only accepts a backup of its own page size
            src.execute(f"PRAGMA page_size={int(page_size)}")
            src.execute("VACUUM")
        src.backup(dst)
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
