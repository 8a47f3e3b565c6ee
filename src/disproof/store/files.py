"""The files an SQLite database is made of, so that nothing writes an export or a backup over
them: the database, SQLite's sidecars (``-wal``, ``-shm``, ``-journal``), and the folders kept
beside it (``<db>.index/``, ``<db>.keywords/``, any other ``<db>.NAME/`` model folder). Plain
files named ``<db>.NAME`` stay allowed: ``disproof.db.bak`` is a fine name for a backup, and a
restore backs the database up to ``<db>.before-restore-TIME`` itself.

Paths are compared after resolving ``~``, relative parts and symbolic links, and an existing
target is also compared by identity (a hard link to the database is the database).
"""

from __future__ import annotations

import os
from pathlib import Path

from disproof.errors import StoreError

#: SQLite's own files beside a database, and what they are called in messages.
SIDECARS = {
    "-wal": "write-ahead log",
    "-shm": "shared-memory index",
    "-journal": "rollback journal",
}
#: Folders disproof keeps beside a database (``<db>.index``: the match index; ``.keywords``: the
#: keyword model). Any other existing ``<db>.NAME`` folder is treated the same way.
DERIVED_FOLDERS = (".index", ".keywords")


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path.expanduser()))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _belongs(db: Path, target: Path) -> str | None:
    """What ``target`` is among the database's files, or None if it is none of them."""
    if target == db or _same_file(target, db):
        return "the database itself"
    for suffix, what in SIDECARS.items():
        sidecar = db.with_name(db.name + suffix)
        if target == sidecar or _same_file(target, sidecar):
            return f"the database's {what}"
    for place in (target, *target.parents):
        if place.parent != db.parent or not place.name.startswith(db.name + "."):
            continue
        rest = place.name[len(db.name) :]
        if place != target and (rest in DERIVED_FOLDERS or place.is_dir()):
            return f"inside the database's folder {place.name}/"
        if place == target and (rest in DERIVED_FOLDERS or target.is_dir()):
            return f"the database's folder {place.name}/"
    return None


def refuse_database_files(db: Path | None, target: Path, action: str) -> None:
    """Raise :class:`StoreError` if writing ``target`` would overwrite the database at ``db``
    or one of its files (see the module doc); ``action`` names what was asked ("export")."""
    if db is None:
        return
    what = _belongs(_resolved(db), _resolved(target))
    if what is not None:
        raise StoreError(
            f"{target} is {what} ({db}); refusing to {action} onto it: choose another path"
        )
