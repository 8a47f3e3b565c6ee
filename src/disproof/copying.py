"""The copy use case: a whole database into another, empty one — SQLite to PostgreSQL (a desk
moving to a shared server) or back (a laptop copy, an archive), or between two of a kind.

Everything is copied: cases and their terms, history, API tokens, web sessions, the import
log, the match index's vectors and the store's own facts (``store_meta``). The target is
opened (created and migrated if it is an SQLite file that does not exist yet; a PostgreSQL
database must exist) and must hold no cases, history, tokens, sessions, imports or vectors:
a copy never merges into data. The rows go in one transaction on the target, which holds the
write lock from its start: if anything fails, or the row counts do not match the source's
afterwards, nothing is written. After the commit, the export of both databases (every case as
JSON Lines) must be byte-identical, or the copy is reported as failed.

The source is read in one snapshot, but the export check reads it again: copy from a database
nothing else writes to at the time (stop ``disproof serve`` first).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from disproof.errors import DisproofError, StoreError
from disproof.exporting import export
from disproof.settings import Settings
from disproof.store import CaseStore, open_store
from disproof.store.backup import (
    BackupSummary,
    check_backup_target,
    check_database,
    fsync_path,
    publish,
    remove_quietly,
    temp_file_beside,
)
from disproof.store.engine import (
    HEAD_REVISION,
    begin_write,
    create_db_engine,
    error_text,
    snapshot,
    stored_revision,
)
from disproof.store.transfer import Progress, copy_all, occupied


@dataclass(frozen=True)
class CopySummary:
    rows: dict[str, int]
    export_bytes: int
    seconds: float


def copy_database(
    source: Settings, target: Settings, progress: Progress | None = None
) -> CopySummary:
    """Copy every row of ``source`` into the empty ``target``, verified (see the module)."""
    started = time.monotonic()
    if source.database_url() == target.database_url():
        raise DisproofError("the source and the target are the same database")
    path = source.sqlite_path()
    if path is not None and not path.exists():
        raise DisproofError(f"no database at {path}: nothing to copy")
    source_store, target_store = _open_source(source), open_store(target)
    try:
        rows = _copy_rows(source_store, target_store, progress)
        export_bytes = _same_export(source_store, target_store)
    except SQLAlchemyError as exc:
        raise StoreError(f"the copy failed, nothing was written: {error_text(exc)}") from exc
    finally:
        source_store.engine.dispose()
        target_store.engine.dispose()
    return CopySummary(rows, export_bytes, time.monotonic() - started)


def _open_source(settings: Settings) -> CaseStore:
    """The source, opened as it is: a copy or a backup never migrates what it copies."""
    engine = create_db_engine(settings.database_url())
    revision = stored_revision(engine)
    if revision != HEAD_REVISION:
        engine.dispose()
        raise StoreError(
            f"the source database is at schema revision {revision or 'none'}, this disproof "
            f"copies revision {HEAD_REVISION}: run `disproof --db SOURCE init` to migrate it first"
        )
    return CaseStore(engine)


def _copy_rows(source: CaseStore, target: CaseStore, progress: Progress | None) -> dict[str, int]:
    with snapshot(source.engine) as reading, begin_write(target.engine) as writing:
        held = occupied(writing)
        if held:
            rows = ", ".join(f"{n} rows in {t}" for t, n in held.items())
            raise DisproofError(
                f"the target database is not empty ({rows}): copy only into a new database"
            )
        expected, copied = copy_all(reading, writing, progress)
        if copied != expected:
            raise DisproofError(
                f"the copy does not match the source (rows per table: source {expected}, "
                f"copy {copied}); nothing was written"
            )
    return copied


def _same_export(source: CaseStore, target: CaseStore) -> int:
    """Bytes of the JSON Lines export, the same from both databases (or an error)."""
    exports = []
    for store in (source, target):
        out = io.StringIO()
        export(store, out, "jsonl", None)
        exports.append(out.getvalue().encode("utf-8"))
    if exports[0] != exports[1]:
        raise DisproofError(
            "the copy was written, but its export differs from the source's: was the source "
            "changed while copying? Empty the target database and copy again"
        )
    return len(exports[0])


def backup_to_file(source: Settings, target: Path, *, force: bool = False) -> BackupSummary:
    """A portable backup of a server database (PostgreSQL): the whole database copied into a
    new SQLite file (verified as :func:`copy_database` verifies), then checked like any
    ``disproof backup`` (``integrity_check``, full-text index, schema revision), synced, and
    renamed to ``target``: ``target`` is a complete, verified database or not there at all.
    Restoring it into PostgreSQL is a copy back into an empty database."""
    started = time.monotonic()
    target = target.expanduser().absolute()
    check_backup_target(target, force=force)
    staged = temp_file_beside(target, "partial")
    try:
        copy_database(source, Settings(db=str(staged)))
        check = check_database(staged, "the backup")
        fsync_path(staged)
        publish(staged, target, force=force)
    finally:
        remove_quietly(staged)
    seconds = time.monotonic() - started
    return BackupSummary(target, check.cases, target.stat().st_size, seconds, check.revision)
