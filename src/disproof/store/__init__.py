"""Persistence: SQLAlchemy 2 on SQLite (WAL) by default; the only package that touches SQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from disproof.errors import StoreError
from disproof.settings import Settings
from disproof.store.cases import CaseStore, ImportLogEntry, UpsertOutcome, content_hash
from disproof.store.derived import refresh_derived_terms
from disproof.store.engine import create_db_engine, error_text, migrate

__all__ = ["CaseStore", "ImportLogEntry", "UpsertOutcome", "content_hash", "open_store"]


def open_store(settings: Settings) -> CaseStore:
    """Open (creating and migrating as needed) the database the settings name."""
    path = settings.sqlite_path()
    if path is not None:
        if path.exists() and path.is_dir():
            raise StoreError(f"database path {path} is a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the database folder {path.parent}: {exc}") from exc
    engine = create_db_engine(settings.database_url())
    migrate(engine)
    try:
        refresh_derived_terms(engine)
    except SQLAlchemyError as exc:
        message = f"cannot update the derived narratives of {engine.url}: {error_text(exc)}"
        raise StoreError(message) from exc
    return CaseStore(engine)


def database_size(settings: Settings) -> int | None:
    """Bytes on disk of an SQLite database (with its WAL), or None for a server database."""
    path = settings.sqlite_path()
    if path is None or not path.exists():
        return None
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
